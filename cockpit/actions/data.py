"""Typed action outcomes: what an action's `Result.data` carries, one frozen record per
outcome kind, shared by the actions, the drill, the journal and the report.

The journal keeps its shape: `as_dict()` writes the keys older versions wrote, and
`from_dict()` reads an entry written by any version back into the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, fields, replace
from typing import Any, ClassVar

from cockpit.core.safe_text import visible_data


def str_tuple(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


class ActionData:
    """What every typed outcome offers: its journal shape and a copy safe to show."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]  # every subclass is a frozen dataclass

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def shown_safely(self) -> Any:
        """The same record with every outside string made visible (newlines and tabs kept)."""
        changes = {
            f.name: visible_data(getattr(self, f.name), newlines=True, tabs=True)
            for f in fields(self)
            if isinstance(getattr(self, f.name), (str, tuple, Mapping))
        }
        # visible_data turns tuples into lists: keep the record's own types.
        for name, value in list(changes.items()):
            if isinstance(getattr(self, name), tuple):
                changes[name] = tuple(value)
        return replace(self, **changes)


#: What the readers below accept: a record, nothing, or the old dict shape (a test's, an
#: older caller's). `Result.data` itself is a record or None.
AnyData = ActionData | Mapping[str, Any] | None


def data_dict(data: AnyData) -> dict[str, Any]:
    """The outcome in its journal shape."""
    if data is None:
        return {}
    return data.as_dict() if isinstance(data, ActionData) else dict(data)


def sent_of(data: AnyData) -> tuple[str, ...]:
    """The command log of an outcome: the exact commands it sent, in order."""
    if isinstance(data, ActionData):
        return tuple(getattr(data, "sent", ()))
    return str_tuple(data.get("sent")) if data is not None else ()


@dataclass(frozen=True)
class Writes(ActionData):
    """Writes to several targets (flag cells, queues), each done or failed on its own.
    `verb` names the done list in the journal ("written", "paused", "resumed")."""

    verb: str
    done: tuple[str, ...] = ()
    sent: tuple[str, ...] = ()
    #: Set when any write failed: each failure with its reason, and which of those
    #: certainly did not change and which may have (the write was sent; the answer was lost).
    failed: tuple[str, ...] | None = None
    not_changed: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        if self.failed is None:
            # As older versions wrote it: a flag write that all went through kept only its commands.
            if self.verb == "written":
                return {"sent": list(self.sent)}
            return {self.verb: list(self.done), "sent": list(self.sent)}
        return {
            self.verb: list(self.done),
            "failed": list(self.failed),
            "not_changed": list(self.not_changed),
            "unknown": list(self.unknown),
            "sent": list(self.sent),
        }

    @classmethod
    def from_dict(cls, verb: str, d: Mapping[str, Any]) -> Writes:
        failed = d.get("failed")
        return cls(
            verb,
            str_tuple(d.get(verb)),
            str_tuple(d.get("sent")),
            str_tuple(failed) if isinstance(failed, list) else None,
            str_tuple(d.get("not_changed")),
            str_tuple(d.get("unknown")),
        )


@dataclass(frozen=True)
class FlagReadback(ActionData):
    """What every flag cell serves after a write (rollout %, None = unreadable)."""

    readback: Mapping[str, float | None]

    def as_dict(self) -> dict[str, Any]:
        return {"readback": dict(self.readback)}


@dataclass(frozen=True)
class QueuesStillRunning(ActionData):
    """A pause that did not hold: queues still running, and those that could not be read."""

    running: tuple[str, ...]
    unreadable: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"running": list(self.running), "unreadable": list(self.unreadable)}


@dataclass(frozen=True)
class QueueCounts:
    depth: float | None
    in_flight: int | None


@dataclass(frozen=True)
class QueuesPaused(ActionData):
    """A pause that holds: each queue's depth and in-flight count as read back."""

    states: Mapping[str, QueueCounts]

    def as_dict(self) -> dict[str, Any]:
        return {"states": {n: {"depth": s.depth, "in_flight": s.in_flight} for n, s in self.states.items()}}


@dataclass(frozen=True)
class CheckStepRun:
    ok: bool
    latency: float | None
    status: int | None
    reason: str | None


@dataclass(frozen=True)
class ChecksRun(ActionData):
    """The user-path checks run now: every step's outcome."""

    steps: Mapping[str, CheckStepRun]

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": {
                name: {"ok": s.ok, "latency": s.latency, "status": s.status, "reason": s.reason}
                for name, s in self.steps.items()
            }
        }


@dataclass(frozen=True)
class UpdateSent(ActionData):
    """A status or customer update as sent (the figures refreshed at send: name -> (old, new))."""

    audience: str
    text: str
    sent_to: str
    sent: tuple[str, ...]
    refreshed: Mapping[str, tuple[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "text": self.text,
            "sent_to": self.sent_to,
            "sent": list(self.sent),
            "refreshed": {k: list(v) for k, v in self.refreshed.items()},
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> UpdateSent:
        refreshed = d.get("refreshed")
        return cls(
            str(d.get("audience") or ""),
            str(d.get("text") or ""),
            str(d.get("sent_to") or ""),
            str_tuple(d.get("sent")),
            {
                str(k): (str(v[0]), str(v[1]))
                for k, v in (refreshed.items() if isinstance(refreshed, Mapping) else ())
                if isinstance(v, (list, tuple)) and len(v) == 2
            },
        )


@dataclass(frozen=True)
class Commands(ActionData):
    """Only the command log (the drill's single-command actions)."""

    sent: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"sent": list(self.sent)}


@dataclass(frozen=True)
class GuardStopped(ActionData):
    """An action its guard stopped: HALT or PAUSE, and the readings that decided it."""

    guard: str
    guard_readings: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"guard": self.guard, "guard_readings": list(self.guard_readings)}


@dataclass(frozen=True)
class Observed(ActionData):
    """What the drill's read-back saw: values by name (regions, queues) and what still lags.
    `key` names the mapping in the journal ("regions", "depths")."""

    key: str
    values: Mapping[str, float | int]
    lagging: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.key: dict(self.values)}
        if self.lagging is not None:
            out["lagging"] = list(self.lagging)
        return out


@dataclass(frozen=True)
class QueueHeld(ActionData):
    """The drill's pause read back: paused, and how many jobs wait."""

    paused: bool
    waiting: int

    def as_dict(self) -> dict[str, Any]:
        return {"paused": self.paused, "waiting": self.waiting}


@dataclass(frozen=True)
class Serving(ActionData):
    """The release the service serves after a revert."""

    release: str

    def as_dict(self) -> dict[str, Any]:
        return {"release": self.release}
