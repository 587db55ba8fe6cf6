"""Partial screen updates that write only the refreshed span of a line.

Textual (8.x) writes a refreshed region from the left edge of the widget under it to the
region's right end (`ChopsUpdate.render_segments` crops the end only). A panel whose one
number changed at column 150 of a 200-column screen sent the whole line up to it: over
SSH, most of an idle screen's bytes. `install()` makes the update crop both ends, so a
changed cell costs its own bytes plus a cursor move.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.control import Control

_PATCHED = "_cockpit_span_crop"


def _render_segments(self: Any, console: Console) -> str:
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


def install() -> bool:
    """Use the two-sided crop for every partial update from now on (idempotent). The patch
    replaces a method of a private Textual class: when that class is not the one it was
    written for (a Textual release moved or reshaped it), it is left alone and Textual's own
    whole-line update stays in use. Returns whether the crop is in use."""
    try:
        from textual._compositor import ChopsUpdate
    except ImportError:
        return False
    if getattr(ChopsUpdate, _PATCHED, False):
        return True
    code = getattr(ChopsUpdate.__init__, "__code__", None)
    arguments = code.co_varnames if code is not None else ()
    if not callable(getattr(ChopsUpdate, "render_segments", None)) or not all(
        name in arguments for name in ("chops", "chop_ends", "spans")
    ):
        return False
    setattr(ChopsUpdate, "render_segments", _render_segments)  # noqa: B010 - a method replaced on purpose
    setattr(ChopsUpdate, _PATCHED, True)
    return True
