"""Modal screens: confirm-with-preview, note entry, declare, skip, close override, help."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from cockpit.actions import Preview
from cockpit.registry import KEY_DISPLAY, Command
from cockpit.runbook import STEPS

MODAL_CSS = """
ModalScreen { align: center middle; }
.dialog { width: 90%; max-width: 110; height: auto; max-height: 90%; border: thick $accent; background: $surface;
          padding: 0 1; }
.dialog .title { text-style: bold; padding: 0 0 1 0; }
.dialog .warning { color: $warning; text-style: bold; }
.dialog .buttons { height: auto; align: right middle; padding-top: 1; }
.dialog Button { margin-left: 2; min-width: 12; }
.dialog TextArea { height: 8; }
.dialog Input, .dialog Select { margin-bottom: 1; }
.dialog .hint { color: $text-muted; }
"""


class ConfirmScreen(ModalScreen["Preview | None"]):
    """Restates exactly what an action will touch, with counts; focus starts on Cancel."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("y", "confirm", "Yes"), Binding("n", "cancel", "No"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        p = self.preview
        with Vertical(classes="dialog", id="confirm-dialog"):
            yield Label(Text(f"{p.title}?", style="bold"), classes="title")
            body = Text()
            body.append("This will touch:\n", style="bold")
            for line in p.touches:
                body.append(f"  • {line}\n")
            if p.counts:
                body.append("Counts: " + ", ".join(f"{k} {v:,}" for k, v in p.counts.items()) + "\n", style="dim")
            yield Static(body, id="touches")
            for warning in p.warnings:
                yield Static(f"⚠ {warning}", classes="warning")
            if p.nothing_to_do:
                yield Static("Nothing to do right now: confirming only records the check.", classes="hint")
            if p.text is not None:
                yield Label("Message (edit before sending):")
                yield TextArea(p.text, id="message", soft_wrap=True)
            yield Static("y = confirm · n / Esc = cancel" if p.text is None else "Tab to the buttons · Esc = cancel",
                         classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", variant="primary")
                yield Button("Send" if p.text is not None else "Confirm", id="confirm",
                             variant="error" if p.destructive else "success")

    def on_mount(self) -> None:
        if self.preview.text is not None:
            self.query_one("#message", TextArea).focus()
        else:
            self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        if self.preview.text is not None:
            self.dismiss(self.preview.with_text(self.query_one("#message", TextArea).text))
        else:
            self.dismiss(self.preview)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class AskScreen(ModalScreen["bool"]):
    """A plain yes/no question (quit), focus on the safe answer."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("y", "yes", "Yes"), Binding("n", "no", "No"), Binding("escape", "no", "No")]

    def __init__(self, question: str, detail: str, yes_label: str = "Yes") -> None:
        super().__init__()
        self.question, self.detail, self.yes_label = question, detail, yes_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="title")
            yield Static(self.detail)
            yield Static("y = yes · n / Esc = no", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(self.yes_label, id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class NoteScreen(ModalScreen["tuple[str, bool] | None"]):
    """A free-text note for the log; optionally marked as a follow-up item for the report."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Note for the incident log", classes="title")
            yield Input(placeholder="what you saw, decided or asked someone to do", id="note")
            yield Checkbox("follow-up item for the report", id="follow-up")
            yield Static("Enter = save · Esc = cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#note", Input).focus()

    @on(Input.Submitted, "#note")
    def save(self) -> None:
        text = self.query_one("#note", Input).value.strip()
        self.dismiss((text, self.query_one("#follow-up", Checkbox).value) if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class DeclareScreen(ModalScreen["dict[str, str] | None"]):
    """Declare: title, severity, scope in one plain sentence, rollback lead."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, severities: tuple[str, ...], severity: str, lead: str) -> None:
        super().__init__()
        self.defaults = (title, severities, severity, lead)

    def compose(self) -> ComposeResult:
        title, severities, severity, lead = self.defaults
        with Vertical(classes="dialog"):
            yield Label("Declare the incident", classes="title")
            yield Input(title, placeholder="title", id="title")
            yield Select([(s, s) for s in severities], value=severity, allow_blank=False, id="severity")
            yield Input(placeholder="scope, in one plain sentence (who cannot do what)", id="scope")
            yield Input(lead, placeholder="rollback lead", id="lead")
            yield Static("Enter = declare · Tab = next field · Esc = cancel", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Declare", id="declare", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#scope", Input).focus()

    # Enter in any field declares: the title and lead are prefilled, and a fast typist's
    # second Enter must not land on a different field than the one they meant.
    @on(Input.Submitted)
    @on(Button.Pressed, "#declare")
    def declare(self) -> None:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in ("title", "scope", "lead")}
        if not values["title"]:
            self.notify("The incident needs a title", severity="error")
            return
        values["severity"] = str(self.query_one("#severity", Select).value)
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonScreen(ModalScreen["tuple[str, str] | None"]):
    """A reason is required: skipping a step, or closing before the gate is green."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, detail: str, choices: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.title_text, self.detail, self.choices = title, detail, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield Static(self.detail)
            if self.choices:
                yield Select(self.choices, value=self.choices[0][1], allow_blank=False, id="choice")
            yield Input(placeholder="reason (required, journaled)", id="reason")
            yield Static("Enter = confirm · Esc = cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    @on(Input.Submitted, "#reason")
    def submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.notify("A reason is required", severity="error")
            return
        choice = str(self.query_one("#choice", Select).value) if self.choices else ""
        self.dismiss((choice, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextScreen(ModalScreen["str | None"]):
    """One line of text (a name), Enter to confirm."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, detail: str, placeholder: str) -> None:
        super().__init__()
        self.title_text, self.detail, self.placeholder = title, detail, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="title")
            yield Static(self.detail)
            yield Input(placeholder=self.placeholder, id="text")
            yield Static("Enter = confirm · Esc = cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#text", Input).focus()

    @on(Input.Submitted, "#text")
    def submit(self) -> None:
        value = self.query_one("#text", Input).value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def skip_choices() -> list[tuple[str, str]]:
    return [(f"{s.title} [{s.key}]", s.id) for s in STEPS if s.id not in ("declare", "close")]


class HelpScreen(ModalScreen[None]):
    """Every binding of the registry, with its key and what it does."""

    DEFAULT_CSS = MODAL_CSS
    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close"),
                Binding("question_mark", "close", "Close")]

    def __init__(self, commands: list[Command], read_only: bool) -> None:
        super().__init__()
        self.commands, self.read_only = commands, read_only

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        table.add_column("key")
        table.add_column("command")
        table.add_column("what it does")
        for c in self.commands:
            table.add_row(Text(KEY_DISPLAY.get(c.key, c.key), style="bold cyan"), c.name, c.description)
        table.add_row(Text("ctrl+p", style="bold cyan"), "palette", "Command palette: search every command")
        with VerticalScroll(classes="dialog"):
            yield Label("Keys" + (" — READ-ONLY: no action is bound" if self.read_only else ""), classes="title")
            yield Static(table, id="help-table")
            yield Static("Runbook keys are plain letters (tmux-safe). Ctrl+C never quits. Esc / q closes this.",
                         classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
