"""Wiring, in one place: what a session is connected to. Real systems (`build_live`: one
source per backend instance, one action per runbook step, from a validated config), the
drill (`build_drill`: the simulated world behind the same interfaces), and a shared
incident (`join_shared`). The session, the command line and the drill wire nothing
themselves. Backend modules load inside the functions that need them, so starting the
drill loads no backend client."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from cockpit.backends import Backends, Targeted
from cockpit.config import Config
from cockpit.core.readings import CHECKS, QUEUES
from cockpit.core.runbook import SESSION_KINDS, ActionRef, StepDef, default_steps
from cockpit.core.source import Source
from cockpit.core.step_meta import distinct_actions
from cockpit.core.timebase import Timebase

if TYPE_CHECKING:
    from cockpit.actions import Action
    from cockpit.drill import DrillBackends
    from cockpit.incident.journal import Entry, Journal
    from cockpit.incident.shared import SharedLog


def build_sources(config: Config, environ: Mapping[str, str] | None = None) -> list[Source]:
    """Every source the config describes: Prometheus, one per Redis instance with queues,
    one per flag region, PostgreSQL suspects, one per user-path check."""
    from cockpit.backends.flags import FlagRegionSource
    from cockpit.backends.postgres import PostgresSuspectSource
    from cockpit.backends.prometheus import PrometheusSource
    from cockpit.backends.queues.source import build_queue_sources

    env = dict(environ if environ is not None else os.environ)
    sources: list[Source] = []
    if config.prometheus is not None:
        sources.append(PrometheusSource(config.prometheus, env))
    sources += build_queue_sources(config, env)
    for region in config.regions:
        source = FlagRegionSource(region, config.flags, config, env)
        if source.flags:
            sources.append(source)
    if config.postgres is not None and config.postgres.suspects:
        sources.append(PostgresSuspectSource(config.postgres, env))
    if config.checks:
        from cockpit.backends.checks import CheckSource  # httpx: loaded only when there are checks

        sources += [CheckSource(check, env) for check in config.checks]
    return sources


def update_target(config: Config, environ: Mapping[str, str]) -> Callable[[str], str]:
    """Where updates go, in words for the dialog: the webhook's host (never its secret path)."""
    updates = config.actions.updates

    def target(audience: str) -> str:
        if updates is None or updates.webhook_url_env is None:
            return "the journal only (no webhook configured)"
        url = environ.get(updates.webhook_url_env)
        if not url:
            return f"webhook ${updates.webhook_url_env} — NOT SET: the update would not be sent"
        from urllib.parse import urlsplit

        return f"webhook ${updates.webhook_url_env} at {urlsplit(url).hostname or '?'}"

    return target


def update_sender(config: Config, environ: Mapping[str, str]) -> Callable[[str, str], Awaitable[str]]:
    """Posts an update to the configured chat webhook ({"text": ...}); without one, the journal is the record."""
    updates = config.actions.updates

    async def send(audience: str, text: str) -> str:
        if updates is None or updates.webhook_url_env is None:
            return "recorded in the journal (no webhook configured)"
        url = environ.get(updates.webhook_url_env)
        if not url:
            raise LookupError(f"environment variable {updates.webhook_url_env} is not set: the update was NOT sent")
        import httpx

        async with httpx.AsyncClient(timeout=updates.timeout) as client:
            response = await client.post(url, json={"text": text})
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status_code}: the update was NOT delivered")
        return f"posted to the webhook (HTTP {response.status_code})"

    return send


#: `cockpit act` names that exist only aimed at one queue (`cockpit act pause_queue NAME`).
TARGET_ONLY = ("pause_queue", "resume_queue")


def action_names(steps: Sequence[StepDef], actions: Mapping[str, object]) -> tuple[str, ...]:
    """What `cockpit act` takes: the runbook's action instances (each step's, as the action
    registry built them), the config's other actions (maintenance), and the targeted ones."""
    names = [s.action.name for s in steps if s.action and s.action.kind not in SESSION_KINDS]
    return tuple(dict.fromkeys([*names, *actions, *TARGET_ONLY]))


