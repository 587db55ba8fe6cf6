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


class Col:
    """One column: its header, alignment, whether it takes the spare width, a width cap."""

    __slots__ = ("header", "justify", "flex", "max_width")

    def __init__(self, header: str = "", *, justify: str = "left", flex: bool = False,
                 max_width: int | None = None) -> None:
        self.header = header
        self.justify = justify
        self.flex = flex
        self.max_width = max_width


class Grid:
    """Rows of single-line cells in aligned columns; fills the width it is given."""

    def __init__(self, *columns: Col, show_header: bool = True, header_style: str = "bold dim") -> None:
        self.columns = columns
        self.show_header = show_header
        self.header_style = header_style
        self.rows: list[list[Text]] = []

    def add_row(self, *cells: str | Text) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"a row needs {len(self.columns)} cells, got {len(cells)}")
        self.rows.append([cell if isinstance(cell, Text) else Text(cell) for cell in cells])

    def lines(self, width: int) -> list[Text]:
        """The rows (header first) laid out in `width` cells."""
        rows = self.rows
        if self.show_header:
            rows = [[Text(c.header, style=self.header_style) for c in self.columns], *rows]
        if not rows:
            return []
        widths = []
        for index, column in enumerate(self.columns):
            natural = max(row[index].cell_len for row in rows)
            widths.append(min(natural, column.max_width) if column.max_width else natural)
        gaps = len(widths) - 1
        flex = next((i for i, c in enumerate(self.columns) if c.flex), None)
        if flex is not None:
            widths[flex] = max(MIN_FLEX, width - (sum(widths) - widths[flex]) - gaps)
        lines = []
        for row in rows:
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            for index, (cell, cell_width) in enumerate(zip(row, widths)):
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
            lines.append(line)
        return lines

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self.lines(options.max_width):
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(options.max_width, options.max_width)

