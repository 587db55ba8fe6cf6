"""Which cells of a widget's lines changed: the regions to refresh, each as narrow as the change.

With `cockpit.ui.spans` installed, a refreshed region is written from its own first column,
so a count that moved from 267 to 268 sends a few bytes, not the line it sits on."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import RenderableType
from textual.geometry import Region
from textual.widget import Widget

#: A rendered line as plain data: (text, style) per segment.
Line = tuple[tuple[str, object], ...]

#: Two changed runs closer than this many unchanged cells are sent as one (a cursor move
#: costs about as many bytes as the cells it skips).
GAP = 6


def changed_spans(old: Line, new: Line) -> list[tuple[int, int]]:
    """The runs of cells [start, end) that differ between two lines (none when equal): one
    per changed stretch, so a value at the left and the newest sparkline cell at the right
    are two small runs, not the line between them. A line that got shorter has its tail
    blanked. Lines with wide characters get one run, from the first difference on."""
    if old == new:
        return []
    a = [(ch, style) for text, style in old for ch in text]
    b = [(ch, style) for text, style in new for ch in text]
    limit = min(len(a), len(b))
    head = 0
    while head < limit and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < limit - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = cell_len("".join(ch for ch, _ in b[:head]))
    if all(cell_len(ch) == 1 for ch, _ in (*a[head:], *b[head:])):
        # One cell per character (the usual case): compare cell by cell.
        stop = len(b) - tail if len(a) == len(b) else limit
        runs: list[tuple[int, int]] = []
        index = head
        while index < stop:
            if a[index] == b[index]:
                index += 1
                continue
            end = index + 1
            while end < stop and a[end] != b[end]:
                end += 1
            if runs and index - runs[-1][1] < GAP:
                runs[-1] = (runs[-1][0], end)
            else:
                runs.append((index, end))
            index = end
        if len(a) != len(b):  # the part only one of them has: drawn, or blanked
            if runs and limit - runs[-1][1] < GAP:
                runs[-1] = (runs[-1][0], max(len(a), len(b)))
            else:
                runs.append((limit, max(len(a), len(b))))
        return [(start + first - head, start + last - head) for first, last in runs]
    end = max(
        cell_len("".join(ch for ch, _ in a[: len(a) - tail])),
        cell_len("".join(ch for ch, _ in b[: len(b) - tail])),
    )
    return [(start, max(end, start + 1))]


def changed_regions(before: Sequence[Line], after: Sequence[Line], width: int) -> list[Region]:
    """The regions to refresh (same number of lines): only the changed cells of each line."""
    regions = []
    for y, (old, new) in enumerate(zip(before, after, strict=True)):
        for start, end in changed_spans(old, new):
            if start < width:
                regions.append(Region(start, y, max(1, min(end, width) - start), 1))
    return regions


class LinePainter:
    """What a widget last put on the screen, line by line: `paint` repaints only the cells
    that changed (a layout pass only when the number of lines changed, the whole widget
    when the width did)."""

    def __init__(self) -> None:
        self.painted: tuple[int, list[Line]] | None = None  # (width, lines) on screen
        #: Given before the widget had a width (before its first frame): what that frame drew.
        self._unsized: RenderableType | None = None

    def paint(self, widget: Widget, renderable: RenderableType) -> None:
        """Call after the widget's `render()` returns `renderable`."""
        width = widget.content_size.width
        if not widget.is_mounted or width <= 0:
            self.painted, self._unsized = None, renderable
            widget.refresh(layout=True)
            return
        before = self.painted
        if before is None and self._unsized is not None:
            # The first frame drew what the widget was given before it was laid out, at
            # this width: compare with that. Otherwise the first change after start-up
            # laid out and repainted the whole widget (under load, late in the drill's
            # first seconds: kilobytes for one changed value). Rendered first, as it was.
            before = (width, render_lines(widget, self._unsized, width))
        self._unsized = None
        lines = render_lines(widget, renderable, width)
        self.painted = (width, lines)
        if before is None or len(before[1]) != len(lines):
            widget.refresh(layout=True)
        elif before[0] != width:
            widget.refresh()  # a new width (a resize) repaints the whole widget anyway
        elif regions := changed_regions(before[1], lines, width):
            widget.refresh(*regions)


def render_lines(widget: Widget, renderable: RenderableType, width: int) -> list[Line]:
    """`renderable` as the widget's lines at `width`, as plain data."""
    console = widget.app.console
    options = console.options.update(width=width, height=None, highlight=False)
    return [
        tuple((segment.text, segment.style) for segment in line)
        for line in console.render_lines(renderable, options, pad=False)
    ]
