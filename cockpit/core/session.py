"""One incident being worked: board, journal, runbook, gate and the action runner.

The session is the cockpit without a screen. The Textual app renders it and routes
keys to it; headless commands use it directly. Every state change goes through the
journal first, and only a durable entry is shown as done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.actions import Action, ActionOutcome, Preview
from cockpit.backends import Backends
from cockpit.core.gate import NOT_RESTORED, Gate, GateStatus
from cockpit.core.polling import Poller, Pollers
from cockpit.core.readings import SUSPECTS, Board
from cockpit.core.runbook import Phase, Runbook, StepDef, StepState, default_steps
from cockpit.core.step_meta import distinct_actions
from cockpit.incident.closing import ClosingMixin
from cockpit.incident.journal import Entry, Journal, JournalError
from cockpit.incident.resume import ResumeMixin
from cockpit.incident.state import Incident

if TYPE_CHECKING:
    from cockpit.core.action_runner import Confirm
    from cockpit.core.guarded_run import Decide, GuardedRun
    from cockpit.incident.shared import SharedLog

#: How often (real seconds) the session re-evaluates the gate between readings: the watch
#: window and staleness advance with time even when no source reports.
GATE_TICK = 0.5

Listener = Callable[[Entry], None]


class Session(ResumeMixin, ClosingMixin):
    def __init__(self, backends: Backends, journal: Journal, *, read_only: bool = False) -> None:
        self.backends = backends
        self.config = backends.config
        self.timebase = backends.timebase
        self.journal = journal
        journal.clock = self.timebase.now  # a drill's journal keeps drill time, so its durations add up
        self.read_only = read_only
        self.board = Board(clock=self.timebase.now)
        self.board.redact = journal.redactor.text  # what the panels show is redacted like the journal
        self.incident = Incident.from_defaults(self.config.incident)
        #: The runbook's steps: what every consumer (panels, keys, help, report, web) lists.
        self.steps: tuple[StepDef, ...] = distinct_actions(backends.steps or default_steps(self.config))
        self.runbook = Runbook(self.steps)
        #: The gate state last journaled (old journals have none: NOT RESTORED).
        self.gate_state = NOT_RESTORED
        if journal.entries:
            # A drill resumes its world from the journal, and its clock never runs backwards.
            self.timebase.resume_at(max(e.at for e in journal.entries))
            backends.resume(journal.entries)
        for entry in journal.entries:
            self._replay(entry)
        self.gate = Gate(self.config, self.board)
        self.gate_status: GateStatus | None = None
        self.running = False  # True while `run` owns the poll loop: only then is the gate journaled
        self.baseline: dict[str, float] = self._baseline_from_journal()
        self.listeners: list[Listener] = []
        self.change_listeners: list[Callable[[str], None]] = []
        self.pollers = Pollers([Poller(s, self.board, self.timebase, self._source_changed) for s in backends.sources])
        self.actions: dict[str, Action] = dict(backends.actions)
        self.actions.update(backends.session_actions(self.board, lambda: self.incident, self.steps))
        self._bind_steps()
        self.in_flight: set[str] = set()
        self.last_preview: Preview | None = None
        self.shared: SharedLog | None = None
        self.journal_error: str | None = None
        #: The guarded runs executing now, by step id.
        self.guarded: dict[str, GuardedRun] = {}

    def _bind_steps(self) -> None:
        """Each action counts for the step that names it; an action no step names counts for none."""
        for action in self.actions.values():
            step = self.runbook.for_action(action.name)
            action.step = step.id if step else None

    # -- journal ---------------------------------------------------------------------
    def record(
        self,
        kind: str,
        summary: str,
        *,
        step: str | None = None,
        data: dict[str, Any] | None = None,
        keep: bool = False,
    ) -> Entry | None:
        """Append durably, apply to state, tell listeners; a failed write is reported, never hidden.

        `keep`: what an action did (its output, its result) is kept in memory when the write
        fails and written, in order, by the next write that works (or `retry_unsaved`)."""
        try:
            entry: Entry | None = self.journal.append(kind, summary, step=step, data=data, keep_on_failure=keep)
        except JournalError as exc:
            self.journal_error = str(exc)
            entry = None
        for late in self.journal.drain_late():
            self._apply(late)
        if entry is None:
            for listener in self.change_listeners:
                listener("journal")
            return None
        self.journal_error = None
        self._apply(entry)
        return entry

    def retry_unsaved(self) -> bool:
        """Write the entries kept after failed writes; True when none is left unsaved."""
        try:
            self.journal.retry_unsaved()
        except JournalError as exc:
            self.journal_error = str(exc)
        else:
            self.journal_error = None
        for late in self.journal.drain_late():
            self._apply(late)
        for listener in self.change_listeners:
            listener("journal")
        return not self.journal.unsaved

    def _apply(self, entry: Entry) -> None:
        self._replay(entry)
        for listener in self.listeners:
            listener(entry)

    def _replay(self, entry: Entry) -> None:
        self.incident.apply(entry)
        self.runbook.apply(entry)
        if entry.kind == "gate" and entry.data.get("state"):
            self.gate_state = str(entry.data["state"])

    def _baseline_from_journal(self) -> dict[str, float]:
        for entry in self.journal.entries:
            counts = entry.data.get(SUSPECTS)
            if entry.kind == "reading" and entry.data.get("baseline") and isinstance(counts, dict):
                # A hand-edited or damaged entry may hold anything: keep only the numbers.
                return {
                    str(k): float(v)
                    for k, v in counts.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                }
        return {}

    # -- several operators --------------------------------------------------------------
    def attach_shared(self, shared: SharedLog) -> None:
        """Mirror this incident through a shared store; foreign entries arrive via `mirror`."""
        self.shared = shared
        shared.on_foreign = self.mirror
        shared.step_ids = self.runbook.ids

    def mirror(self, original: dict[str, Any]) -> Entry | None:
        try:
            entry = self.journal.append_mirror(original)
        except JournalError as exc:
            self.journal_error = str(exc)
            return None
        self._replay(entry)
        for listener in self.listeners:
            listener(entry)
        return entry

    def hand_lead(self, new_lead: str) -> Entry | None:
        old = self.incident.lead or "nobody"
        return self.record("status", f"rollback lead handed from {old} to {new_lead}", data={"lead": new_lead})

    def set_driver(self, name: str) -> Entry | None:
        """Who is at the keyboard of this (shared tmux) cockpit: every later entry is theirs."""
        previous = self.journal.operator.name
        self.journal.operator = self.journal.operator._replace(name=name)
        return self.record("status", f"{name} is at the keyboard (was {previous})", data={"driver": name})

    # -- polling ---------------------------------------------------------------------
    async def run(self) -> None:
        """The one loop, headless or under the TUI: poll every source, evaluate the gate
        after every reading and every GATE_TICK, journal its state changes."""
        self.running = True
        tasks = self.pollers.run()
        try:
            while True:
                self._gate_turn()
                await asyncio.sleep(GATE_TICK)
        finally:
            self.running = False
            for task in tasks:
                task.cancel()

    def _source_changed(self, kind: str) -> None:
        if kind == SUSPECTS and self.incident.declared and not self.baseline:
            self._record_baseline()
        if self.running:
            self._gate_turn()
        for listener in self.change_listeners:
            listener(kind)

    def _record_baseline(self) -> None:
        counts = {n: v for n in self.board.names(SUSPECTS) if isinstance(v := self.board.value(SUSPECTS, n), float)}
        if counts:
            self.baseline = counts
            self.record(
                "reading",
                "baseline suspect counts at declaration",
                data={"baseline": True, SUSPECTS: counts, **self.board.key_readings()},
            )

    async def refresh_now(self, kinds: tuple[str, ...] | None = None) -> None:
        """Read the sources again now (after an action), so 'after' readings are real."""
        await self.pollers.refresh(kinds)

    # -- incident-level changes -------------------------------------------------------
    def declare(self, title: str, severity: str, scope: str, lead: str) -> Entry | None:
        step = self.runbook.first(Phase.DECLARE)
        entry = self.record(
            "declare",
            f"declared {severity}: {title}",
            step=step.id if step else None,
            data={
                "title": title,
                "severity": severity,
                "scope": scope,
                "lead": lead,
                # The runbook worked, so the report and the web view list it without the config.
                "steps": [s.as_meta() for s in self.steps],
            },
        )
        if entry and step:
            self.set_step(step.id, StepState.DONE)
            if self.board.names(SUSPECTS):
                self._record_baseline()
        return entry

    def note(self, text: str, *, follow_up: bool = False) -> Entry | None:
        return self.record("note", text, data={"follow_up": True} if follow_up else {})

    def set_step(
        self, step_id: str, state: StepState, reason: str | None = None, *, keep: bool = False
    ) -> Entry | None:
        if self.runbook.state(step_id) is state and not reason:
            return None
        title = self.runbook.step(step_id).title
        summary = f"step {title}: {state.value}" + (f" ({reason})" if reason else "")
        data: dict[str, Any] = {"state": state.value}
        if reason:
            data["reason"] = reason
        return self.record("step", summary, step=step_id, data=data, keep=keep)

    def skip(self, step_id: str, reason: str) -> Entry | None:
        return self.set_step(step_id, StepState.SKIPPED, reason)

    def export_report(self, tz_name: str = "UTC") -> list[Path]:
        """Write the report as Markdown, JSON and HTML next to the journal; returns the paths."""
        from cockpit.incident.report import (  # only when exporting
            build,
            from_file,
            write_html,
            write_json,
            write_markdown,
        )

        report = build(from_file(self.journal.path, redactor=self.journal.redactor), tz_name)
        stem = self.journal.path.with_suffix("")
        paths = []
        for suffix, write in (("md", write_markdown), ("json", write_json), ("html", write_html)):
            path = stem.with_name(f"{stem.name}-report.{suffix}")
            with open(path, "w", encoding="utf-8") as handle:
                write(report, handle)
            paths.append(path)
        return paths

    # -- the gate --------------------------------------------------------------------
    def evaluate_gate(self) -> GateStatus:
        """The gate for a view, a key or a headless command; journals nothing. While `run`
        owns the loop this is the loop's latest status (the loop evaluates after every
        reading and every GATE_TICK); otherwise it is evaluated now."""
        if self.running and self.gate_status is not None:
            return self.gate_status
        self.gate_status = self.gate.evaluate(self.runbook.phase_states(), self.baseline)
        return self.gate_status

    def _gate_turn(self) -> GateStatus:
        """The loop's turn (only `run` and the readings it polls call this): evaluate, journal a
        change of state (one `gate` entry), and mark the watch done once the gate is green.
        Headless and under the TUI alike: no view timer drives it."""
        status = self.gate.evaluate(self.runbook.phase_states(), self.baseline)
        watch = self.runbook.first(Phase.WATCH)
        self.gate_status = status
        if not self.read_only and status.state != self.gate_state and not self.closed:
            previous, self.gate_state = self.gate_state, status.state
            self.record(
                "gate",
                f"gate: {status.state}" + (f" — {status.reason}" if status.reason else ""),
                step=watch.id if watch else None,
                data={
                    "v": 1,
                    "state": status.state,
                    "previous": previous,
                    "reason": status.reason,
                    "conditions": [c.as_dict() for c in status.conditions],
                },
            )
        if (
            status.green
            and watch is not None
            and self.runbook.state(watch.id) in (StepState.PENDING, StepState.RUNNING)
            and self.runbook.phase_state(Phase.VERIFY) is StepState.DONE
            and not self.read_only
        ):
            self.set_step(watch.id, StepState.DONE)
        return status

    def start_watch(self) -> None:
        watch = self.runbook.first(Phase.WATCH)
        if watch is not None and self.runbook.state(watch.id) is StepState.PENDING:
            self.set_step(watch.id, StepState.RUNNING)

    # -- actions ---------------------------------------------------------------------
    async def run_action(
        self,
        name: str,
        confirm: Confirm,
        progress: Callable[[str], None] = lambda line: None,
        *,
        dry_run: bool = False,
        decide: Decide | None = None,
    ) -> ActionOutcome:
        """preview -> confirm -> execute (guarded) -> verify, every phase journaled (see `action_runner`);
        `decide` answers a guard pause (True: continue), without it a pause aborts."""
        from cockpit.core import action_runner  # with its checks and approvals: the first frame needs none

        return await action_runner.run_action(self, name, confirm, progress, dry_run=dry_run, decide=decide)
