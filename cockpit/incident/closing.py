"""What is still open when someone wants to close the incident: the close dialog lists it
and the close entry journals it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.core.details import queue_detail
from cockpit.core.flagmatrix import build_matrix
from cockpit.core.readings import QUEUES
from cockpit.core.runbook import Phase, StepState
from cockpit.incident.journal import Entry

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore

#: Closing before RESTORED needs a reason of at least this many words.
MIN_REASON_WORDS = 3


def _close_step(session: SessionCore) -> str | None:
    step = session.runbook.first(Phase.CLOSE)
    return step.id if step else None


def open_items(session: SessionCore) -> list[str]:
    """Steps pending or failed, gate conditions failing, queues paused, flags not safe, rows
    marked for review (with their count): each one line."""
    items: list[str] = []
    book = session.runbook
    pending = [
        step.short for step in book.steps if step.phase is not Phase.CLOSE and book.state(step.id) is StepState.PENDING
    ]
    if pending:
        items.append(f"steps pending: {', '.join(pending)}")
    for step in book.steps:
        state = book.state(step.id)
        if state in (StepState.FAILED, StepState.RUNNING, StepState.HALTED, StepState.PAUSED):
            reason = book.reasons.get(step.id)
            told = reason and state in (StepState.FAILED, StepState.HALTED, StepState.PAUSED)
            items.append(f"step {step.title}: {state.value}" + (f" ({reason})" if told else ""))
    status = session.gate_status or session.evaluate_gate()
    for cond in status.conditions:
        if not cond.ok:
            items.append(f"gate ✖ {cond.name}: {cond.detail}")
    board = session.board
    paused = [
        name
        for name, slot in board.slots(QUEUES)
        if slot.last_good and queue_detail(slot.last_good.detail).state.paused
    ]
    if paused:
        items.append(f"queues paused: {', '.join(paused)}")
    safe = {f.name: f.safe for f in session.config.flags}
    maintenance = session.config.actions.maintenance
    unsafe = []
    for (flag, region), cell in build_matrix(board).cells.items():
        if maintenance is not None and flag == maintenance.flag:
            if cell.observed is None or (cell.observed > 0) == maintenance.on_value:
                unsafe.append(f"{flag}@{region} (maintenance {'on' if cell.observed else 'unknown'})")
            continue
        if cell.observed is None or (cell.observed > 0) != safe.get(flag, False):
            unsafe.append(f"{flag}@{region}")
    if unsafe:
        items.append(f"flags not safe: {', '.join(unsafe)}")
    marked = sum(
        int(e.data.get("marked_for_review") or 0)
        for e in session.journal.entries
        if e.data.get("phase") == "result" and e.data.get("ok")
    )
    if marked:
        items.append(f"rows marked for review: {marked:,}")
    return items


class ClosingMixin:
    """Close (an override before RESTORED), reopen; a closed incident runs no action."""

    def open_items(self: SessionCore) -> list[str]:
        """What is still open, for the close dialog and the close entry."""
        return open_items(self)

    def close(self: SessionCore, reason: str | None = None) -> Entry | None:
        """Close; before RESTORED only with a typed reason of a few words, journaled as an override."""
        status = self.gate_status or self.evaluate_gate()
        reason = (reason or "").strip()
        if not status.green and len(reason.split()) < MIN_REASON_WORDS:
            raise ValueError(
                f"the gate is {status.state}, not RESTORED: closing needs a reason of at least {MIN_REASON_WORDS} words"
            )
        items = self.open_items()
        close = _close_step(self)
        override = not status.green
        if override:
            self.record(
                "override",
                f"override: closed at {status.state} ({status.reason}): {reason}",
                step=close,
                data={"what": f"close before RESTORED (gate {status.state}: {status.reason})", "reason": reason},
            )
        summary = "incident closed" + (
            f" at {status.state} with override: {reason}" if override else " (SERVICE RESTORED)"
        )
        entry = self.record(
            "close",
            summary,
            step=close,
            data={
                "override": override,
                "reason": reason,
                "open_items": items,
                "gate": status.state,
                **self.board.key_readings(),
            },
        )
        if entry and close:
            self.set_step(close, StepState.DONE)
        return entry

    def reopen(self: SessionCore, reason: str) -> Entry | None:
        reason = reason.strip()
        if not reason:
            raise ValueError("reopening needs a reason")
        close = _close_step(self)
        entry = self.record("reopen", f"incident reopened: {reason}", step=close, data={"reason": reason})
        if entry and close:
            self.set_step(close, StepState.PENDING, "reopened")
        return entry

    @property
    def closed(self: SessionCore) -> bool:
        return self.incident.status == "closed"
