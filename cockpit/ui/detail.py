"""The detail view (Enter on a log entry or a panel row) and the row filter dialog (/)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from cockpit.ui.dialogs import Dialog, TextDialog


class DetailScreen(Dialog[None]):
    """Whole text, scrollable; nothing here changes anything, so q, Esc or Enter close it."""

    DEFAULT_CSS = """
    DetailScreen .dialog { height: 90%; }
    DetailScreen #detail-body { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "cancel", "Close", show=False),
        Binding("up", "scroll(-1)", show=False),
        Binding("down", "scroll(1)", show=False),
        Binding("pageup", "scroll(-10)", show=False),
        Binding("pagedown", "scroll(10)", show=False),
    ]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text, self.lines = title, lines

    def hint_text(self) -> str:
        return "↑/↓ PgUp/PgDn scroll · Enter / q / Esc = close"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text, style="bold"), classes="title")
            with VerticalScroll(id="detail-body"):
                yield Static(Text("\n".join(self.lines)), id="detail-text")
            yield self.hint_line()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#detail-body", VerticalScroll).scroll_relative(y=lines, animate=False)


class FilterScreen(TextDialog["str | None"]):
    """The row filter of one panel: a substring, `!` in front to hide what matches."""

    submit_label = "Filter"
    min_text = 0  # an empty filter is an answer: show every row again

    def __init__(self, panel_title: str, current: str) -> None:
        super().__init__()
        self.panel_title, self.current = panel_title, current

    def hint_text(self) -> str:
        return "Enter = apply (empty = show all) · !text hides rows with text · Esc = cancel"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Filter rows of {self.panel_title}", classes="title")
            # The cursor at the end of the current filter (no select-all on focus: what the
            # operator types edits it, however fast the keys arrive).
            yield Input(self.current, placeholder="text to keep, or !text to hide", id="filter", select_on_focus=False)
            yield self.hint_line()
            yield self.buttons()

    def on_mount(self) -> None:
        field = self.query_one("#filter", Input)
        field.cursor_position = len(field.value)
        self.set_focus(field)

    def value(self) -> str | None:
        return self.query_one("#filter", Input).value.strip()
