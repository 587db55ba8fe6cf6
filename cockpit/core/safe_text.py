"""Outside text made safe to show on a terminal.

Backend names, values and errors, command output and other operators' journal text can
carry control characters: `ESC ]0;…` retitles the window, `ESC ]52;c;…` writes the
operator's clipboard, CR and BS overwrite what is already shown. `visible()` turns every
such character into a visible stand-in, so it is shown, never obeyed:

- ESC becomes `␛`; the other C0 controls and DEL become their Unicode control pictures
  (`␀`…`␟`, `␡`), so a NUL, BEL or CR is visible as such;
- C1 controls (U+0080–U+009F, among them the one-character CSI U+009B) become `\\x9b`;
- bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069: "Trojan source")
  and the line/paragraph separators become `\\u202e`;
- newline and tab are kept only when the caller asks (a multi-line log, a report).

One `str.translate` over a fixed table: linear in the text, no regular expression.

Markup is not this module's business, and widgets do NOT show it literally by default:
Textual's `Static`/`Label`, a `Button`'s label, a border title and `notify()` read a plain
`str` as markup, so `[b]payments[/b]` loses its brackets and `[/x]` raises MarkupError and
ends the app. The UI passes outside text as `rich.text.Text(...)` (or `markup=False`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ESC_PICTURE = "\u241b"  # ␛


def _table(newlines: bool, tabs: bool) -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x1B] = ESC_PICTURE
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):
        table[code] = f"\\x{code:02x}"
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029):
        table[code] = f"\\u{code:04x}"
    if newlines:
        del table[0x0A]
    if tabs:
        del table[0x09]
    return table


_TABLES = {(n, t): _table(n, t) for n in (False, True) for t in (False, True)}


def visible(text: object, *, newlines: bool = False, tabs: bool = False) -> str:
    """`text` with every control character shown as a visible stand-in (never emitted).

    Not-a-string input is converted with `str()` first, so a caller can pass what a backend
    returned without checking its type."""
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable():  # the common case, checked in C: nothing to translate
        return text
    return text.translate(_TABLES[(newlines, tabs)])


def is_visible(text: object, *, newlines: bool = False, tabs: bool = False) -> bool:
    """True when `visible()` would leave the text unchanged."""
    return visible(text, newlines=newlines, tabs=tabs) == text


def visible_data(value: Any, *, newlines: bool = False, tabs: bool = False) -> Any:
    """`visible()` applied to every string (keys too) in nested dicts/lists; other values as they are."""
    if isinstance(value, str):
        return visible(value, newlines=newlines, tabs=tabs)
    if type(value) is dict or isinstance(value, Mapping):  # the exact type first: the ABC check is slow
        return {visible(str(k)): visible_data(v, newlines=newlines, tabs=tabs) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [visible_data(v, newlines=newlines, tabs=tabs) for v in value]
    return value
