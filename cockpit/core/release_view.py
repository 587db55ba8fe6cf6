"""The release map, live: each change the release made, what it touched, its undo, owner
(and backup), where its undo steps stand in the runbook, and their state now.

Read from the journal's `release` entry (written when a session starts with a release
file), so it needs no config; the step states come from the runbook. Without a release
entry, the steps that name a change give what they can (id, owner, undo)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cockpit.core.runbook import Runbook, StepState
from cockpit.core.undo_verify import Verdict, verdicts
from cockpit.incident.journal import Entry

RELEASE_KIND = "release"


@dataclass(frozen=True)
class ChangeRow:
    id: str
    kind: str
    what: str
    owner: str
    backup: str
    undo: tuple[str, ...]  # each undo action, as the release file names it
    steps: tuple[str, ...]  # its undo steps' ids
    order: tuple[int, ...]  # their places in the runbook (1-based)
    after: tuple[str, ...]  # changes whose undo must be verified first
    state: str  # not undone, undoing, partly undone (1 of 2), undone, failed, halted/paused by its guard, skipped
    verified: str = (
        ""  # "✔ verified: <reading>", "✖ not verified: <reading>", or "" (not judged yet / nothing to verify)
    )


@dataclass(frozen=True)
class ReleaseView:
    title: str  # "2026.11.3 — New checkout flow …", or why there is no map
    rows: tuple[ChangeRow, ...]


def _strs(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else ()


def change_state(runbook: Runbook, steps: Sequence[str]) -> str:
    """Where a change's undo stands, from its steps' states."""
    states = [runbook.state(s) for s in steps if s in runbook.states]
    if not states:
        return "no undo step"
    for state, word in (
        (StepState.FAILED, "failed"),
        (StepState.HALTED, "halted by its guard"),
        (StepState.PAUSED, "paused by its guard"),
        (StepState.RUNNING, "undoing"),
    ):
        if state in states:
            return word
    if all(s is StepState.SKIPPED for s in states):
        return "skipped"
    done = sum(s in (StepState.DONE, StepState.SKIPPED) for s in states)
    if done == len(states):
        return "undone"
    return "not undone" if done == 0 else f"partly undone ({done} of {len(states)})"


def _verified(steps: Sequence[str], judged: dict[str, Verdict]) -> str:
    """The verdict of the change's last judged step (the one carrying its `verify`)."""
    lines = [judged[s].line for s in steps if s in judged]
    return lines[-1] if lines else ""


def release_view(runbook: Runbook, entries: Iterable[Entry]) -> ReleaseView:
    entries = list(entries)
    judged = verdicts(entries)
    record: dict[str, Any] | None = None
    for entry in entries:
        if entry.kind == RELEASE_KIND and isinstance(entry.data.get("changes"), list):
            record = entry.data  # the latest one wins
    order = {s.id: i for i, s in enumerate(runbook.steps, 1)}
    if record is not None:
        rows = []
        for raw in record["changes"]:
            if not isinstance(raw, dict):
                continue
            steps = _strs(raw.get("steps"))
            undo = tuple(str(u.get("undo", u)) if isinstance(u, dict) else str(u) for u in raw.get("undo") or ())
            rows.append(
                ChangeRow(
                    str(raw.get("id", "?")),
                    str(raw.get("kind", "")),
                    str(raw.get("what", "")),
                    str(raw.get("owner", "")),
                    str(raw.get("backup", "")),
                    undo,
                    steps,
                    tuple(order[s] for s in steps if s in order),
                    _strs(raw.get("after")),
                    change_state(runbook, steps),
                    _verified(steps, judged),
                )
            )
        rid, title = str(record.get("id", "")), str(record.get("title", ""))
        return ReleaseView(f"{rid} — {title}" if title and title != rid else rid or "release", tuple(rows))
    by_change: dict[str, list[str]] = {}
    for step in runbook.steps:
        if step.change:
            by_change.setdefault(step.change, []).append(step.id)
    if not by_change:
        return ReleaseView("no release file: the runbook is the config's default steps", ())
    rows = []
    for change, ids in by_change.items():
        first = runbook.step(ids[0])
        rows.append(
            ChangeRow(
                change,
                "",
                "",
                first.owner,
                first.backup,
                tuple(runbook.step(s).action_name or "" for s in ids),
                tuple(ids),
                tuple(order[s] for s in ids),
                (),
                change_state(runbook, ids),
                _verified(ids, judged),
            )
        )
    return ReleaseView("release map (from the runbook's steps)", tuple(rows))
