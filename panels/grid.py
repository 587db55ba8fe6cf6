"""A light table for panels: columns sized to their content, one flexible column that takes
the rest of the width (ellipsised when short of room), one space between columns.

Rich's Table measures, pads and wraps every cell; at the cockpit's sizes that was most of
the cost of painting a frame. Panels only need aligned single-line rows, which this does
in one pass over the cells at render time (when the width is known).
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

#: The flexible column keeps at least this many cells before the other columns are cropped.
MIN_FLEX = 6


def row_matches(text: str, text_filter: str) -> bool:
    """Substring match, case-insensitive; `!text` keeps what does NOT contain text."""
    inverted = text_filter.startswith("!")
    needle = text_filter[1:] if inverted else text_filter
    found = needle.casefold() in text.casefold()
    return found != inverted


class Col:
    """One column: its header, alignment, whether it takes the spare width, a width cap."""

    __slots__ = ("flex", "header", "justify", "max_width", "min_width")

    def __init__(
        self,
        header: str = "",
        *,
        justify: str = "left",
        flex: bool = False,
        max_width: int | None = None,
        min_width: int = 0,
    ) -> None:
        self.header = header
        self.justify = justify
        self.flex = flex
        self.max_width = max_width
        self.min_width = min_width


class Grid:
    """Rows of single-line cells in aligned columns; fills the width it is given."""

    def __init__(self, *columns: Col, show_header: bool = True, header_style: str = "bold dim") -> None:
        self.columns = columns
        self.show_header = show_header
        self.header_style = header_style
        self.rows: list[list[Text]] = []
        #: Each row's identity (what Enter opens); None for rows that are not items ("+3 more").
        self.idents: list[str | None] = []
        self.cursor: int | None = None
        #: Column widths only grow: a panel passes the same list every frame, so a count
        #: gaining a digit widens its column once instead of shifting columns back and forth.
        self.sticky: list[int] | None = None
        #: How many items there are before any filter (when the panel filtered some itself).
        self.total: int | None = None

    def add_row(self, *cells: str | Text, ident: str | None = None) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"a row needs {len(self.columns)} cells, got {len(cells)}")
        self.rows.append([cell if isinstance(cell, Text) else Text(cell) for cell in cells])
        self.idents.append(ident)

    def keep(self, text_filter: str) -> list[str]:
        """Drop the item rows the filter rejects (a case-insensitive substring of the row's
        text; a leading `!` inverts); returns the idents left, in order."""
        if text_filter:
            kept = [
                (row, ident)
                for row, ident in zip(self.rows, self.idents, strict=True)
                if ident is None or row_matches(" ".join(c.plain for c in row), text_filter)
            ]
            self.rows = [row for row, _ in kept]
            self.idents = [ident for _, ident in kept]
        return [ident for ident in self.idents if ident is not None]

    def mark(self, ident: str | None) -> None:
        """Show the row with this ident as the cursor row (reverse video: visible without colour)."""
        self.cursor = self.idents.index(ident) if ident is not None and ident in self.idents else None

    def lines(self, width: int) -> list[Text]:
        """The rows (header first) laid out in `width` cells."""
        rows = self.rows
        if self.show_header:
            rows = [[Text(c.header, style=self.header_style) for c in self.columns], *rows]
        if not rows:
            return []
        widths = []
        for index, column in enumerate(self.columns):
            natural = max(column.min_width, *(row[index].cell_len for row in rows))
            widths.append(min(natural, column.max_width) if column.max_width else natural)
        if self.sticky is not None:
            if len(self.sticky) != len(widths):
                self.sticky[:] = [0] * len(widths)
            widths = [
                max(w, old) if not c.flex else w for w, old, c in zip(widths, self.sticky, self.columns, strict=True)
            ]
            self.sticky[:] = widths
        gaps = len(widths) - 1
        flex = next((i for i, c in enumerate(self.columns) if c.flex), None)
        if flex is not None:
            widths[flex] = max(MIN_FLEX, width - (sum(widths) - widths[flex]) - gaps)
        lines = []
        cursor = None if self.cursor is None else self.cursor + (1 if self.show_header else 0)
        for number, row in enumerate(rows):
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            for index, (cell, cell_width) in enumerate(zip(row, widths, strict=True)):
                if index:
                    line.append(" ")
                if cell.cell_len > cell_width:
                    cell = cell.copy()
                    cell.truncate(cell_width, overflow="ellipsis")
                pad = " " * (cell_width - cell.cell_len)
                if self.columns[index].justify == "right":
                    line.append(pad)
                    line.append_text(cell)
                else:
                    line.append_text(cell)
                    if index < gaps:
                        line.append(pad)
            if line.cell_len > width:
                line.truncate(width, overflow="ellipsis")
            if number == cursor:
                line.pad_right(width - line.cell_len)
                line.stylize("reverse")
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)
