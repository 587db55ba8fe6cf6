"""The status bar: incident clock, severity, lead, operator, read-only badge, update countdown, gate."""

from __future__ import annotations

from copy import copy
from typing import NamedTuple

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from cockpit.core.gate import MITIGATED, NOT_RESTORED, RESTORED, GateStatus
from cockpit.core.runbook import Runbook, StepState
from cockpit.incident.state import Incident, coarse_text
from cockpit.panels.repaint import LinePainter


class StatusView(NamedTuple):
    incident: Incident
    elapsed: float
    countdown: float | None
    operator: str
    read_only: bool
    label: str
    gate: GateStatus | None
    journal_error: str | None
    shared: str | None = None
    #: Steps a guard halted or paused, in words and symbols (see `stopped_steps`).
    stopped: str = ""


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: auto; background: $panel; padding: 0 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content: RenderableType = Text("")
        self._painter = LinePainter()  # the rows on the screen
        self._view: tuple[object, ...] | None = None  # what was last shown, as compared

    def show(self, view: StatusView) -> None:
        # The same view at the same width shows the same rows: nothing to lay out or compare.
        countdown = view.countdown
        shown = (
            view._replace(elapsed=0.0, countdown=None),
            coarse_text(view.elapsed),  # the clocks as shown, not to the microsecond
            None if countdown is None else (countdown < 0, coarse_text(abs(countdown))),
            self.size.width,
        )
        if shown == self._view:
            return
        # A copy of the incident: the session changes the one it holds in place.
        self._view = (shown[0]._replace(incident=copy(view.incident)), *shown[1:])
        inc = view.incident
        tail = Text()
        if inc.declared:
            tail.append(f" ⏱{coarse_text(view.elapsed)}")
        else:
            tail.append(" NOT DECLARED [d]", style="bold reverse yellow")
        # The recovery state is the gate's, on its own line: the top line says only open or closed.
        closed = inc.status == "closed"
        tail.append(" CLOSED" if closed else " OPEN", style="bold reverse" if closed else "bold")
        tail.append(f" lead:{inc.lead or '—'} op:{view.operator} ")
        tail.append(
            "[R] READ-ONLY" if view.read_only else "[RW]", style="bold reverse yellow" if view.read_only else "dim"
        )
        if view.shared is not None:
            ok = view.shared == "shared ✔"
            tail.append(f" {view.shared if ok else '✖ ' + view.shared}", style="green" if ok else "bold red")
        if view.countdown is not None:
            if view.countdown < 0:
                tail.append(f" update OVERDUE {coarse_text(-view.countdown)}", style="bold reverse red")
            else:
                tail.append(f" next update in {coarse_text(view.countdown)}")
        top = Text(no_wrap=True, overflow="ellipsis")
        if view.label:
            top.append(f"{view.label} ", style="bold reverse")
        if view.stopped:
            # Before the title: a halted step is what the operator must see first.
            top.append(f"{view.stopped} ", style="bold reverse red")
        top.append(f"{inc.severity} ", style="bold reverse red" if inc.severity in ("SEV1", "SEV2") else "bold yellow")
        room = max(8, (self.size.width or 120) - 2 - top.cell_len - tail.cell_len)
        title = inc.title if len(inc.title) <= room else inc.title[: room - 1] + "…"
        top.append(title, style="bold")
        top.append_text(tail)
        state, bottom = gate_lines(view.gate, (self.size.width or 120) + 1)
        if view.journal_error:
            bottom = Text(
                f"JOURNAL WRITE FAILED: {view.journal_error}",
                style="bold reverse red",
                no_wrap=True,
                overflow="ellipsis",
            )
        self._paint(Group(top, state, bottom))

    def render(self) -> RenderableType:
        return self._content

    def _paint(self, content: Group) -> None:
        """Repaint only the rows whose SHOWN text changed: compared after truncation at this
        width and rounding, so a digit cut off at 80 columns, or row 1 when only the gate
        line moved, sends nothing over SSH."""
        self._content = content
        self._painter.paint(self, content)


def stopped_steps(runbook: Runbook) -> str:
    """ "■ HALTED Restart jobs", "⏸ PAUSED Caches": every step a guard stopped, word and symbol."""
    marks = {StepState.HALTED: "■ HALTED", StepState.PAUSED: "⏸ PAUSED"}
    return " ".join(
        f"{marks[state]} {step.short}" for step in runbook.steps if (state := runbook.state(step.id)) in marks
    )


STATE_STYLE = {NOT_RESTORED: "bold reverse red", MITIGATED: "bold reverse yellow", RESTORED: "bold reverse green"}


def gate_lines(gate: GateStatus | None, room: int = 1000) -> tuple[Text, Text]:
    """(the one state with its most important failing reason, every condition with ✔/✖ and a word).
    The reason is cut at `room` characters before it becomes text: at scale it can name
    hundreds of queues, and truncating that at the screen's width on every refresh cost
    more than drawing the rest of the status bar."""
    state = Text(no_wrap=True, overflow="ellipsis")
    line = Text("Gate ", style="bold", no_wrap=True, overflow="ellipsis")
    if gate is None:
        state.append("NOT RESTORED", style=STATE_STYLE[NOT_RESTORED])
        state.append(" — evaluating…", style="dim")
        line.append("evaluating…", style="dim")
        return state, line
    if gate.green:
        state.append("SERVICE RESTORED ✔", style=STATE_STYLE[RESTORED])
        state.append(f" held {coarse_text(gate.holding_for)} (window {coarse_text(gate.window)})", style="green")
    else:
        state.append(gate.state, style=STATE_STYLE[gate.state])
        state.append(f" — {gate.reason[:room]}", style="bold")
    for cond in gate.conditions:
        line.append("✔" if cond.ok else "✖", style="green" if cond.ok else "bold red")
        line.append(f"{cond.name}", style="" if cond.ok else "bold")
        line.append(f":{cond.word} " if cond.word else " ", style="dim" if cond.ok else "red")
    return state, line
