"""The incident log: a live tail of the journal, shown once each entry is durable.

Focused, it has a cursor line (↑/↓; reverse video) and Enter opens that entry's whole
story (`LogPanel.OpenEntry`); a filter keeps the matching entries (substring, `!` inverts)."""

from __future__ import annotations

from typing import Self

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import RichLog

from cockpit.core.safe_text import visible
from cockpit.incident.journal import Entry
from cockpit.panels.grid import row_matches

KIND_STYLE = {
    "declare": "bold magenta",
    "note": "cyan",
    "action": "bold",
    "reading": "dim",
    "status": "bold yellow",
    "update": "bold green",
    "step": "blue",
    "gate": "bold reverse",
}
KIND_LABEL = {
    "declare": "DECL",
    "note": "NOTE",
    "action": "ACT",
    "reading": "READ",
    "status": "STAT",
    "update": "UPD",
    "step": "STEP",
    "gate": "GATE",
}
CURSOR = Style(reverse=True)


def entry_line(entry: Entry) -> Text:
    line = Text()
    line.append(entry.ts[11:19], style="dim")
    line.append(f" {visible(entry.operator)[:8]:<8} ", style="bold")
    line.append(f"{KIND_LABEL.get(entry.kind, entry.kind[:4].upper()):<4} ", style=KIND_STYLE.get(entry.kind, ""))
    line.append(visible(entry.summary))  # one line per entry, whatever the text holds
    return line


class LogPanel(RichLog):
    DEFAULT_CSS = """
    LogPanel { border: round $primary-darken-1; border-title-style: bold; height: 1fr; min-height: 5;
               scrollbar-size-vertical: 1; }
    LogPanel:focus { border: double $accent; }
    """
    ALLOW_MAXIMIZE = True
    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "cursor(-10)", show=False),
        Binding("pagedown", "cursor(10)", show=False),
        Binding("home", "cursor(-1000000)", show=False),
        Binding("end", "cursor(1000000)", show=False),
        Binding("enter", "open_detail", "Detail", show=False),
    ]
    MAX_LINES = 2000

    class OpenEntry(Message):
        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, *, id: str | None = None) -> None:
        # One line per entry, like a tail: Enter shows an entry whole.
        super().__init__(id=id, max_lines=self.MAX_LINES, wrap=False, markup=False, auto_scroll=True)
        self.border_title = "Incident log"
        self.count = 0
        self.entries: list[Entry] = []
        self.shown: list[Entry] = []  # the entries the lines show, in order (the filter's choice)
        self.cursor: int | None = None  # index into `shown`; None follows the newest
        self.filter_text = ""

    def add(self, entry: Entry) -> None:
        self.count += 1
        self.entries.append(entry)
        if len(self.entries) > self.MAX_LINES:
            del self.entries[: len(self.entries) - self.MAX_LINES]
        if self._keeps(entry):
            self.shown.append(entry)
            if len(self.shown) > self.MAX_LINES:
                dropped = len(self.shown) - self.MAX_LINES
                del self.shown[:dropped]
                if self.cursor is not None:
                    self.cursor = max(0, self.cursor - dropped)
            self.write(entry_line(entry))
        self._subtitle(entry.seq)

    def clear(self) -> Self:
        self.entries.clear()
        self.shown.clear()
        self.cursor = None
        return super().clear()

    def _keeps(self, entry: Entry) -> bool:
        return not self.filter_text or row_matches(entry_line(entry).plain, self.filter_text)

    def _subtitle(self, last_seq: int | None = None) -> None:
        where = f" · last #{last_seq}" if last_seq is not None else ""
        if self.filter_text:
            self.border_subtitle = Text(f"/{self.filter_text}: {len(self.shown)} of {len(self.entries)} entries")
        else:
            self.border_subtitle = f"{self.count} entries{where}"

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        entries, count = list(self.entries), self.count
        super().clear()
        self.shown = [e for e in entries if self._keeps(e)]
        self.cursor = None
        self.auto_scroll = True
        for entry in self.shown:
            self.write(entry_line(entry))
        self.count = count
        # Text: the typed filter is shown, never read as markup ("[/x]" ended the app).
        self.border_title = Text("Incident log" + (f" /{self.filter_text}" if self.filter_text else ""))
        self._subtitle(entries[-1].seq if entries else None)

    # -- the cursor ----------------------------------------------------------------------
    @property
    def selected(self) -> Entry | None:
        if not self.shown:
            return None
        return self.shown[-1 if self.cursor is None else min(self.cursor, len(self.shown) - 1)]

    def action_cursor(self, delta: int) -> None:
        if not self.shown:
            return
        before = len(self.shown) - 1 if self.cursor is None else self.cursor
        after = max(0, min(len(self.shown) - 1, before + delta))
        # At the newest entry the log follows new entries again, like a tail.
        self.cursor = None if after == len(self.shown) - 1 else after
        self.auto_scroll = self.cursor is None
        self.scroll_to_region(Region(0, after, 1, 1), animate=False, immediate=True)
        self.refresh()

    def action_open_detail(self) -> None:
        if (entry := self.selected) is not None:
            self.post_message(self.OpenEntry(entry))

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if self.has_focus and self.shown:
            index = len(self.shown) - 1 if self.cursor is None else self.cursor
            # The log trims its oldest lines like `shown`, so line numbers and indexes agree.
            if self.scroll_offset.y + y == index + (len(self.lines) - len(self.shown)):
                strip = strip.apply_style(CURSOR)
        return strip
