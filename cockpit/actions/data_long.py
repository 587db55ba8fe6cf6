"""Typed outcomes of the long actions: a repair, a cache clear, a staged restart, a revert.
Same rules as `cockpit.actions.data`: `as_dict()` writes the keys older versions wrote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cockpit.actions.data import ActionData, str_tuple


@dataclass(frozen=True)
class RepairRun(ActionData):
    """A repair as run: the reviewed SQL and its hash, the preview it had to match, the command
    log, and what it changed (statement -> rows) or why it did not."""

    script: str
    reviewed_by: str
    sql: str
    sha256: str
    preview: Mapping[str, int]
    sent: tuple[str, ...]
    applied: Mapping[str, int] = field(default_factory=dict)
    marked_for_review: int | None = None
    mismatch: Mapping[str, Any] | None = None  # what did not match the preview (rolled back)
    counts_after: Mapping[str, int] | None = None
    commit_unknown: bool = False  # the COMMIT's answer was lost and the read-back could not tell
    commit_lost_in_transit: bool = False  # ... and the read-back shows it went through
    guard: str | None = None  # "halted" / "aborted": the step's guard stopped it (rolled back)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "script": self.script,
            "reviewed_by": self.reviewed_by,
            "sql": self.sql,
            "sha256": self.sha256,
            "preview": dict(self.preview),
            "sent": list(self.sent),
            "applied": dict(self.applied),
        }
        if self.mismatch is not None:
            out["mismatch"] = dict(self.mismatch)
        if self.marked_for_review is not None:
            out["marked_for_review"] = self.marked_for_review
        if self.commit_lost_in_transit:
            out["commit_lost_in_transit"] = True
        if self.counts_after is not None:
            out["counts_after"] = dict(self.counts_after)
        if self.commit_unknown:
            out["commit_unknown"] = True
        if self.guard is not None:
            out["guard"] = self.guard
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RepairRun:
        def counts(value: Any) -> dict[str, int]:
            if not isinstance(value, Mapping):
                return {}
            return {str(k): int(v) for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}

        marked = d.get("marked_for_review")
        return cls(
            str(d.get("script") or ""),
            str(d.get("reviewed_by") or ""),
            str(d.get("sql") or ""),
            str(d.get("sha256") or ""),
            counts(d.get("preview")),
            str_tuple(d.get("sent")),
            counts(d.get("applied")),
            int(marked) if isinstance(marked, (int, float)) and not isinstance(marked, bool) else None,
            d["mismatch"] if isinstance(d.get("mismatch"), Mapping) else None,
            counts(d["counts_after"]) if isinstance(d.get("counts_after"), Mapping) else None,
            bool(d.get("commit_unknown")),
            bool(d.get("commit_lost_in_transit")),
        )

    @property
    def committed(self) -> bool:
        """Rows were applied, whatever the read-back said after."""
        return bool(self.applied) and not self.commit_unknown


@dataclass(frozen=True)
class CountsAfter(ActionData):
    """The preview queries run again after a repair (name -> rows still found)."""

    counts_after: Mapping[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"counts_after": dict(self.counts_after)}


@dataclass(frozen=True)
class CachesCleared(ActionData):
    """Keys removed per cache (or the total, in the drill), failures, and the command log."""

    removed: Mapping[str, int] | int
    sent: tuple[str, ...]
    failed: tuple[str, ...] | None = None
    guard: str | None = None  # "halted" / "aborted": the step's guard stopped it before a batch
    not_started: tuple[str, ...] | None = None  # ... and these caches were not touched

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"removed": self.removed if isinstance(self.removed, int) else dict(self.removed)}
        if self.failed is not None:
            out["failed"] = list(self.failed)
        if self.guard is not None:
            out["guard"] = self.guard
            out["not_started"] = list(self.not_started or ())
        out["sent"] = list(self.sent)
        return out


@dataclass(frozen=True)
class KeysLeft(ActionData):
    """Keys still matching after a clear (per cache, or the total in the drill): a writer refills them."""

    left: Mapping[str, int] | int

    def as_dict(self) -> dict[str, Any]:
        return {"left": self.left if isinstance(self.left, int) else dict(self.left)}


@dataclass(frozen=True)
class StagedResume(ActionData):
    """A staged restart: the queues resumed, where it stopped (and what stays paused), the command log."""

    resumed: tuple[str, ...]
    sent: tuple[str, ...]
    stopped_at: str | int | None = None  # the stage (or, in the drill, the queue) it stopped at
    still_paused: tuple[str, ...] | None = None
    throttled: str | None = None  # the drill: a queue held back to its start concurrency
    guard: str | None = None  # "halted" / "aborted": the step's guard stopped it

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"resumed": list(self.resumed)}
        if self.guard is not None:
            out["guard"] = self.guard
        if self.stopped_at is not None:
            out["stopped_at"] = self.stopped_at
        if self.still_paused is not None:
            out["still_paused"] = list(self.still_paused)
        if self.throttled is not None:
            out["throttled"] = self.throttled
        out["sent"] = list(self.sent)
        return out


@dataclass(frozen=True)
class RevertRun(ActionData):
    """A release revert: the command's exit status and output tail, or the webhook's answer."""

    sent: tuple[str, ...] = ()
    command: bool = False  # a command ran (or was tried): its exit status is recorded, None = none
    exit_status: int | None = None
    duration_s: float | None = None
    output_tail: tuple[str, ...] | None = None
    status: int | None = None  # the webhook's HTTP status
    body: str | None = None  # ... and the start of its answer
    guard: str | None = None  # "halted" / "aborted": the step's guard stopped it (before, or in its watch)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"exit_status": self.exit_status} if self.command else {}
        if self.status is not None:
            out["status"] = self.status
        if self.duration_s is not None:
            out["duration_s"] = self.duration_s
        if self.output_tail is not None:
            out["output_tail"] = list(self.output_tail)
        if self.body is not None:
            out["body"] = self.body
        if self.sent:
            out["sent"] = list(self.sent)
        if self.guard is not None:
            out["guard"] = self.guard
        return out
