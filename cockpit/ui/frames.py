"""Screen updates that skip what the terminal already shows.

At start-up Textual wrote the first screen three times in ~50 ms: the first layout, then
a repaint of every widget its first sizes touched (two `Resize` events from the driver
lay the screen out again), then a whole-screen repaint the screen asked for when it was
shown, all with the same text (~36 KB extra at 120x36). Textual repaints a widget's
whole region whether or not its text changed. `ShownCells` remembers the styled cells
the terminal shows and drops every line fragment of an update that would write the same
cells again, so the first screen is written once and later frames carry changed lines only.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.geometry import Size
from textual.strip import Strip

#: One terminal cell: its text ("" for the right half of a wide character) and style.
Cell = tuple[str, Style | None]


def _cells(strip: Strip) -> list[Cell] | None:
    """The cells a strip writes, or None when it holds control codes (always written)."""
    cells: list[Cell] = []
    for segment in strip:
        if segment.control:
            return None
        style = segment.style
        for char in segment.text:
            width = cell_len(char)
            if width == 0:
                if not cells:
                    return None  # a combining mark alone: write it, do not reason about it
                text, prev = cells[-1]
                cells[-1] = (text + char, prev)
                continue
            cells.append((char, style))
            if width == 2:
                cells.append(("", style))
    return cells


class _Pieces(CompositorUpdate):
    """The line fragments of an update that change what the terminal shows."""

    def __init__(self, pieces: list[tuple[int, int, Strip]]) -> None:
        self.pieces = pieces

    def render_segments(self, console: Console) -> str:
        move_to = Control.move_to
        return "".join(move_to(x, y).segment.text + strip.render(console) for x, y, strip in self.pieces)

    def __rich_console__(self, console: Console, options: object) -> Iterable[Segment]:  # pragma: no cover
        for x, y, strip in self.pieces:
            yield Control.move_to(x, y).segment
            yield from strip


class ShownCells:
    """What the terminal shows, cell by cell, as written by the updates passed through `filter`."""

    def __init__(self) -> None:
        self._size = Size(0, 0)
        self._rows: list[list[Cell | None]] = []

    def forget(self) -> None:
        """The terminal's contents are unknown (cleared, resized): write everything next."""
        self._rows = [[None] * self._size.width for _ in range(self._size.height)]

    def filter(self, update: RenderableType, size: Size) -> RenderableType:
        """`update` with the fragments that would rewrite identical cells dropped; any other
        renderable passes unchanged (and makes the shown cells unknown)."""
        if size != self._size:
            self._size = size
            self.forget()
        if isinstance(update, LayoutUpdate):
            pieces = list(self._layout_pieces(update))
        elif isinstance(update, ChopsUpdate):
            pieces = list(self._chop_pieces(update))
        else:
            self.forget()
            return update
        return _Pieces([piece for piece in pieces if self._changes(*piece)])

    @staticmethod
    def _layout_pieces(update: LayoutUpdate) -> Iterable[tuple[int, int, Strip]]:
        for y, line in enumerate(update.strips, update.region.y):
            x = update.region.x
            for strip in line:
                yield x, y, strip
                x += strip.cell_length

    @staticmethod
    def _chop_pieces(update: ChopsUpdate) -> Iterable[tuple[int, int, Strip]]:
        # The same two-sided crop as cockpit.ui.spans: each chop cut to the span [x1, x2).
        for y, x1, x2 in update.spans:
            for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
                if strip is None or x >= x2 or end <= x1:
                    continue
                start = max(x, x1)
                if start != x or end > x2:
                    strip = strip.crop(start - x, min(end, x2) - x)
                yield start, y, strip

    def _changes(self, x: int, y: int, strip: Strip) -> bool:
        """Whether writing `strip` at (x, y) changes the terminal; records it when it does."""
        if not 0 <= y < len(self._rows):
            return True
        row = self._rows[y]
        cells = _cells(strip)
        if cells is None or x < 0 or x + len(cells) > len(row):
            for i in range(max(x, 0), min(x + strip.cell_length, len(row))):
                row[i] = None  # written but not modelled: unknown from now on
            return True
        end = x + len(cells)
        if row[x:end] == cells:
            return False
        # Half of a wide character overwritten: the other half's cell is unknown now.
        if x > 0 and (old := row[x]) is not None and old[0] == "":
            row[x - 1] = None
        if end < len(row) and (after := row[end]) is not None and after[0] == "":
            row[end] = None
        row[x:end] = cells
        return True
