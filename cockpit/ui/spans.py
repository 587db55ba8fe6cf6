"""Partial screen updates that write only the refreshed span of a line.

Textual (8.x) writes a refreshed region from the left edge of the widget under it to the
region's right end (`ChopsUpdate.render_segments` crops the end only). A panel whose one
number changed at column 150 of a 200-column screen sent the whole line up to it: over
SSH, most of an idle screen's bytes. `install()` makes the update crop both ends, so a
changed cell costs its own bytes plus a cursor move.

It also writes the update's styles as a terminal keeps them: Textual wraps every styled
piece in its own "set style ... reset" and ends each line with a newline that the next
piece's cursor move makes useless. A changed digit of a panel is two or three characters in
~30 bytes of styling, and the next changed cell of that panel has the same style: it is
now set once, for as long as it lasts, and reset once at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.color import ColorSystem
from rich.console import COLOR_SYSTEMS, Console
from rich.control import Control
from textual.strip import Strip

_PATCHED = "_cockpit_span_crop"


def _render_segments(self: Any, console: Console) -> str:
    """Textual's `ChopsUpdate.render_segments`, cropping each chop to [x1, x2) on both sides,
    and writing each style only where it changes (see `_StyleWriter`)."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    writer = _StyleWriter(console, append)
    chops, chop_ends = self.chops, self.chop_ends
    for y, x1, x2 in self.spans:
        line = chops[y]
        for end, (x, strip) in zip(chop_ends[y], line.items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            start = max(x, x1)
            if start != x or end > x2:
                strip = strip.crop(start - x, min(end, x2) - x)
            # The cursor moves to every piece: no newline between lines (Textual's "\n",
            # two bytes per changed line through a pty).
            append(move_to(start, y).segment.text)
            writer.write(strip)
    writer.close()
    return "".join(sequences)


class _StyleWriter:
    """Writes segments keeping the terminal's current style (SGR state, which cursor moves
    leave alone): a style is sent when it differs from the one in force, replacing it
    ("reset, then these") in one sequence, and reset once at the end, so the terminal is
    left as Textual leaves it. A linked segment is written as Textual writes it."""

    def __init__(self, console: Console, append: Callable[[str], object]) -> None:
        self.color_system = COLOR_SYSTEMS.get(console.color_system or "", ColorSystem.TRUECOLOR)
        self.append = append
        self.current = ""  # the SGR parameters in force ("" = the terminal's default)

    def write(self, strip: Strip) -> None:
        for text, style, _ in strip:
            if not text:
                continue
            if style is not None and style.link:
                self._set("")
                self.append(Strip.render_style(style, text, self.color_system))
                continue
            self._set("" if style is None else Strip.render_ansi(style, self.color_system))
            self.append(text)

    def _set(self, codes: str) -> None:
        if codes == self.current:
            return
        if not self.current:
            self.append(f"\x1b[{codes}m")
        else:
            self.append(f"\x1b[0;{codes}m" if codes else "\x1b[0m")
        self.current = codes

    def close(self) -> None:
        self._set("")


def install() -> bool:
    """Use the two-sided crop for every partial update from now on (idempotent). The patch
        replaces a method of a private Textual class: when that class is not the one it was
        written for (a Textual release moved or reshaped it), it is left alone and Textual's own
        whole-line update stays in use; so it is when `Strip.render_ansi` or `Strip.render_style`,
    which the writer calls, is missing. Returns whether the crop is in use."""
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
    # The writer renders styles with these two (not part of Strip's documented API).
    if not all(callable(getattr(Strip, name, None)) for name in ("render_ansi", "render_style")):
        return False
    setattr(ChopsUpdate, "render_segments", _render_segments)  # noqa: B010 - a method replaced on purpose
    setattr(ChopsUpdate, _PATCHED, True)
    return True
