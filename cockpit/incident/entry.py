"""One journal entry and who wrote it: the shape of a journal line, its time stamps, and
the validation a line read back goes through (text is made visible, never obeyed)."""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from cockpit.core.safe_text import visible, visible_data

KINDS = (
    "declare",
    "note",
    "action",
    "reading",
    "status",
    "update",
    "step",
    "gate",
    "close",
    "reopen",
    "override",
    "guard",
    "release",
    "undo_verify",  # a release step's `verify` judged on readings after its undo ran
)


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
