"""The incident log: append-only JSON Lines, durable before anyone is told it is done.

One object per line: `seq`, `ts` (UTC ISO 8601), `operator`, `origin`, `kind`, `step`,
`summary`, `data`. Every append takes an exclusive `flock`, so several processes can
write one journal and `seq` stays strictly increasing; the line is written with one
`write()` on an O_APPEND descriptor, then fsynced, before `append` returns.
Secrets are redacted by the writer itself, never left to callers.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from cockpit.core.redact import Redactor
from cockpit.core.safe_text import visible, visible_data

KINDS = ("declare", "note", "action", "reading", "status", "update", "step", "gate", "close", "reopen", "override")
#: A longer line is reported and skipped on reading (a journal line is one entry, never megabytes).
MAX_LINE_BYTES = 16 * 1024 * 1024


class JournalError(Exception):
    """The journal could not be written; the entry is NOT durable."""


class Operator(NamedTuple):
    """Who pressed the keys: a name plus where they are connected from."""

    name: str
    host: str = ""
    ssh_client: str | None = None

    @classmethod
    def detect(cls, explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> Operator:
        """`--operator`, else `$COCKPIT_OPERATOR`, else the login name; plus the SSH client address."""
        name = explicit or environ.get("COCKPIT_OPERATOR") or _login_name()
        ssh = environ.get("SSH_CLIENT") or environ.get("SSH_CONNECTION")
        return cls(name=name, host=socket.gethostname(), ssh_client=ssh.split()[0] if ssh else None)

    def origin(self) -> str:
        where = self.host or "?"
        return f"{where} via ssh from {self.ssh_client}" if self.ssh_client else where


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def valid_ts(value: object) -> bool:
    """A `ts` the journal can use: an ISO 8601 time with a UTC offset, representable in UTC."""
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        moment = parse_ts(value)
        if moment.tzinfo is None:
            return False
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return False
    return True


@dataclass(frozen=True)
class Entry:
    """One journal line."""

    seq: int
    ts: str
    operator: str
    kind: str
    summary: str
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    origin: str = ""

    @property
    def at(self) -> datetime:
        return parse_ts(self.ts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "operator": self.operator,
            "origin": self.origin,
            "kind": self.kind,
            "step": self.step,
            "summary": self.summary,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, obj: Any, *, shown: bool = True) -> Entry:
        """One validated entry; raises `ValueError` naming what is wrong (the reader skips the line).
        `shown=False` keeps text as written (see `iter_entries`)."""
        if not isinstance(obj, dict):
            raise ValueError("not a JSON object")
        seq = obj.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError(f"bad seq {_show(seq)}")
        if not valid_ts(obj.get("ts")):
            raise ValueError(f"bad ts {_show(obj.get('ts'))}")
        for key in ("operator", "kind", "summary", "origin"):
            if not isinstance(obj.get(key, ""), str):
                raise ValueError(f"{key} is not text: {_show(obj.get(key))}")
        step = obj.get("step")
        if step is not None and not isinstance(step, str):
            raise ValueError(f"step is not text: {_show(step)}")
        data = obj.get("data")
        if data is not None and not isinstance(data, dict):
            raise ValueError(f"data is not an object: {_show(data)}")
        if not shown:  # the caller shows every text it outputs through visible() itself
            return cls(
                seq=seq,
                ts=obj["ts"],
                operator=obj.get("operator", ""),
                kind=obj.get("kind", ""),
                summary=obj.get("summary", ""),
                step=step,
                data=data or {},
                origin=obj.get("origin", ""),
            )
        # The file may hold another process's (or an old cockpit's) raw text: shown, never obeyed.
        return cls(
            seq=seq,
            ts=obj["ts"],
            operator=visible(obj.get("operator", "")),
            kind=visible(obj.get("kind", "")),
            summary=visible(obj.get("summary", ""), newlines=True, tabs=True),
            step=None if step is None else visible(step),
            data=visible_data(data or {}, newlines=True, tabs=True),
            origin=visible(obj.get("origin", "")),
        )


def _show(value: Any) -> str:
    return visible(repr(value))[:40]


class Unsaved(NamedTuple):
    """An entry whose write failed, kept in memory to be written when the journal works again."""

    kind: str
    summary: str
    step: str | None
    data: dict[str, Any]
    who: Operator
    ts: str  # when it happened


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
    return _parse(raw, first_line_no=1)


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


def _parse(raw: bytes, first_line_no: int) -> ReadBack:
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
                existing = _parse(raw, 1)
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
        try:
            with _Flock(self._fd):
                self._catch_up()
                entry = Entry(
                    seq=self._last_seq + 1,
                    ts=format_ts(self.clock()),
                    operator=visible(pending.who.name),
                    kind=pending.kind,
                    summary=visible(self.redactor.text(pending.summary), newlines=True, tabs=True),
                    step=pending.step,
                    data=visible_data(self.redactor(data), newlines=True, tabs=True),
                    origin=visible(pending.who.origin()),
                )
                self._write_durably(entry)
        except OSError as exc:
            raise JournalError(
                f"journal write failed ({exc.strerror or exc}); the entry is NOT saved: "
                f"{self.redactor.text(pending.summary)[:200]}"
            ) from exc
        self._last_seq = entry.seq
        self.entries.append(entry)
        return entry

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
        try:
            with _Flock(self._fd):
                self._catch_up()
                entry = Entry(
                    seq=self._last_seq + 1,
                    ts=str(ts) if ts else format_ts(self.clock()),
                    operator=visible(str(original.get("operator", ""))),
                    kind=visible(str(original.get("kind", ""))),
                    summary=visible(self.redactor.text(str(original.get("summary", ""))), newlines=True, tabs=True),
                    step=visible(step) if isinstance(step, str) else None,
                    data=visible_data(self.redactor(data), newlines=True, tabs=True),
                    origin=visible(str(original.get("origin", ""))),
                )
                self._write_durably(entry)
        except OSError as exc:
            raise JournalError(f"journal write failed ({exc.strerror or exc}); a mirrored entry is NOT saved") from exc
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
        fresh = _parse(raw, self._line_count + 1)
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
