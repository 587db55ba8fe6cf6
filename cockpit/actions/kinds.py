"""The live action kinds: each registered once, with its release-file entry (the step's phase
and title, the reader of its `undo` parameters), each instance built from the config and its
step's `ActionRef` params. To add a kind: write the Action, register a factory here, and
name the kind in a step (`default_steps` or a release file's `undo`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.actions import Action
from cockpit.config import Config, RevertAction, release_undo
from cockpit.core.runbook import ActionRef

from .registry import ActionRegistry

if TYPE_CHECKING:
    from cockpit.actions.queues import QueueControl
    from cockpit.backends.flags import FlagRegionSource
    from cockpit.backends.prometheus import PrometheusSource

# Each factory imports its action's module when it builds one: reading a release file (the
# drill's, before its first frame) needs only the kinds' release entries registered below.


@dataclass(frozen=True)
class LiveContext:
    """What live actions share: the config, the environment, and the sources' clients."""

    config: Config
    env: Mapping[str, str]
    control: QueueControl
    flag_sources: Sequence[FlagRegionSource]
    prometheus: PrometheusSource | None


LIVE: ActionRegistry[LiveContext] = ActionRegistry()


def _names(ref: ActionRef, key: str) -> tuple[str, ...] | None:
    """A list parameter (`caches = ["a", "b"]`); None when the step does not narrow it."""
    value = ref.params.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


@LIVE.register("pause_queues", phase="stop", title="Pause {targets}", params=release_undo.read_pause)
def _pause(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.queues import PauseQueues

    if not ctx.config.queues:
        return None
    queues = _names(ref, "queues") or [q.name for q in ctx.config.queues if q.risky and not q.discover]
    title = "Pause the risky queues" if "queues" not in ref.params else "Pause " + ", ".join(queues)
    return PauseQueues(ctx.control, list(queues), name=ref.name, title=title, step=None)


@LIVE.register("maintenance", phase="stop", title="Maintenance switch on", params=release_undo.read_maintenance)
def _maintenance(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.flags import MaintenanceToggle

    maintenance = ctx.config.actions.maintenance
    if not ctx.flag_sources or maintenance is None:
        return None
    return MaintenanceToggle(ctx.flag_sources, maintenance.flag, maintenance.on_value)


@LIVE.register("set_flags", phase="flags", title="{targets} to the safe value", params=release_undo.read_flags)
def _flags(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.flags import SetFlags

    if not ctx.flag_sources:
        return None
    maintenance = ctx.config.actions.maintenance
    wanted = _names(ref, "flags")
    safe = {
        f.name: f.safe
        for f in ctx.config.flags
        if (wanted is None or f.name in wanted) and not (wanted is None and maintenance and f.name == maintenance.flag)
    }
    title = "Set every flag to its safe value in every region"
    if wanted is not None:
        title = f"Set {', '.join(safe)} to the safe value in every region"
    return SetFlags(ctx.flag_sources, safe, name=ref.name, title=title, step=None)


@LIVE.register("revert", phase="revert", title="Revert the release", params=release_undo.read_revert)
def _revert(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.release import RevertRelease

    revert = ctx.config.actions.revert
    argv = ref.params.get("argv")
    if isinstance(argv, (list, tuple)) and argv:
        # A release's change with its own revert command (one service of several), run without a shell.
        own = RevertAction(argv=tuple(str(a) for a in argv), timeout=revert.timeout if revert else 600.0)
        action = RevertRelease(own, ctx.env)
        action.title = f"Revert: {' '.join(own.argv)}"
        return action
    return RevertRelease(revert, ctx.env) if revert else None


@LIVE.register("clear_caches", phase="cache", title="Clear {targets}", params=release_undo.read_caches)
def _caches(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.cache import ClearCaches

    wanted = _names(ref, "caches")
    caches = [c for c in ctx.config.actions.caches if wanted is None or c.name in wanted]
    if not caches:
        return None
    action = ClearCaches(ctx.config, caches, ctx.env)
    if wanted is not None:
        action.title = f"Clear the cache{'s' if len(caches) > 1 else ''} {', '.join(c.name for c in caches)}"
    return action


@LIVE.register("repair", phase="repair", title="Repair data: {targets}", params=release_undo.read_repair)
def _repair(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.repair import RepairData

    repairs, postgres = ctx.config.actions.repairs, ctx.config.postgres
    if not repairs or postgres is None:
        return None
    name = ref.params.get("script")
    script = next((r for r in repairs if r.name == name), None) if name else repairs[0]
    if script is None:
        return None
    action = RepairData(script, postgres, ctx.env)
    if len(repairs) > 1:
        action.title = f"Run the reviewed data repair {script.name}"
    return action


@LIVE.register("restart_staged", phase="restart", title="Restart jobs in stages", params=release_undo.read_restart)
def _restart(ctx: LiveContext, ref: ActionRef) -> Action | None:
    from cockpit.actions.restart import RestartStaged

    return RestartStaged(ctx.config, ctx.control) if ctx.config.queues else None


# Kinds the session builds itself (they read its board and incident: `Backends.session_actions`),
# registered here for the release file only.
LIVE.describe("verify_paths", phase="verify", title="Verify {targets}", params=release_undo.read_verify_paths)
LIVE.describe("status_update", phase="update", title="Status note", params=release_undo.read_template)
LIVE.describe("customer_update", phase="update", title="Customer update", params=release_undo.read_template)
