"""The incident log: append-only JSON Lines, durable before anyone is told it is done.

One object per line: `seq`, `ts` (UTC ISO 8601), `operator`, `origin`, `kind`, `step`,
`summary`, `data` (the entry's shape: `entry.py`; reading back: `journal_read.py`). Every
append takes an exclusive `flock`, so several processes can write one journal and `seq`
stays strictly increasing; the line is written with one `write()` on an O_APPEND
descriptor, then fsynced, before `append` returns. Secrets are redacted by the writer
itself, never left to callers.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from cockpit.core.redact import Redactor
from cockpit.core.safe_text import visible, visible_data
from cockpit.incident.entry import KINDS, Entry, Operator, format_ts, parse_ts, utc_now, valid_ts
from cockpit.incident.journal_read import MAX_LINE_BYTES, BadLine, ReadBack, iter_entries, parse_bytes, read

# The journal's names, importable from here as before the split.
__all__ = [
    "KINDS",
    "MAX_LINE_BYTES",
    "BadLine",
    "Entry",
    "Journal",
    "JournalError",
    "Operator",
    "ReadBack",
    "Redactor",
    "Unsaved",
    "format_ts",
    "iter_entries",
    "parse_ts",
    "read",
    "utc_now",
    "valid_ts",
]


class JournalError(Exception):
    """The journal could not be written; the entry is NOT durable."""


class Unsaved(NamedTuple):
    """An entry whose write failed, kept in memory to be written when the journal works again."""

    kind: str
    summary: str
    step: str | None
    data: dict[str, Any]
    who: Operator
    ts: str  # when it happened


class Journal:
    """An open incident journal. `open()` resumes an existing one."""

    def __init__(
        self, path: Path, operator: Operator, redactor: Redactor, fd: int, existing: ReadBack, size: int | None = None
    ) -> None:
        self.path = path
        self.operator = operator
        self.redactor = redactor
        self._fd = fd
        self.entries: list[Entry] = list(existing.entries)
        self.bad_lines: list[BadLine] = list(existing.bad_lines)
        self.resumed = bool(existing.entries)
        #: Where `ts` comes from: the wall clock, or a drill's faster clock (so durations agree).
        self.clock = utc_now
        self._last_seq = max((e.seq for e in existing.entries), default=0)
        self._size = os.fstat(fd).st_size if size is None else size
        self._line_count = existing.line_count
        #: Entries that could not be written yet (see `append(keep_on_failure=True)`).
        self.unsaved: list[Unsaved] = []
        self._late: list[Entry] = []

    @classmethod
    def open(cls, path: str | Path, operator: Operator, redactor: Redactor | None = None) -> Journal:
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            created = not path.exists()
            fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
            if created:
                _fsync_dir(path.parent)
            with _Flock(fd):
                # Read and take the size under the same lock: an append landing in between
                # would otherwise be skipped and its seq reused.
                raw = _read_all(fd)
                existing = parse_bytes(raw, 1)
        except OSError as exc:
            raise JournalError(f"cannot open journal {path}: {exc.strerror or exc}") from exc
        return cls(path, operator, redactor or Redactor(), fd, existing, size=len(raw))

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def append(
        self,
        kind: str,
        summary: str,
        *,
        step: str | None = None,
        data: Mapping[str, Any] | None = None,
        operator: Operator | None = None,
        keep_on_failure: bool = False,
    ) -> Entry:
        """Write one entry durably (flush + fsync) and return it; raises `JournalError`.

        With `keep_on_failure` (an action's output and result: what happened must not be
        lost), a failed write is kept in `unsaved` and written by `retry_unsaved`. Entries
        kept earlier are written first, so the order stays the order things happened."""
        if kind not in KINDS:
            raise ValueError(f"unknown journal kind {kind!r}; expected one of {', '.join(KINDS)}")
        who = operator or self.operator
        pending = Unsaved(kind, summary, step, dict(data or {}), who, format_ts(self.clock()))
        if self.unsaved:
            if keep_on_failure:
                self.unsaved.append(pending)
            self.retry_unsaved()  # raises while the journal still cannot be written
            if keep_on_failure:
                return self._late.pop()  # ours was the last one kept: the caller applies it as new
        try:
            return self._append_now(pending)
        except JournalError:
            if keep_on_failure:
                self.unsaved.append(pending)
            raise

    def retry_unsaved(self) -> None:
        """Write the entries kept after a failed write, oldest first; raises `JournalError` if it still fails.
        What got written is collected for `drain_late`."""
        while self.unsaved:
            self._late.append(self._append_now(self.unsaved[0], late=True))
            self.unsaved.pop(0)

    def drain_late(self) -> list[Entry]:
        """Entries written late (by `retry_unsaved`) since the last call, for the caller to apply."""
        late, self._late = self._late, []
        return late

    def _append_now(self, pending: Unsaved, late: bool = False) -> Entry:
        data = dict(pending.data)
        if late:
            data["happened_at"] = pending.ts  # written late: the journal could not be written then
        draft = Entry(
            seq=0,
            ts="",
            operator=pending.who.name,
            kind=pending.kind,
            summary=pending.summary,
            step=pending.step,
            data=data,
            origin=pending.who.origin(),
        )
        try:
            return self._commit(draft)
        except OSError as exc:
            raise JournalError(
                f"journal write failed ({exc.strerror or exc}); the entry is NOT saved: "
                f"{self.redactor.text(pending.summary)[:200]}"
            ) from exc

    def append_mirror(self, original: Mapping[str, Any]) -> Entry:
        """Copy another cockpit's entry into this journal: its time, author and content, a local seq.

        Its text is made visible (never obeyed by a terminal) and redacted; a missing or
        unreadable `ts` is replaced by the time it arrived here, so no entry is written without one."""
        ts = original.get("ts")
        data = dict(original.get("data") or {}) if isinstance(original.get("data"), Mapping) else {}
        if not valid_ts(ts):
            data["ts_replaced"] = visible(str(ts))[:80]
            ts = None
        step = original.get("step")
        draft = Entry(
            seq=0,
            ts=str(ts) if ts else "",
            operator=str(original.get("operator", "")),
            kind=str(original.get("kind", "")),
            summary=str(original.get("summary", "")),
            step=step if isinstance(step, str) else None,
            data=data,
            origin=str(original.get("origin", "")),
        )
        try:
            return self._commit(draft)
        except OSError as exc:
            raise JournalError(f"journal write failed ({exc.strerror or exc}); a mirrored entry is NOT saved") from exc

    def _commit(self, draft: Entry) -> Entry:
        """The one write path: under the lock, the next seq (and now, when `draft` has no ts),
        text made visible and redacted, written durably, then remembered; raises `OSError`."""
        with _Flock(self._fd):
            self._catch_up()
            entry = Entry(
                seq=self._last_seq + 1,
                ts=draft.ts or format_ts(self.clock()),
                operator=visible(draft.operator),
                kind=visible(draft.kind),
                summary=visible(self.redactor.text(draft.summary), newlines=True, tabs=True),
                step=None if draft.step is None else visible(draft.step),
                data=visible_data(self.redactor(draft.data), newlines=True, tabs=True),
                origin=visible(draft.origin),
            )
            self._write_durably(entry)
        self._last_seq = entry.seq
        self.entries.append(entry)
        return entry

    def _write_durably(self, entry: Entry) -> None:
        """One write() of the whole line, then fsync; the caller holds the lock."""
        line = json.dumps(entry.to_dict(), ensure_ascii=False, default=str).encode() + b"\n"
        if self._size and not self._ends_with_newline():
            line = b"\n" + line  # keep a torn fragment on its own line, not glued to ours
        try:
            _write_all(self._fd, line)
            os.fsync(self._fd)
        except OSError:
            # A full disk can take half a line. The entry is reported as NOT saved, so it must
            # not half-exist either: cut the file back to the last whole entry (we hold the lock).
            # If that fails too, the reader reports the torn fragment as a bad line, as after a crash.
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._size)
            raise
        self._size += len(line)
        self._line_count += line.count(b"\n")

    def refresh(self) -> list[Entry]:
        """Entries appended by other processes since we last looked."""
        with _Flock(self._fd):
            return self._catch_up()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _catch_up(self) -> list[Entry]:
        size = os.fstat(self._fd).st_size
        if size == self._size:
            return []
        raw = os.pread(self._fd, size - self._size, self._size)
        fresh = parse_bytes(raw, self._line_count + 1)
        self._size = size
        self._line_count += raw.count(b"\n")
        new = [e for e in fresh.entries if e.seq > self._last_seq]
        self.entries.extend(new)
        self.bad_lines.extend(fresh.bad_lines)
        self._last_seq = max([self._last_seq, *(e.seq for e in new)])
        return new

    def _ends_with_newline(self) -> bool:
        return os.pread(self._fd, 1, self._size - 1) == b"\n"


class _Flock:
    """An exclusive flock held for one append (or read), across processes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *_exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0) if size else b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_dir(directory: Path) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
