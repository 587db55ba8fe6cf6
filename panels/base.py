"""Shared panel behaviour: a bordered widget whose subtitle tells the data's age and health,
and which repaints only the lines that changed (what crosses an SSH link is what changed)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.console import Group, RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widget import Widget

from cockpit.core.readings import Board, Freshness, age_text
from cockpit.panels.grid import Grid, row_matches
from cockpit.panels.repaint import LinePainter

TREND = {1: "▲", 0: "─", -1: "▼"}
#: Alarm words (CRIT, UNREACH, FAIL, STALE) in reverse video as well as red: they stand out
#: under NO_COLOR and in 16 colours, where red alone is a dim or invisible difference.
ALARM = "bold reverse red"


class Panel(Widget, can_focus=True):
    """A panel redraws only when what it shows has changed, and then only the lines that
    changed: a new error-rate reading repaints its value and sparkline, not the whole box.

    Focused (Tab), it has a cursor row (↑/↓, reverse video), Enter asks for that row's
    detail (`Panel.OpenDetail`, answered by the app), and a filter (`filter_text`: a
    substring, `!` inverts) keeps only the matching rows."""

    ALLOW_MAXIMIZE = True
    BINDINGS = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("home", "cursor(-100000)", show=False),
        Binding("end", "cursor(100000)", show=False),
        Binding("pageup", "cursor(-10)", show=False),
        Binding("pagedown", "cursor(10)", show=False),
        Binding("enter", "open_detail", "Detail", show=False),
    ]

    class OpenDetail(Message):
        """Enter on a row: the app shows what the board knows about it."""

        def __init__(self, panel: Panel, ident: str) -> None:
            super().__init__()
            self.panel, self.ident = panel, ident

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
    Panel:focus { border: double $accent; }
    Panel.-maximized { overflow-y: auto; height: 1fr; scrollbar-size-vertical: 1; }
    Panel.-stale:focus { border: double $warning; }
    Panel.-unreachable:focus { border: double $error; }
    """

    source = ""

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = title
        self.border_title = title
        self._content: RenderableType = Text("waiting for the first reading…")
        self._shown: Hashable = None
        self._painter = LinePainter()  # what is on the screen, line by line
        self._board: Board | None = None
        self._stamp: Hashable = None  # what the rows were last computed from
        self._sticky: list[int] = []  # column widths, kept across frames (columns do not jump)
        self._reserved = False  # holding the height of the rows still to come (see `reserve`)
        #: Rows shown to match this (substring, case-insensitive; a leading ! inverts); "" = all.
        self.filter_text = ""
        self.cursor: str | None = None
        self.row_ids: list[str] = []
        self.total_rows = 0

    @property
    def zoomed(self) -> bool:
        return self.is_mounted and self.screen.maximized is self

    def keep(self, ident: str, text: str) -> bool:
        """For panels that lay out their own rows: does the filter keep this one?"""
        return not self.filter_text or row_matches(text, self.filter_text)

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        title = self.title
        if self.filter_text:
            title += f" /{self.filter_text}"
        self.border_title = Text(title)  # the typed filter is shown, never read as markup ("[/x]" ended the app)
        self.redraw()

    def redraw(self) -> None:
        if self._board is not None:
            self.refresh_from(self._board)

    def on_focus(self) -> None:
        self._fix_cursor()
        self.redraw()

    def on_blur(self) -> None:
        self.redraw()

    def action_cursor(self, delta: int) -> None:
        if not self.row_ids:
            return
        index = self.row_ids.index(self.cursor) if self.cursor in self.row_ids else 0
        self.cursor = self.row_ids[max(0, min(len(self.row_ids) - 1, index + delta))]
        self.redraw()
        # Keep the cursor row on screen: a zoomed panel scrolls itself, otherwise its column scrolls.
        line = 1 + self.row_ids.index(self.cursor)  # below the header row
        if self.zoomed:
            self.scroll_to_region(Region(0, line, 1, 1), animate=False, immediate=True)
        elif self.parent is not None and isinstance(self.parent, Widget):
            box = self.virtual_region
            self.parent.scroll_to_region(Region(box.x, box.y + 1 + line, box.width, 1), animate=False, immediate=True)

    def action_open_detail(self) -> None:
        if self.cursor is None and self.row_ids:
            self.cursor = self.row_ids[0]
        if self.cursor is not None:
            self.post_message(self.OpenDetail(self, self.cursor))

    def detail(self, board: Board, ident: str) -> list[str]:
        """Everything the board knows about one row, as lines of text (the detail view)."""
        from cockpit.core.detail_text import slot_detail  # only when a detail is opened

        return slot_detail(board, self.source, ident)

    def render(self) -> RenderableType:
        return self._content

    def render_inputs(self) -> Hashable:
        """What besides the board's readings of `source` the rows depend on (a panel with
        other inputs says so here, or its rows are not recomputed when only they change)."""
        return None

    def reserve(self, names: Sequence[str]) -> None:
        """Hold, from the first frame, the height the rows of these expected readings (the
        sources' `expected_names`) will take, until the first reading lands: a late first
        reading then fills the panel in place instead of pushing every panel below it down
        (a layout pass that repaints them all: over SSH, kilobytes for one panel's rows)."""
        lines = self.expected_lines(names)
        self.styles.min_height = lines + 2 if lines else None  # + the border
        self._reserved = bool(lines)

    def expected_lines(self, names: Sequence[str]) -> int:
        """How many lines the rows of these readings take: a header and a row each."""
        return 1 + len(names) if names else 0

    def refresh_from(self, board: Board) -> None:
        problem = self._show_freshness(board)
        if self._reserved and board.summary(self.source).count:
            self._reserved = False  # the rows are here: the panel is as tall as they are
            self.styles.min_height = None
        # Rows are recomputed only when the source's readings (or a reading's freshness,
        # the view state, the panel's other inputs) changed: at scale, rebuilding every
        # panel every second cost several times the reads themselves.
        stamp = (
            board.version(self.source),
            self._states(board),
            problem,
            self.filter_text,
            self.cursor if self.has_focus else None,
            self.render_inputs(),
            self.zoomed,
        )
        if board is self._board and stamp == self._stamp:
            return
        self._board, self._stamp = board, stamp
        key, renderable = self.render_board(board)
        if isinstance(renderable, Grid):
            total = renderable.total or len([i for i in renderable.idents if i is not None])
            self.row_ids = renderable.keep(self.filter_text)
            self._fix_cursor()
            renderable.mark(self.cursor if self.has_focus else None)
            renderable.sticky = self._sticky
            key = (key, self.filter_text, self.cursor if self.has_focus else None, total)
            self._count_rows(total)
        else:
            self._fix_cursor()
            key = (key, self.filter_text, self.cursor if self.has_focus else None)
        if problem is not None:
            # The whole reason, on its own line(s) above the last good values: the border
            # has room for a word, and "why" is what the operator needs.
            renderable = Group(Text(f"✖ {problem}", style="bold", overflow="fold"), renderable)
        if (key, problem) != self._shown:
            self._show(renderable)
            self._shown = (key, problem)

    def _fix_cursor(self) -> None:
        if self.cursor not in self.row_ids:
            self.cursor = self.row_ids[0] if self.row_ids else None

    def _count_rows(self, total: int) -> None:
        """With a filter on, the border says how many rows it keeps."""
        self.total_rows = total
        title = self.title + (f" /{self.filter_text} ({len(self.row_ids)} of {total})" if self.filter_text else "")
        if title != self.border_title:
            self.border_title = Text(title)

    def _show(self, renderable: RenderableType) -> None:
        """Same number of lines: repaint only the changed ones, in place. Otherwise lay out
        again (a layout pass repaints the whole column: over SSH, kilobytes for nothing)."""
        self._content = renderable
        self._painter.paint(self, renderable)

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        """(a key that changes when the content does, the content)."""
        return None, ""

    def _states(self, board: Board) -> Hashable:
        """The freshness of every reading of the source, cheaply: which readings are past
        their stale age changes with time alone, not with a new version."""
        summary = board.summary(self.source)
        if summary.oldest_good is None:
            return summary.any_error
        # Each reading is stale by its own source instance's interval; the shortest one says
        # cheaply that none can be stale yet.
        if (board.now() - summary.oldest_good).total_seconds() <= 2 * board.shortest_interval(self.source):
            return (summary.any_error, 0)  # nothing stale yet: no need to look at each reading
        return (summary.any_error, tuple(board.freshness(self.source, n) for n in board.names(self.source)))

    def _show_freshness(self, board: Board) -> str | None:
        """Set the border's age/health words; return why the source is unreachable, if it is."""
        summary = board.summary(self.source)
        problem = None
        if not summary.count:
            subtitle, level = "waiting", ""
        else:
            age = (
                float("inf")
                if summary.oldest_good is None
                else max(0.0, (board.now() - summary.oldest_good).total_seconds())
            )
            interval = board.interval(self.source)
            if summary.any_error:
                errors = sorted({s.latest.error for _, s in board.slots(self.source) if s.latest.error})
                problem = errors[0] + (f" (and {len(errors) - 1} other errors)" if len(errors) > 1 else "")
                subtitle, level = f"✖ UNREACHABLE · last good {age_text(age)} ago", "-unreachable"
            elif summary.stale_at is None or board.now() > summary.stale_at:  # by each reading's own source
                subtitle, level = f"⚠ STALE · age {age_text(age)}", "-stale"
            elif age <= 1.5 * interval:
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
