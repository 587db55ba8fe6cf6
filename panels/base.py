"""Shared panel behaviour: a bordered widget whose subtitle tells the data's age and health,
and which repaints only the lines that changed (what crosses an SSH link is what changed)."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import Group, RenderableType
from rich.text import Text
from textual.geometry import Region
from textual.widget import Widget

from cockpit.readings import Board, Freshness, age_text

TREND = {1: "▲", 0: "─", -1: "▼"}


#: A rendered line as plain data: (text, style) per segment.
Line = tuple[tuple[str, object], ...]


class Panel(Widget):
    """A panel redraws only when what it shows has changed, and then only the lines that
    changed: a new error-rate reading repaints its value and sparkline, not the whole box."""

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
    """

    source = ""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = title
        self._content: RenderableType = Text("waiting for the first reading…")
        self._shown: Hashable = None
        self._painted: tuple[int, list[Line]] | None = None  # (width, lines) last sent to the screen

    def render(self) -> RenderableType:
        return self._content

    def refresh_from(self, board: Board) -> None:
        key, renderable = self.render_board(board)
        problem = self._show_freshness(board)
        if problem is not None:
            # The whole reason, on its own line(s) above the last good values: the border
            # has room for a word, and "why" is what the operator needs.
            renderable = Group(Text(f"✖ {problem}", style="bold", overflow="fold"), renderable)
        if (key, problem) != self._shown:
            self._show(renderable)
            self._shown = (key, problem)

    def _show(self, renderable: RenderableType) -> None:
        """Same number of lines: repaint only the changed ones, in place. Otherwise lay out
        again (a layout pass repaints the whole column: over SSH, kilobytes for nothing)."""
        self._content = renderable
        width = self.content_size.width
        if not self.is_mounted or width <= 0:
            self._painted = None
            self.refresh(layout=True)
            return
        lines = self._lines(renderable, width)
        before = self._painted
        self._painted = (width, lines)
        reshaped = before is None or len(before[1]) != len(lines)
        if reshaped or before[0] != width:  # a new width (a resize) repaints the whole widget anyway
            self.refresh(layout=reshaped)
            return
        changed = [y for y, (old, new) in enumerate(zip(before[1], lines)) if old != new]
        if changed:
            self.refresh(*(Region(0, y, width, 1) for y in changed))

    def _lines(self, renderable: RenderableType, width: int) -> list[Line]:
        console = self.app.console
        options = console.options.update(width=width, height=None, highlight=False)
        return [tuple((segment.text, segment.style) for segment in line)
                for line in console.render_lines(renderable, options, pad=False)]

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
