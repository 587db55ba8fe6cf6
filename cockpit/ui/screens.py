"""Modal screens: confirm-with-preview, note entry, declare, skip, close override, help.
Their keys come from `cockpit.ui.dialogs` (no dialog with a text field answers to one letter)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from cockpit.actions import Preview
from cockpit.core.release_view import ReleaseView
from cockpit.core.runbook import StepDef
from cockpit.core.safe_text import visible
from cockpit.core.step_checks import MIN_OVERRIDE_WORDS, override_problem
from cockpit.ui.commands import KEY_DISPLAY, PALETTE, Command
from cockpit.ui.dialogs import Dialog, SubmitCheckbox, TextDialog, trivial
from cockpit.ui.render_cache import RenderedOnce


class ConfirmScreen(TextDialog["Preview | None"]):
    """Restates exactly what an action will touch, with counts; focus starts on Cancel.
    Without a message: y confirms, n / q / Esc cancel. With a message to edit (an update):
    a text dialog — only the Send button sends, every letter is text."""

    BINDINGS = [Binding("y", "confirm_letter", "Yes", show=False), Binding("n", "cancel_letter", "No", show=False)]
    min_text = 1

    def __init__(self, preview: Preview) -> None:
        super().__init__()
        self.preview = preview
        self.submit_label = "Send" if preview.text is not None else "Confirm"
        self.submit_variant = "error" if preview.destructive else "success"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("confirm_letter", "cancel_letter"):
            return self.preview.text is None and not self.preview.failing
        return True

    def hint_text(self) -> str:
        if self.preview.failing:
            return (
                f"A {self.preview.failing_what} fails: type why you go on anyway ({MIN_OVERRIDE_WORDS}+ words), Enter = "
                f"{self.submit_label.lower()} · Esc = cancel"
            )
        if self.preview.text is None:
            return "y = confirm · n / q / Esc = cancel · Tab = next button"
        return (
            "Type to edit the message (Enter = new line) · Tab to the buttons, then Enter on "
            f"'{self.submit_label}' · Esc = cancel"
        )

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
                yield Static(Text(f"⚠ {warning}"), classes="warning")
            if p.nothing_to_do:
                yield Static("Nothing to do right now: confirming only records the check.", classes="hint")
            if p.failing:
                failing = Text(f"{p.failing_what.capitalize()} not holding now:\n", style="bold")
                for line in p.failing:
                    failing.append(f"  {line}\n", style="bold red")
                yield Static(failing, id="failing", classes="warning")
                yield Label(f"Reason to go on anyway (at least {MIN_OVERRIDE_WORDS} words; journaled as an override):")
                yield Input(id="override", placeholder="why this is safe to run now")
            if p.text is not None:
                yield Label("Message (edit before sending; live figures are refreshed when you send):")
                yield TextArea(p.text, id="message", soft_wrap=True)
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        if self.preview.failing:
            self.set_focus(self.query_one("#override", Input))
        elif self.preview.text is not None:
            area = self.query_one("#message", TextArea)
            self.set_focus(area)
            area.move_cursor(area.document.end)  # type after what is there, not before it
        else:
            self.set_focus(self.query_one("#cancel", Button))

    def value(self) -> Preview | None:
        preview = self.preview
        if preview.failing:
            preview = replace(preview, reason=self.query_one("#override", Input).value.strip())
        if preview.text is not None:
            return preview.with_text(self.query_one("#message", TextArea).text)
        return preview

    def problem(self) -> str | None:
        if self.preview.failing and (problem := override_problem(self.query_one("#override", Input).value)):
            return f"Not confirmed: {problem} (Esc cancels)"
        if self.preview.text is not None and not self.query_one("#message", TextArea).text.strip():
            return "The message is empty: nothing to send (Esc cancels)"
        return None

    def action_confirm_letter(self) -> None:
        self.submit()


class AskScreen(Dialog["bool"]):
    """A plain yes/no question (quit), focus on the safe answer."""

    BINDINGS = [Binding("y", "yes", "Yes", show=False), Binding("n", "no", "No", show=False)]

    def __init__(self, question: str, detail: str, yes_label: str = "Yes") -> None:
        super().__init__()
        self.question, self.detail, self.yes_label = question, detail, yes_label

    def hint_text(self) -> str:
        return f"y = {self.yes_label.lower()} · n / q / Esc = no · Tab = next button"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            # Text, never markup: a question can carry another operator's name or a backend error.
            yield Label(Text(self.question), classes="title")
            yield Static(Text(self.detail))
            yield self.hint_line()
            with Horizontal(classes="buttons"):
                yield Button("No", id="no", variant="primary")
                yield Button(self.yes_label, id="yes", variant="error")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no", Button))

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class NoteScreen(TextDialog["tuple[str, bool] | None"]):
    """A free-text note for the log; optionally marked as a follow-up item for the report."""

    submit_label = "Save"

    def hint_text(self) -> str:
        return (
            f"Enter = save (at least {self.min_text} characters; also on the checkbox) · "
            "Space = tick follow-up · Tab = next · Esc = cancel"
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Note for the incident log", classes="title")
            yield Input(placeholder="what you saw, decided or asked someone to do", id="note")
            yield SubmitCheckbox("follow-up item for the report", id="follow-up")
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#note", Input))

    def problem(self) -> str | None:
        return None if self.query_one("#note", Input).value.strip() else "The note is empty (Esc cancels)"

    def value(self) -> tuple[str, bool] | None:
        return self.query_one("#note", Input).value.strip(), self.query_one("#follow-up", SubmitCheckbox).value


class DeclareScreen(TextDialog["dict[str, str] | None"]):
    """Declare: title, severity, scope in one plain sentence, rollback lead."""

    submit_label = "Declare"
    submit_variant = "warning"

    def __init__(self, title: str, severities: tuple[str, ...], severity: str, lead: str) -> None:
        super().__init__()
        self.defaults = (title, severities, severity, lead)

    def hint_text(self) -> str:
        return (
            f"Enter = declare (the field needs at least {self.min_text} characters) · Tab = next field · Esc = cancel"
        )

    def compose(self) -> ComposeResult:
        title, severities, severity, lead = self.defaults
        with Vertical(classes="dialog"):
            yield Label("Declare the incident", classes="title")
            yield Input(title, placeholder="title", id="title")
            yield Select([(s, s) for s in severities], value=severity, allow_blank=False, id="severity")
            yield Input(placeholder="scope, in one plain sentence (who cannot do what)", id="scope")
            yield Input(lead, placeholder="rollback lead", id="lead")
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#scope", Input))

    def problem(self) -> str | None:
        return None if self.query_one("#title", Input).value.strip() else "The incident needs a title"

    # Enter in any (non-trivial) field declares: the title and lead are prefilled, and a fast
    # typist's second Enter must not land on a different field than the one they meant.
    def value(self) -> dict[str, str] | None:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in ("title", "scope", "lead")}
        values["severity"] = str(self.query_one("#severity", Select).value)
        return values


class ReasonScreen(TextDialog["tuple[str, str] | None"]):
    """A reason is required: skipping a step, or closing before the gate is green."""

    submit_label = "Confirm"

    def __init__(self, title: str, detail: str, choices: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.title_text, self.detail, self.choices = title, detail, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            yield Static(Text(self.detail))
            if self.choices:
                yield Select(
                    [(Text(label), value) for label, value in self.choices],
                    value=self.choices[0][1],
                    allow_blank=False,
                    id="choice",
                )
            yield Input(placeholder="reason (required, journaled)", id="reason")
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason", Input))

    def problem(self) -> str | None:
        # Even from the button: keys typed ahead land where the focus was when they were
        # sent, so "n", Tab, Enter can reach the button with a one-letter reason.
        if trivial(self.query_one("#reason", Input).value, self.min_text):
            return f"A reason is required: at least {self.min_text} characters, journaled (Esc cancels)"
        return None

    def value(self) -> tuple[str, str] | None:
        choice = str(self.query_one("#choice", Select).value) if self.choices else ""
        return choice, self.query_one("#reason", Input).value.strip()


class TextScreen(TextDialog["str | None"]):
    """One line of text (a name), Enter to confirm."""

    min_text = 2  # names can be short ("Al"); one letter is still refused

    def __init__(self, title: str, detail: str, placeholder: str) -> None:
        super().__init__()
        self.title_text, self.detail, self.placeholder = title, detail, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="title")
            yield Static(Text(self.detail))  # Text, never markup: it names operators
            yield Input(placeholder=self.placeholder, id="text")
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#text", Input))

    def problem(self) -> str | None:
        return None if self.query_one("#text", Input).value.strip() else "Type a name (Esc cancels)"

    def value(self) -> str | None:
        return self.query_one("#text", Input).value.strip() or None


def skip_choices(steps: Sequence[StepDef]) -> list[tuple[str, str]]:
    return [(f"{s.title}" + (f" [{s.key}]" if s.key else ""), s.id) for s in steps if s.skippable]


class HelpScreen(Dialog[None]):
    """Every binding of the registry, with its key and what it does."""

    BINDINGS = [Binding("question_mark", "close", "Close", show=False)]

    def __init__(self, commands: list[Command], read_only: bool) -> None:
        super().__init__()
        self.commands, self.read_only = commands, read_only

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        table.add_column("key")
        table.add_column("command")
        table.add_column("what it does")
        for c in self.commands:
            # Text, never markup: a runbook step's name and description come from its file.
            table.add_row(Text(KEY_DISPLAY.get(c.key, c.key), style="bold cyan"), Text(c.name), Text(c.description))
        table.add_row(Text(PALETTE[0], style="bold cyan"), "palette", PALETTE[1])
        dialog = VerticalScroll(classes="dialog")
        # Longer than the dialog can be (90% of the screen; border, title and hint take 6
        # rows): its scroll bar is there from the first layout. Textual adds one only after
        # laying the dialog out, and lays out and draws it twice more.
        if len(self.commands) + 2 + 6 > self.app.size.height * 9 // 10:
            dialog.styles.overflow_y = "scroll"
        with dialog:
            yield Label("Keys" + (" — READ-ONLY: no action is bound" if self.read_only else ""), classes="title")
            yield Static(RenderedOnce(table), id="help-table")
            yield self.hint_line()

    def hint_text(self) -> str:
        return "Runbook keys are plain letters (tmux-safe). Ctrl+C never quits. q / ? / Esc closes this."

    def action_close(self) -> None:
        self.dismiss(None)


class ReleaseScreen(Dialog[None]):
    """The release map, live: changes, what each touched, undo, owner, order, state."""

    BINDINGS = [Binding("g", "close", "Close", show=False)]
    DEFAULT_CSS = "ReleaseScreen #release-dialog { width: 96%; max-width: 190; }"

    def __init__(self, view: ReleaseView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="release-dialog"):
            yield Label(Text(f"Release {visible(self.view.title)}", style="bold"), classes="title")
            if self.view.rows:
                table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=True)
                for column, wrap in (
                    ("#", False),
                    ("change", False),
                    ("what it touched", True),
                    ("undo", True),
                    ("owner (backup)", True),
                    ("after", True),
                    ("state", False),
                    ("undo verified (readings)", True),
                ):
                    table.add_column(column, overflow="fold", no_wrap=not wrap, ratio=2 if wrap else None)
                table.columns[4].ratio = 3  # an owner (backup) is what you look for at 2 a.m.: on one line
                for r in self.view.rows:
                    # Text, never markup: a release file's words are shown, not interpreted.
                    table.add_row(
                        Text(",".join(map(str, r.order)) or "—"),
                        Text(visible(r.id) + (f"\n({visible(r.kind)})" if r.kind else "")),
                        Text(visible(r.what) or "—"),
                        Text("\n".join(visible(u) for u in r.undo) or "—"),
                        Text(visible(r.owner) + (f" ({visible(r.backup)})" if r.backup else "") or "—"),
                        Text(", ".join(visible(a) for a in r.after) or "—"),
                        Text(r.state, style=RELEASE_STATE_STYLE.get(r.state.split(" (")[0], "")),
                        Text(
                            visible(r.verified) or "—",
                            style="green" if r.verified.startswith("✔") else "bold red" if r.verified else "",
                        ),
                    )
                yield Static(table, id="release-table")
            yield self.hint_line()

    def hint_text(self) -> str:
        return "Order = the undo steps' places in the runbook. g / q / Esc closes this."

    def action_close(self) -> None:
        self.dismiss(None)


RELEASE_STATE_STYLE = {
    "undone": "green",
    "undoing": "bold cyan",
    "failed": "bold red",
    "halted by its guard": "bold red",
    "paused by its guard": "bold yellow",
    "skipped": "yellow",
    "partly undone": "yellow",
    "not undone": "bold",
}
