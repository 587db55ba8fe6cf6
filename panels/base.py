"""Shared panel behaviour: a bordered Static whose subtitle tells the data's age and health."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from cockpit.readings import Board, Freshness, age_text

TREND = {1: "▲", 0: "─", -1: "▼"}


class Panel(Static):
    """A panel redraws only when what it shows has changed (bytes over SSH are precious)."""

    DEFAULT_CSS = """
    Panel {
        border: round $primary-darken-1;
        border-title-style: bold;
        border-subtitle-align: right;
        height: auto;
        padding: 0 1;
    }
    Panel.-stale { border: round $warning; }
    Panel.-unreachable { border: heavy $error; }
    Panel .problem { text-style: bold; }
    """

    source = ""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__("waiting for the first reading…", id=id)
        self.border_title = title
        self._shown: Hashable = None
        self._rows: int | None = -1

    def refresh_from(self, board: Board) -> None:
        key, renderable = self.render_board(board)
        problem = self._show_freshness(board)
        if problem is not None:
            # The whole reason, on its own line(s) above the last good values: the border
            # has room for a word, and "why" is what the operator needs.
            renderable = Group(Text(f"✖ {problem}", style="bold", overflow="fold"), renderable)
        if (key, problem) != self._shown:
            # Same number of rows: repaint in place. A layout pass would repaint the whole
            # column, which over SSH is kilobytes a second for nothing.
            rows = (len(key) if isinstance(key, tuple) else None, problem)
            self.update(renderable, layout=rows != self._rows)
            self._shown, self._rows = (key, problem), rows

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        """(a key that changes when the content does, the content)."""
        return None, ""

    def _show_freshness(self, board: Board) -> str | None:
        """Set the border's age/health words; return why the source is unreachable, if it is."""
        names = board.names(self.source)
        problem = None
        if not names:
            subtitle, level = "waiting", ""
        else:
            states = [board.freshness(self.source, n) for n in names]
            age = max(board.age(self.source, n) for n in names)
            if Freshness.UNREACHABLE in states:
                errors = sorted({s.latest.error for _, s in board.slots(self.source) if s.latest.error})
                problem = errors[0] + (f" (and {len(errors) - 1} other errors)" if len(errors) > 1 else "")
                subtitle, level = f"✖ UNREACHABLE · last good {age_text(age)} ago", "-unreachable"
            elif Freshness.STALE in states:
                subtitle, level = f"⚠ STALE · age {age_text(age)}", "-stale"
            elif age <= 1.5 * (interval := board.interval(self.source)):
                # On time: a steady label. Counting seconds only starts once a reading is
                # late, so an idle screen sends nothing (SSH bytes) until something is wrong.
                subtitle, level = f"age ≤{interval:g}s", ""
            else:
                subtitle, level = f"age {age_text(age)}", ""
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle
        for cls in ("-stale", "-unreachable"):
            self.set_class(cls == level, cls)
        return problem


def marker(freshness: Freshness) -> str:
    """The word that goes with a cell's colour, so colour is never the only signal."""
    return {Freshness.STALE: " STALE", Freshness.UNREACHABLE: " UNREACH", Freshness.WAITING: " …"}.get(freshness, "")
