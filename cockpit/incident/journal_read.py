"""Reading a journal back: whole entries, and a report of the lines that could not be read
(a torn last write, a damaged or over-long line). Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from cockpit.core.redact import Redactor
from cockpit.core.safe_text import visible
from cockpit.incident.entry import Entry

#: A longer line is reported and skipped on reading (a journal line is one entry, never megabytes).
MAX_LINE_BYTES = 16 * 1024 * 1024


class BadLine(NamedTuple):
    """A line that could not be read back (a torn write, typically the last one)."""

    line_no: int
    text: str
    reason: str


@dataclass
class ReadBack:
    entries: list[Entry]
    bad_lines: list[BadLine]
    line_count: int = 0

    @property
    def torn_tail(self) -> BadLine | None:
        """The bad line at the very end of the file, if the last write was cut off."""
        return self.bad_lines[-1] if self.bad_lines and self.bad_lines[-1].reason == "torn" else None


def read(path: str | Path) -> ReadBack:
    """Every whole entry of a journal, plus a report of lines that could not be read."""
    with open(path, "rb") as handle:
        raw = handle.read()
    return parse_bytes(raw, first_line_no=1)


def iter_entries(
    path: str | Path, bad: list[BadLine] | None = None, redactor: Redactor | None = None, shown: bool = True
) -> Iterator[Entry]:
    """Every whole entry of a journal, one line at a time (memory bounded by MAX_LINE_BYTES).

    Lines that cannot be read are skipped and, when `bad` is given, reported into it.
    With a `redactor`, each entry is redacted again on the way in (as an export does).
    `shown=False` keeps text as written, for a caller that passes everything it outputs
    through `safe_text.visible` itself (the report's renderers): it skips a walk of every value."""
    with open(path, "rb") as handle:
        line_no = 0
        while True:
            line = handle.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            line_no += 1
            length = len(line)
            while len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):  # skip the rest, unread
                rest = handle.readline(1 << 20)
                if not rest:
                    break
                length += len(rest)
                line = line[: MAX_LINE_BYTES + 1] + rest[-1:]
            entry, problem = _entry_or_problem(line, length, not line.endswith(b"\n"), redactor, shown)
            if entry is not None:
                yield entry
            elif problem is not None and bad is not None:
                bad.append(BadLine(line_no, line[:80].decode("utf-8", "replace"), problem))


def _entry_or_problem(
    line: bytes, length: int, torn: bool, redactor: Redactor | None = None, shown: bool = True
) -> tuple[Entry | None, str | None]:
    """One line: its entry, or why it cannot be read (None, None for a blank line).
    With a `redactor`, the entry is redacted again on the way in (as an export does)."""
    if length > MAX_LINE_BYTES:
        return None, f"too long ({length:,} bytes; a line may have {MAX_LINE_BYTES:,})"
    if not line.strip():
        return None, None
    try:
        obj = json.loads(line)
        obj = redactor(obj) if redactor and redactor.could_change(line) else obj
        return Entry.from_dict(obj, shown=shown), None
    except UnicodeDecodeError:
        return None, "torn" if torn else "unreadable: not UTF-8"
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return None, "torn" if torn else f"unreadable: {visible(str(exc))[:120]}"


def parse_bytes(raw: bytes, first_line_no: int) -> ReadBack:
    entries: list[Entry] = []
    bad: list[BadLine] = []
    lines = raw.split(b"\n")
    for index, line in enumerate(lines):
        is_last = index == len(lines) - 1  # no newline after it: the write was cut off
        entry, problem = _entry_or_problem(line, len(line), torn=is_last)
        if entry is not None:
            entries.append(entry)
        elif problem is not None:
            bad.append(BadLine(first_line_no + index, line[:80].decode("utf-8", "replace"), problem))
    return ReadBack(entries, bad, raw.count(b"\n"))
