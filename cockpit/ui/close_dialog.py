"""Dialogs around the incident's life: close (what is still open, a typed reason before
RESTORED), the closed incident (reopen, export), resume (what was resumed, re-verify),
and the start-up preflight. Built on the shared dialog keys (cockpit/ui/dialogs.py): none of
them closes or reopens on a single letter."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from cockpit.ui.dialogs import MODAL_CSS, Dialog, TextDialog

ITEMS_CSS = (
    MODAL_CSS
    + """
.dialog #open-items { max-height: 30vh; min-height: 3; height: auto; }  /* the reason field and buttons stay on an 80x24 screen */
"""
)


def _items(items: list[str]) -> Text:
    if not items:
        return Text("Nothing is open.", style="green")
    return Text("\n".join(f"  • {item}" for item in items))


class CloseRestoredScreen(Dialog["str | None"]):
    """Close at SERVICE RESTORED: lists what is still open; only the Close button closes
    (Tab to it, Enter). Answers '' (no override reason)."""

    DEFAULT_CSS = ITEMS_CSS

    def __init__(self, items: list[str]) -> None:
        super().__init__()
        self.items = items

    def hint_text(self) -> str:
        return "Tab to 'Close incident', then Enter · q / Esc = cancel · export the report afterwards (e)"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="close-dialog"):
            yield Label("Close the incident? The gate reads SERVICE RESTORED ✔", classes="title")
            yield Label(f"Still open ({len(self.items)}):")
            with VerticalScroll(id="open-items"):
                yield Static(_items(self.items))
            yield self.hint_line()
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Close incident", id="close", variant="error")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss("")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)


class CloseOverrideScreen(TextDialog["str | None"]):
    """Close before RESTORED: an override. Lists what is still open and needs a typed reason
    of at least `min_words` words; answers the reason."""

    DEFAULT_CSS = ITEMS_CSS
    submit_label = "Close anyway"
    submit_variant = "error"

    def __init__(self, state: str, reason: str, items: list[str], min_words: int) -> None:
        super().__init__()
        self.state, self.reason, self.items, self.min_words = state, reason, items, min_words

    def hint_text(self) -> str:
        return f"Type why (at least {self.min_words} words), Enter = close anyway · Esc = cancel"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="close-dialog"):
            yield Label(Text(f"Close the incident at {self.state}? This is an OVERRIDE, journaled"), classes="title")
            # Text, never markup: the gate's reason holds backend names and errors.
            yield Static(Text(f"Not restored: {self.reason}"), classes="warning")
            yield Label(f"Still open ({len(self.items)}):")
            with VerticalScroll(id="open-items"):
                yield Static(_items(self.items))
            yield Input(placeholder=f"why close now? (at least {self.min_words} words)", id="reason")
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def problem(self) -> str | None:
        words = len(self.query_one("#reason", Input).value.split())
        if words < self.min_words:
            return f"Not closed: closing at {self.state} needs a reason of at least {self.min_words} words"
        return None

    def value(self) -> str | None:
        return self.query_one("#reason", Input).value.strip()


class ClosedScreen(TextDialog["tuple[str, str] | None"]):
    """A closed incident: reopen (with a reason, journaled) or export. Answers
    ("reopen", reason) or ("export", "")."""

    submit_label = "Reopen"
    submit_variant = "warning"

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def hint_text(self) -> str:
        return "Type a reason, Enter = reopen · Tab to 'Export report' · Esc = cancel"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="closed-dialog"):
            yield Label("The incident is CLOSED", classes="title")
            yield Static(Text(self.summary))
            yield Input(placeholder="reason to reopen (journaled)", id="reason")
            yield self.hint_line()
            yield Horizontal(
                Button("Cancel", id="cancel"),
                Button("Export report", id="export"),
                Button(self.submit_label, id="submit", variant="warning"),
                classes="buttons",
            )

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def problem(self) -> str | None:
        return None if self.query_one("#reason", Input).value.strip() else "Reopening needs a reason"

    def value(self) -> tuple[str, str] | None:
        return "reopen", self.query_one("#reason", Input).value.strip()

    @on(Button.Pressed, "#export")
    def _export(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(("export", ""))


class ResumeScreen(Dialog["str | None"]):
    """What was resumed; with an action in flight, one key (r) re-verifies it against live
    state. Answers the action to re-verify, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reverify", "Re-verify", show=False)]

    def __init__(self, what: str, in_flight: list[tuple[str, str]]) -> None:
        super().__init__()
        self.what, self.in_flight = what, in_flight  # [(action name, what it was to touch)]

    def hint_text(self) -> str:
        if self.in_flight:
            return "r = re-verify it against live state now · Enter = continue · q / Esc = continue"
        return "Enter / q / Esc = continue"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="resume-dialog"):
            yield Label("Resumed the incident", classes="title")
            yield Static(Text(self.what))  # Text, never markup: it names the journal's last operator
            for name, touches in self.in_flight:
                yield Static(
                    Text(f"IN FLIGHT when cockpit stopped: {name} — state unknown. It was to touch: {touches}"),
                    classes="warning",
                )
            yield self.hint_line()
            with Horizontal(classes="buttons"):
                yield Button("Continue", id="continue", variant="primary")
                if self.in_flight:
                    # Text: as markup, "[r]" was read as a reverse-video tag and not shown.
                    yield Button(Text(f"Re-verify {self.in_flight[0][0]} [r]"), id="reverify", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus()

    @on(Button.Pressed, "#reverify")
    def action_reverify(self) -> None:
        if self.in_flight:
            self.dismiss(self.in_flight[0][0])

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.dismiss(None)


class PreflightScreen(Dialog[None]):
    """Start-up problems: an environment variable unset or a backend not answering."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def hint_text(self) -> str:
        return "Enter / q / Esc = continue to the cockpit (the panels show the same problems)"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="preflight-dialog"):
            yield Label(f"Preflight: {len(self.lines)} problem(s)", classes="title")
            yield Static(Text("\n".join(self.lines)), classes="warning")
            yield self.hint_line()
            with Horizontal(classes="buttons"):
                yield Button("Continue", id="continue", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus()

    @on(Button.Pressed, "#continue")
    def _continue(self) -> None:
        self.dismiss(None)