def build_actions(
    config: Config, sources: list[Source], env: Mapping[str, str], steps: Sequence[StepDef] | None = None
) -> tuple[dict[str, Action], Targeted, list[Callable[[], Awaitable[None]]]]:
    """One action instance per runbook step (the registry's kind, the step's parameters),
    plus the maintenance switch, sharing the sources' clients; and a factory for the same
    actions aimed at one named target (`cockpit act ACTION TARGET`)."""
    from cockpit.actions.cache import ClearCaches
    from cockpit.actions.flags import SetFlags
    from cockpit.actions.kinds import LIVE, LiveContext
    from cockpit.actions.queues import PauseQueues, QueueControl, ResumeQueues
    from cockpit.actions.repair import RepairData
    from cockpit.backends.flags import FlagRegionSource
    from cockpit.backends.prometheus import PrometheusSource

    queue_sources = [s for s in sources if s.kind == QUEUES]
    flag_sources = [s for s in sources if isinstance(s, FlagRegionSource)]
    prometheus = next((s for s in sources if isinstance(s, PrometheusSource)), None)
    control = QueueControl(config, env, queue_sources)
    context = LiveContext(config, env, control, flag_sources, prometheus)
    steps = distinct_actions(default_steps(config) if steps is None else steps)
    actions = LIVE.build_steps(context, steps)
    if (maintenance := LIVE.build(context, ActionRef("maintenance"))) is not None:
        actions.setdefault(maintenance.name, maintenance)

    def step_of(kind: str, key: str, target: str) -> str | None:
        """The runbook step a targeted action counts for (the one of its kind that covers the target)."""
        for step in steps:
            if step.action and step.action.kind == kind and step.action.params.get(key) in (None, target, (target,)):
                return step.id
        return None

    def targeted(name: str, target: str) -> Action:
        if name in (*TARGET_ONLY, "pause_risky"):
            control.queue(target)  # raises with the list of known queues
            if name == "resume_queue":
                return ResumeQueues(control, [target], title=f"Resume {target}")
            return PauseQueues(control, [target], name="pause_queue", title=f"Pause {target}", step=None)
        action: Action
        if name == "clear_caches":
            action = ClearCaches(config, [_named(config.actions.caches, target, "cache")], env)
            action.step = step_of("clear_caches", "caches", target)
            return action
        if name == "repair":
            if config.postgres is None:
                raise LookupError("no [postgres] section: repairs need postgres.repair_dsn_env")
            action = RepairData(_named(config.actions.repairs, target, "repair script"), config.postgres, env)
            action.step = step_of("repair", "script", target)
            return action
        if name == "flags_safe":
            flag = _named(config.flags, target, "flag")
            return SetFlags(
                flag_sources,
                {flag.name: flag.safe},
                name="flags_safe",
                title=f"Set {flag.name} to its safe value in every region",
                step=step_of("set_flags", "flags", target),
            )
        raise LookupError(f"{name} takes no TARGET")

    return actions, targeted, [control.close]


class _Named(Protocol):
    @property
    def name(self) -> str: ...


_N = TypeVar("_N", bound=_Named)


def _named(items: Sequence[_N], name: str, what: str) -> _N:
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none configured"
    raise LookupError(f"no {what} named {name!r} (configured: {known})")


def build_live(
    config: Config, environ: Mapping[str, str] | None = None, steps: Sequence[StepDef] | None = None
) -> Backends:
    """Real systems for `steps` (default: the config's default runbook)."""
    env = dict(environ if environ is not None else os.environ)
    steps = distinct_actions(default_steps(config) if steps is None else steps)
    sources = build_sources(config, env)
    checks = [s for s in sources if s.kind == CHECKS]
    actions, targeted, closers = build_actions(config, sources, env, steps)
    return Backends(
        config,
        Timebase(),
        sources,
        actions,
        update_sender(config, env),
        label="LIVE",
        update_target=update_target(config, env),
        checks=checks,
        targeted=targeted,
        closers=closers,
        steps=steps,
    )


def build_drill(
    seed: int = 7, speed: float = 1.0, config: Config | None = None, steps: Sequence[StepDef] | None = None
) -> DrillBackends:
    """The drill's simulated incident behind the same interfaces (see `cockpit.drill`)."""
    from cockpit.drill import build_drill as simulated

    return simulated(seed=seed, speed=speed, config=config, steps=None if steps is None else tuple(steps))


def join_shared(config: Config, journal: Journal, on_foreign: Callable[[dict[str, Any]], Entry | None]) -> SharedLog:
    """The shared incident store of `[shared]`: every operator's entries and the step locks."""
    from cockpit.incident.shared import SharedLog

    shared = config.shared
    if shared is None:
        raise LookupError("joining needs a [shared] section (redis, incident)")
    url = config.redis_named(shared.redis).resolve_url(os.environ)
    return SharedLog(url, shared.incident, journal, on_foreign, lock_ttl=shared.lock_ttl)
