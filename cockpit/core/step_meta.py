"""Steps as data beyond the runbook itself: giving each step its own action instance, and
reading back from a journal the steps it was worked with (its declare entry's `steps`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from cockpit.core.runbook import ActionRef, Phase, StepDef, default_steps
from cockpit.incident.journal import Entry


def distinct_actions(steps: Sequence[StepDef]) -> tuple[StepDef, ...]:
    """Each step its own action instance: a step whose action name an earlier step already
    uses (a release announcing through `status_update` besides the alert step) gets
    `KIND:STEP_ID` as its instance name. The first keeps its name (old journals' names)."""
    seen: set[str] = set()
    out = []
    for step in steps:
        if step.action is not None and step.action.name in seen:
            ref = ActionRef(step.action.kind, {**step.action.params, "name": f"{step.action.kind}:{step.id}"})
            step = replace(step, action=ref)
        if step.action is not None:
            seen.add(step.action.name)
        out.append(step)
    return tuple(out)


def steps_from_entries(entries: Iterable[Entry]) -> tuple[StepDef, ...]:
    """The steps a journal was worked with (the declare entry's `steps`), for a report or
    a web view that has no config; an old journal without them had the default steps."""
    for entry in entries:
        raw = entry.data.get("steps") if entry.kind == "declare" else None
        if isinstance(raw, list) and raw:
            steps = [_from_meta(m) for m in raw]
            if all(steps):
                return tuple(s for s in steps if s is not None)
    return default_steps()


def _from_meta(meta: object) -> StepDef | None:
    if not isinstance(meta, dict) or not isinstance(meta.get("id"), str) or not meta["id"]:
        return None
    try:
        phase = Phase(meta.get("phase"))
    except ValueError:
        return None
    sid = str(meta["id"])
    title = str(meta.get("title") or sid)
    change = meta.get("change")
    return StepDef(
        sid,
        title,
        str(meta.get("short") or title),
        "",
        "",
        phase,
        None,
        change=str(change) if change else None,
        owner=str(meta.get("owner") or ""),
    )


def kind_of(name: str) -> str:
    """The action kind of an instance name, as a journal records it: the default steps' names
    (`pause_risky` is a `pause_queues`, `flags_safe` a `set_flags`), else `KIND` or `KIND:…`."""
    defaults = {s.action.name: s.action.kind for s in default_steps() if s.action}
    return defaults.get(name) or name.partition(":")[0]
