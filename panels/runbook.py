"""The runbook: each step with its key and state; the next step to take stands out."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from cockpit.core.runbook import Runbook, StepDef, StepState
from cockpit.core.step_checks import Judged
from cockpit.panels.grid import Col, Grid
from cockpit.panels.repaint import LinePainter

SYMBOL = {
    StepState.PENDING: ("·", "dim"),
    StepState.RUNNING: ("▶", "bold cyan"),
    StepState.DONE: ("✔", "green"),
    StepState.SKIPPED: ("↷", "yellow"),
    StepState.FAILED: ("✖", "bold reverse red"),
    StepState.HALTED: ("■", "bold reverse red"),
    StepState.PAUSED: ("⏸", "bold reverse yellow"),
}


class RunbookPanel(Static, can_focus=True):
    """Focused (Tab), ↑/↓ move a cursor over the steps and Enter asks for a step's story."""

    DEFAULT_CSS = """
    RunbookPanel { border: round $primary-darken-1; border-title-style: bold; height: auto; padding: 0 1; }
    RunbookPanel:focus { border: double $accent; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("enter", "open_detail", "Detail", show=False),
    ]

    class OpenStep(Message):
        def __init__(self, step_id: str) -> None:
            super().__init__()
            self.step_id = step_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Runbook"
        self._shown: tuple[object, ...] | None = None
        self._table: RenderableType = Text("")
        self._painter = LinePainter()
        self._subtitle = ""  # as set (border_subtitle reads back as parsed markup: "[d]" is gone)
        self.cursor = 0
        self._last: tuple[Runbook, bool, dict[str, str] | None, dict[str, tuple[Judged, ...]] | None] | None = None

    @property
    def steps(self) -> tuple[StepDef, ...]:
        """The steps shown: the session's runbook (`Session.steps`), as last given to `show`."""
        return self._last[0].steps if self._last is not None else ()

    def action_cursor(self, delta: int) -> None:
        self.cursor = max(0, min(len(self.steps) - 1, self.cursor + delta))
        self._redraw()

    def action_open_detail(self) -> None:
        if self.steps:
            self.post_message(self.OpenStep(self.steps[min(self.cursor, len(self.steps) - 1)].id))

    def _redraw(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def on_focus(self) -> None:
        self._redraw()

    def on_blur(self) -> None:
        self._redraw()

    def show(
        self,
        runbook: Runbook,
        read_only: bool,
        locks: dict[str, str] | None = None,
        checks: dict[str, tuple[Judged, ...]] | None = None,
    ) -> None:
        """`checks`: each open step's preconditions judged now (✔ all hold, ✖ with the first failing reading)."""
        self._last = (runbook, read_only, locks, checks)
        locks = locks or {}
        checks = checks or {}
        nxt = runbook.next_step()
        cursor = self.cursor if self.has_focus else None
        key = (
            tuple(runbook.states.values()),
            tuple(runbook.reasons.items()),
            nxt.id if nxt else None,
            read_only,
            self.size.width,
            tuple(sorted(locks.items())),
            tuple((k, tuple(j.line for j in v)) for k, v in checks.items()),
            cursor,
        )
        if key == self._shown:
            return
        self._shown = key
        table = Grid(Col(), Col(), Col(flex=True), Col(), show_header=False)
        narrow = 0 < self.size.width < 44
        steps = runbook.steps
        for index, step in enumerate(steps, 1):
            state = runbook.state(step.id)
            symbol, style = SYMBOL[state]
            is_next = nxt is not None and nxt.id == step.id
            title = Text(step.short if narrow else f"{index:>2}. {step.title}", style="bold reverse" if is_next else "")
            if reason := runbook.reasons.get(step.id):
                title.append(f" ({reason})", style="dim")
            if not narrow and (step.change or step.owner):
                who = step.owner + (f" ({step.backup})" if step.backup else "")
                title.append("  " + " · ".join(x for x in (step.change, who) if x), style="dim")
            bad = [j for j in checks.get(step.id, ()) if not j.holds]
            if holder := locks.get(step.id):
                title.append(f" 🔒{holder.split('@')[0]}", style="bold yellow")
            key_text = Text("   " if read_only or not step.key else f"[{step.key}]", style="bold cyan")
            state_text = Text(state.value.upper() if state is not StepState.PENDING else "", style=style)
            if step.id in checks:  # its preconditions, judged now: ✔ all hold, ✖ one does not (or cannot be read)
                state_text = Text("✖ pre", style="bold red") if bad else Text("✔ pre", style="green")
            table.add_row(key_text, Text(symbol, style=style), title, state_text, ident=step.id)
            if bad and (is_next or (cursor is not None and steps[min(cursor, len(steps) - 1)].id == step.id)):
                # The reading that fails, under the step about to be taken (or under the cursor).
                table.add_row("", "", Text("   " + bad[0].line, style="red"), "", ident=f"{step.id}#pre")
        if cursor is not None and steps:
            table.mark(
                steps[min(cursor, len(steps) - 1)].id
            )  # the whole line reversed (the next step reverses only its title)
        subtitle = (
            f"next: {nxt.short}" + ("" if read_only or not nxt.key else f" [{nxt.key}]")
            if nxt is not None
            else "all steps closed"
        )
        if subtitle != self._subtitle:  # setting it, even to the same text, repaints the whole panel
            self._subtitle = subtitle
            self.border_subtitle = Text(subtitle)  # Text: as markup, a key "[d]" was read as a dim tag and vanished
        # Only the changed cells reach the screen: a precondition's reading under the next
        # step changes every few seconds, and repainting the whole panel for it was most of
        # an idle drill's bytes.
        self._table = table
        self._painter.paint(self, table)

    def render(self) -> RenderableType:
        return self._table
