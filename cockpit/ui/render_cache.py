"""A Rich renderable drawn once per width.

Textual renders a widget's Rich renderable twice when it lays it out and paints it: once
to count its lines (its height), once to draw them. For help's key table (a Rich `Table`
of every command) that was ~40 % of the time from the key to the dialog on the screen.
`RenderedOnce` keeps the lines of the last width it was drawn at.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment


class RenderedOnce:
    """`renderable`, drawn once for each width it is asked for (the last one kept)."""

    def __init__(self, renderable: RenderableType) -> None:
        self._renderable = renderable
        self._key: tuple[object, ...] | None = None
        self._lines: list[list[Segment]] = []

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # What the lines depend on; not the height (Textual asks with and without one).
        key: tuple[object, ...] = (options.max_width, options.min_width, options.justify, options.overflow)
        key += (options.no_wrap, options.ascii_only, options.encoding, options.markup, options.highlight)
        if key != self._key:
            self._lines = console.render_lines(self._renderable, options.update(height=None), pad=False)
            self._key = key
        new_line = Segment.line()
        for line in self._lines:
            yield from line
            yield new_line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._renderable)
