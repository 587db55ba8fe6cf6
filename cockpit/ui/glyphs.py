"""ASCII fallback for terminals that cannot draw the cockpit's symbols (the Linux console,
`TERM=linux`, or a minimal SSH client): every symbol, block and box-drawing character is
replaced on the way out by an ASCII character of the same width, so the words next to
them (CRIT, FAIL, PAUSED…) carry the meaning and the columns stay where they were.

On with `TERM=linux`/`vt*`/`dumb`, a non-UTF-8 locale, or `COCKPIT_ASCII=1`;
`COCKPIT_ASCII=0` forces Unicode."""

from __future__ import annotations

from collections.abc import Mapping

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

#: Each replacement has the cell width of what it replaces (🔒 is two cells wide).
ASCII = {
    "✔": "+",
    "✖": "x",
    "▲": "^",
    "▼": "v",
    "─": "-",
    "◐": "~",
    "≠": "!",
    "→": ">",
    "⏸": "=",
    "■": "#",
    "▶": ">",
    "·": ".",
    "↷": ">",
    "⏱": "@",
    "⚠": "!",
    "🔒": "L:",
    "…": "~",
    "␛": "^",
    "•": "*",
    "◀": "<",
    "↑": "^",
    "↓": "v",
    "Δ": "d",
    "—": "-",
    "–": "-",
    "≤": "<",
    "≥": ">",
    "×": "x",
    "°": "o",
    # sparkline blocks, lowest to highest
    "▁": "_",
    "▂": ".",
    "▃": ":",
    "▄": "-",
    "▅": "=",
    "▆": "+",
    "▇": "*",
    "█": "#",
    # box drawing (Textual's borders, scrollbars, buttons)
    "╭": "+",
    "╮": "+",
    "╰": "+",
    "╯": "+",
    "│": "|",
    "┃": "|",
    "━": "-",
    "┏": "+",
    "┓": "+",
    "┗": "+",
    "┛": "+",
    "┌": "+",
    "┐": "+",
    "└": "+",
    "┘": "+",
    "═": "=",
    "║": "|",
    "╔": "+",
    "╗": "+",
    "╚": "+",
    "╝": "+",
    "▔": "-",
    "▎": "|",
    "▊": "|",
    "▏": "|",
    "▌": "|",
    "▐": "|",
    "▀": "-",
    "▍": "|",
    "▋": "|",
    "▉": "#",
    "╸": "-",
    "╺": "-",
    "╹": "|",
    "╻": "|",
    "┄": "-",
    "┅": "-",
    "╌": "-",
    "╍": "-",
}
_TABLE = str.maketrans(ASCII)


def wants_ascii(environ: Mapping[str, str], encoding: str | None = "utf-8") -> bool:
    forced = environ.get("COCKPIT_ASCII")
    if forced in ("0", "1"):
        return forced == "1"
    term = environ.get("TERM", "")
    if term == "linux" or term.startswith(("vt", "dumb")):
        return True
    return bool(encoding) and "utf" not in (encoding or "").lower().replace("-", "")


def to_ascii(text: str) -> str:
    return text.translate(_TABLE)


class AsciiFilter(LineFilter):
    """A Textual line filter: every segment's text through the ASCII table."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [
            Segment(text.translate(_TABLE), style, control) if not text.isascii() else segment
            for segment in segments
            for text, style, control in (segment,)
        ]
