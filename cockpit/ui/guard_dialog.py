"""The guard pause: a running step's guard cannot judge (a reading is missing or stale);
the step waits here for a human to continue past it or abort. Focus starts on Abort."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from cockpit.core.guarded_run import GuardPause
from cockpit.core.safe_text import visible
from cockpit.ui.dialogs import Dialog


class GuardPauseScreen(Dialog["bool"]):
    """c = continue (True), a / q / Esc = abort (False)."""

    BINDINGS = [Binding("c", "go_on", "Continue", show=False), Binding("a", "abort", "Abort", show=False)]

    def __init__(self, pause: GuardPause) -> None:
        super().__init__()
        self.pause = pause

    def hint_text(self) -> str:
        return "c = continue · a / q / Esc = abort · Tab = next button"

    def compose(self) -> ComposeResult:
        verdict = self.pause.verdict
        readings = "\n".join(f"  • {visible(d)}" for d in verdict.details) or "  • no reading"
        with Vertical(classes="dialog"):
            yield Label(Text(f"⏸ GUARD PAUSED: {self.pause.title}, before {self.pause.label}"), classes="title")
            yield Static(  # Text, never markup: the readings and the reason are backend text
                Text(
                    f"The guard cannot judge: {visible(verdict.reason)}\n{readings}\n\n"
                    "Continue: go on to the next stage although it cannot be watched.\n"
                    "Abort: stop here. Nothing is undone; the step is left HALTED with what ran so far."
                )
            )
            yield self.hint_line()
            with Horizontal(classes="buttons"):
                yield Button("Abort", id="abort", variant="primary")
                yield Button("Continue", id="go-on", variant="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#abort", Button))

    @on(Button.Pressed, "#go-on")
    def action_go_on(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#abort")
    def action_abort(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)
