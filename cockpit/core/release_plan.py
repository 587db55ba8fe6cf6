"""The order a release map's undo runs in: declare and alert first, then every undo action
in a topological order of `after`, ties broken by the guides' default order (stop the
damage, flags/config, revert, caches, data repair, jobs, verify, watch, update, close),
then the runbook's own verify, watch, update and close.

One undo action instance is one step. A change with several undo actions (pause a queue,
later restart it) is several steps, in phase order; `after = ["x"]` puts every step of the
change after every step of change x (x's undo must be done, and verified, first).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cockpit.config.release import Change, ReleaseMap, Undo
from cockpit.config.release_undo import undo_kinds

#: The guides' default order (the runbook's `Phase` values, in order).
PHASE_ORDER = (
    "declare",
    "alert",
    "stop",
    "flags",
    "revert",
    "cache",
    "repair",
    "restart",
    "verify",
    "watch",
    "update",
    "close",
)


def phase_rank(phase: str) -> int:
    return PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER)


@dataclass(frozen=True)
class PlannedUndo:
    """One undo step of the plan: its step id, the change it undoes, the action, its phase,
    and the step ids that must be done first."""

    step_id: str
    change: Change
    undo: Undo
    phase: str
    after: tuple[str, ...]
    first: bool  # the change's first step (where its preconditions are asked)
    last: bool  # the change's last step (where "undone" is verified)


def topological(nodes: Sequence[str], after: Mapping[str, Sequence[str]], rank: Mapping[str, int]) -> list[str]:
    """Every node after the nodes it names in `after`; among those ready, the lowest rank
    first, then the order given. Raises ValueError on a cycle (the loader reports it first)."""
    position = {n: i for i, n in enumerate(nodes)}
    waiting = {n: {d for d in after.get(n, ()) if d in position} for n in nodes}
    needed_by: dict[str, list[str]] = {n: [] for n in nodes}
    for node, deps in waiting.items():
        for dep in deps:
            needed_by[dep].append(node)
    ready = [(rank[n], position[n], n) for n in nodes if not waiting[n]]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        _, _, node = heapq.heappop(ready)
        out.append(node)
        for later in needed_by[node]:
            waiting[later].discard(node)
            if not waiting[later]:
                heapq.heappush(ready, (rank[later], position[later], later))
    if len(out) != len(nodes):
        raise ValueError("cycle among: " + ", ".join(n for n in nodes if n not in out))
    return out


def _step_ids(change: Change, undos: Sequence[Undo]) -> list[str]:
    """The undo's own `step`, else the change id (one undo), else `change:kind` (`:2`, `:3` for repeats)."""
    ids, seen = [], dict[str, int]()
    for undo in undos:
        seen[undo.kind] = seen.get(undo.kind, 0) + 1
        step = undo.params.get("step")
        if isinstance(step, str):
            ids.append(step)
        elif len(undos) == 1:
            ids.append(change.id)
        else:
            ids.append(f"{change.id}:{undo.kind}" + (f":{seen[undo.kind]}" if seen[undo.kind] > 1 else ""))
    return ids


def plan(release_map: ReleaseMap) -> tuple[PlannedUndo, ...]:
    """The release's undo steps in the order they should run."""
    per_change: dict[str, list[tuple[str, Undo, str]]] = {}
    for change in release_map.changes:
        undos = sorted(change.undo, key=lambda u: phase_rank(undo_kinds()[u.kind].phase))  # stable
        ids = _step_ids(change, undos)
        per_change[change.id] = [(sid, u, undo_kinds()[u.kind].phase) for sid, u in zip(ids, undos, strict=True)]
    after: dict[str, tuple[str, ...]] = {}
    nodes: list[str] = []
    rank: dict[str, int] = {}
    info: dict[str, tuple[Change, Undo, str, bool, bool]] = {}
    for change in release_map.changes:
        steps = per_change[change.id]
        # Another change's undo done first: its last step (its earlier ones precede that one).
        before = tuple(per_change[dep][-1][0] for dep in change.after if dep in per_change)
        for i, (sid, undo, phase) in enumerate(steps):
            nodes.append(sid)
            rank[sid] = phase_rank(phase)
            after[sid] = before + ((steps[i - 1][0],) if i else ())
            info[sid] = (change, undo, phase, i == 0, i == len(steps) - 1)
    return tuple(
        PlannedUndo(sid, info[sid][0], info[sid][1], info[sid][2], after[sid], info[sid][3], info[sid][4])
        for sid in topological(nodes, after, rank)
    )


def release_record(release_map: ReleaseMap, planned: Sequence[PlannedUndo] | None = None) -> dict[str, object]:
    """The release map as the journal keeps it (kind `release`, written once when the session
    starts with a release file): what the report needs, with no config."""
    planned = plan(release_map) if planned is None else planned
    steps_of: dict[str, list[PlannedUndo]] = {}
    for p in planned:
        steps_of.setdefault(p.change.id, []).append(p)
    r = release_map.release
    return {
        "v": 1,
        "id": r.id,
        "title": r.title,
        "shipped_at": r.shipped_at,
        "owner": r.owner,
        "backup": r.backup,
        "links": dict(r.links),
        "changes": [
            {
                "id": c.id,
                "kind": c.kind,
                "what": c.what,
                "owner": c.owner,
                "backup": c.backup,
                "after": list(c.after),
                "precondition": [x.text for x in c.precondition],
                "verify": [x.text for x in c.verify],
                "guard": {"failure": [x.text for x in c.guard.failure], "failure_limit": c.guard.failure_limit}
                if c.guard
                else None,
                "undo": [{"step": p.step_id, "undo": p.undo.describe()} for p in steps_of.get(c.id, [])],
                "steps": [p.step_id for p in steps_of.get(c.id, [])],
            }
            for c in release_map.changes
        ],
        "order": [p.step_id for p in planned],
    }
