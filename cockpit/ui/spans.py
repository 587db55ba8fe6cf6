"""Partial screen updates that write only the refreshed span of a line.

Textual (8.x) writes a refreshed region from the left edge of the widget under it to the
region's right end (`ChopsUpdate.render_segments` crops the end only). A panel whose one
number changed at column 150 of a 200-column screen sent the whole line up to it: over
SSH, most of an idle screen's bytes. `install()` makes the update crop both ends, so a
changed cell costs its own bytes plus a cursor move.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate

_PATCHED = "_cockpit_span_crop"


def _render_segments(self: ChopsUpdate, console: Console) -> str:
    """Textual's `ChopsUpdate.render_segments`, cropping each chop to [x1, x2) on both sides."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops, chop_ends = self.chops, self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        for end, (x, strip) in zip(chop_ends[y], line.items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = max(x, x1)
            if start != x or end > x2:
                strip = strip.crop(start - x, min(end, x2) - x)
            append(move_to(start, y).segment.text)
            append(strip.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> None:
    """Use the two-sided crop for every partial update from now on (idempotent)."""
    if not getattr(ChopsUpdate, _PATCHED, False):
        setattr(ChopsUpdate, "render_segments", _render_segments)  # noqa: B010 - a method replaced on purpose
        setattr(ChopsUpdate, _PATCHED, True)
