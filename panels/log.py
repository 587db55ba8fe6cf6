"""The incident log: a live tail of the journal, shown once each entry is durable."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from cockpit.journal import Entry

KIND_STYLE = {"declare": "bold magenta", "note": "cyan", "action": "bold", "reading": "dim", "status": "bold yellow",
              "update": "bold green", "step": "blue"}
KIND_LABEL = {"declare": "DECL", "note": "NOTE", "action": "ACT", "reading": "READ", "status": "STAT",
              "update": "UPD", "step": "STEP"}


def entry_line(entry: Entry) -> Text:
    line = Text()
    line.append(entry.ts[11:19], style="dim")
    line.append(f" {entry.operator[:8]:<8} ", style="bold")
    line.append(f"{KIND_LABEL.get(entry.kind, entry.kind[:4].upper()):<4} ", style=KIND_STYLE.get(entry.kind, ""))
    line.append(entry.summary)
    return line


class LogPanel(RichLog):
    DEFAULT_CSS = """
    LogPanel { border: round $primary-darken-1; border-title-style: bold; height: 1fr; min-height: 5;
               scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        # One line per entry, like a tail: the whole text is in the journal and the report.
        super().__init__(id=id, max_lines=2000, wrap=False, markup=False, auto_scroll=True)
        self.border_title = "Incident log"
        self.count = 0

    def add(self, entry: Entry) -> None:
        self.count += 1
        self.write(entry_line(entry))
        self.border_subtitle = f"{self.count} entries · last #{entry.seq}"
