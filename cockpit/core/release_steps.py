"""The runbook a release map derives: declare and alert, then one step per undo action in
the planned order (`release_plan.plan`), then verify, watch, update and close.

Each undo step carries its change, owner, backup, approvers, `after`, preconditions (on
the change's first step) and verify conditions (on its last). The first step of a phase
keeps the guides' key (s, f, r, c, p, j); further ones are reached from the palette and the
runbook panel. The first action instance of a kind keeps the default instance name
(`pause_risky`, `flags_safe`, `revert`, ...), so `cockpit act` and older journals read the
same; further instances are named `KIND:STEP`.
"""

from __future__ import annotations

from cockpit.config import Config
from cockpit.config.release import GuardRule, ReleaseMap
from cockpit.config.release_undo import undo_kinds
from cockpit.core.guard import GuardSpec, restart_guard
from cockpit.core.release_plan import PlannedUndo, plan
from cockpit.core.runbook import FRAME_HEAD, FRAME_TAIL, ActionRef, Phase, StepDef, default_steps


def _targets(planned: PlannedUndo) -> str:
    words = []
    for key in ("queues", "flags", "caches", "checks", "script"):
        value = planned.undo.params.get(key)
        if isinstance(value, str):
            words.append(value)
        elif isinstance(value, (list, tuple)):
            words += [str(v) for v in value]
    return ", ".join(words)


def _guard(rule: GuardRule | None, kind: str, config: Config) -> GuardSpec | None:
    """The change's guard on each of its undo steps; a staged restart without one keeps the
    default runbook's (the error rate over the restart limit)."""
    if rule is not None:
        return GuardSpec(rule.failure, rule.failure_limit)
    return restart_guard(config) if kind == "restart_staged" else None


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def release_steps(release_map: ReleaseMap, config: Config) -> tuple[StepDef, ...]:
    """The runbook of a release: the default frame around the release's undo steps."""
    defaults = default_steps(config)
    # The default step of each undo phase (one per phase without a config): its key, name, short.
    frame = (*FRAME_HEAD, *FRAME_TAIL)
    by_phase = {s.phase: s for s in default_steps() if s.phase not in frame}
    head = [s for p in FRAME_HEAD for s in defaults if s.phase is p]
    tail = [s for p in FRAME_TAIL for s in defaults if s.phase is p]
    keys = {s.key for s in (*head, *tail) if s.key}
    names = {s.action.name for s in (*head, *tail) if s.action}
    phases_seen: set[Phase] = set()
    undo_steps = []
    for p in plan(release_map):
        phase = Phase(p.phase)
        default = by_phase.get(phase)
        change = p.change
        name = default.action.name if default and default.action and default.action.kind == p.undo.kind else p.undo.kind
        if name in names:
            name = f"{p.undo.kind}:{p.step_id}"
        names.add(name)
        params = {k: v for k, v in p.undo.params.items() if k != "step"}
        params["name"] = name
        key = default.key if default and default.key not in keys else ""
        keys.add(key)
        targets = _targets(p)
        spec = undo_kinds()[p.undo.kind]
        first_of_phase = phase not in phases_seen
        phases_seen.add(phase)
        short = default.short if default and first_of_phase else _clip(targets or spec.step_title(""), 14)
        owner = change.owner + (f" (backup {change.backup})" if change.backup else "")
        undo_steps.append(
            StepDef(
                p.step_id,
                spec.step_title(targets),
                short,
                key,
                f"undoes {change.id}: {change.what} — {owner or 'no owner named'}",
                phase,
                ActionRef(p.undo.kind, params),
                change=change.id,
                owner=change.owner,
                backup=change.backup,
                approvers=change.approvers,
                after=p.after,
                preconditions=change.precondition if p.first else (),
                verify=change.verify if p.last else (),
                guard=_guard(change.guard, p.undo.kind, config),
            )
        )
    return (*head, *undo_steps, *tail)
