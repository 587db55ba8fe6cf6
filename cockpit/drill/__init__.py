"""The built-in drill: a simulated failed release behind the same interfaces as real backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from cockpit.actions.registry import ActionRegistry
from cockpit.backends import Backends
from cockpit.config import Config, loads
from cockpit.core.runbook import ActionRef, StepDef, default_steps
from cockpit.core.step_meta import distinct_actions
from cockpit.core.timebase import Timebase
from cockpit.drill import actions as drill_actions
from cockpit.drill import long_actions
from cockpit.drill.sources import CheckSource, ErrorRateSource, FlagSource, QueueSource, SuspectSource
from cockpit.drill.world import World

if TYPE_CHECKING:
    from cockpit.actions import Action
    from cockpit.core.source import Source
    from cockpit.incident.journal import Entry

DRILL_CONFIG = """
[incident]
title = "DRILL: checkout failing after release 2026.11.3"
service = "checkout"
severity = "SEV2"
lead = "drill lead"
journal = "drill.jsonl"
update_interval = "20m"

[prometheus]
url = "http://prometheus.drill:9090"
interval = "2s"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[1m])) / sum(rate(http_requests_total{service="checkout"}[1m]))'
warn = 0.02
critical = 0.05

[redis.jobs]
url = "redis://jobs.drill:6379/0"
interval = "2s"
[redis.cache]
url = "redis://cache.drill:6379/1"

[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
stage = 2

[[queues]]
name = "emails"
redis = "jobs"
kind = "celery"
queue = "emails"
stage = 1

[regions.eu-west]
backend = "unleash"
url = "http://unleash.eu-west.drill:4242"
environment = "production"
interval = "3s"
[regions.us-east]
backend = "redis-hash"
redis = "cache"
key = "flags:us-east"
interval = "3s"
[regions.ap-south]
backend = "http-json"
url = "http://flags.ap-south.drill/flags"
interval = "3s"

[[flags]]
name = "new_checkout"
safe = false
[[flags]]
name = "checkout_read_only"
safe = false

[postgres]
readonly_dsn_env = "DRILL_PG_RO"
repair_dsn_env = "DRILL_PG_REPAIR"
interval = "5s"

[[postgres.suspects]]
name = "duplicate discount holds"
sql = "SELECT count(*) FROM discount_holds GROUP BY order_id, code HAVING count(*) > 1"
[[postgres.suspects]]
name = "paid without captured payment"
sql = "SELECT count(*) FROM orders o WHERE status = 'paid' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.state = 'captured')"
[[postgres.suspects]]
name = "orders with wrong total"
sql = "SELECT count(*) FROM orders o WHERE total <> (SELECT sum(amount) FROM order_lines l WHERE l.order_id = o.id)"

[[checks]]
name = "checkout"
interval = "5s"
[[checks.steps]]
name = "log in"
method = "POST"
url = "https://shop.drill/api/login"
budget = "800ms"
[[checks.steps]]
name = "add to cart"
method = "POST"
url = "https://shop.drill/api/cart/items"
expect_status = 201
budget = "500ms"
[[checks.steps]]
name = "pay"
method = "POST"
url = "https://shop.drill/api/checkout"
budget = "2s"

[actions.revert]
argv = ["kubectl", "--context", "prod", "-n", "shop", "rollout", "undo", "deployment/checkout"]
[actions.maintenance]
flag = "checkout_read_only"
[[actions.caches]]
name = "cart-totals"
redis = "cache"
pattern = "cart:total:*"
[[actions.repairs]]
name = "release-duplicate-holds"
reviewed_by = "dana (payments)"
[[actions.repairs.statements]]
name = "release duplicates"
preview = "SELECT count(*) FROM discount_holds h WHERE released_at IS NULL AND EXISTS (SELECT 1 FROM discount_holds k WHERE k.order_id = h.order_id AND k.code = h.code AND k.released_at IS NULL AND k.id < h.id)"
sql = "UPDATE discount_holds h SET released_at = now() WHERE released_at IS NULL AND EXISTS (SELECT 1 FROM discount_holds k WHERE k.order_id = h.order_id AND k.code = h.code AND k.released_at IS NULL AND k.id < h.id)"
[[actions.repairs.statements]]
name = "mark for review"
marks_review = true
preview = "SELECT count(*) FROM orders o WHERE status = 'paid' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.state = 'captured')"
sql = "UPDATE orders o SET status = 'needs_review' WHERE status = 'paid' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.state = 'captured')"
[actions.restart]
settle = "20s"
max_error_rate = 0.03
[actions.updates]
status = "[{severity}] {title}: {status}. Error rate {error_rate}, suspect records {suspects_total}, queue backlog {queue_backlog}. Lead: {lead}. Next update by {next_update}."
customer = "Some customers could not complete checkout between {started} and {now}. {status_sentence} Next update by {next_update}."

[gate]
window = "2m"
max_error_rate = 0.01
"""


def drill_config() -> Config:
    return loads(DRILL_CONFIG, "<drill>")


@dataclass(frozen=True)
class DrillContext:
    world: World
    timebase: Timebase
    config: Config


#: The drill's action kinds: the same kinds as the live registry, acting on the simulated world.
DRILL: ActionRegistry[DrillContext] = ActionRegistry()
_DRILL_KINDS: dict[str, type[drill_actions.DrillAction]] = {
    "pause_queues": drill_actions.PauseRiskyQueues,
    "maintenance": drill_actions.MaintenanceSwitch,
    "set_flags": drill_actions.FlagsToSafe,
    "revert": drill_actions.RevertRelease,
    "clear_caches": drill_actions.ClearCaches,
    "repair": long_actions.RepairData,
    "restart_staged": long_actions.RestartStaged,
}


def _drill_factory(cls: type[drill_actions.DrillAction]) -> Callable[[DrillContext, ActionRef], Action]:
    def build(ctx: DrillContext, ref: ActionRef) -> Action:
        action = cls(ctx.world, ctx.timebase, ctx.config)
        action.params = ref.params
        return action

    return build


for _kind, _cls in _DRILL_KINDS.items():
    if _kind != "repair":
        DRILL.register(_kind)(_drill_factory(_cls))


@DRILL.register("repair")
def _repair(ctx: DrillContext, ref: ActionRef) -> Action:
    """The reviewed repair; the drill release's second script recomputes order totals."""
    if ref.params.get("script") == long_actions.RecomputeTotals.SCRIPT:
        return long_actions.RecomputeTotals(ctx.world, ctx.timebase, ctx.config)
    return long_actions.RepairData(ctx.world, ctx.timebase, ctx.config)


def build_drill(
    seed: int = 7, speed: float = 1.0, config: Config | None = None, steps: tuple[StepDef, ...] | None = None
) -> DrillBackends:
    """The simulated incident: its world, sources and actions, on a timebase `speed` times faster."""
    config = config or drill_config()
    steps = distinct_actions(default_steps(config) if steps is None else steps)
    timebase = Timebase(speed)
    world = World(seed)
    interval = {r.name: r.interval for r in config.redis}
    checks = CheckSource(world, timebase, config)
    sources: list[Source] = [
        ErrorRateSource(world, timebase, config.prometheus.interval if config.prometheus else 2.0),
        QueueSource(world, timebase, interval.get("jobs", 2.0)),
        FlagSource(
            world,
            timebase,
            min((r.interval for r in config.regions), default=3.0),
            {f.name: f.safe for f in config.flags},
        ),
        SuspectSource(world, timebase, config.postgres.interval if config.postgres else 5.0),
        checks,
    ]
    context = DrillContext(world, timebase, config)
    actions: dict[str, Action] = DRILL.build_steps(context, steps)
    if (maintenance := DRILL.build(context, ActionRef("maintenance"))) is not None:
        actions.setdefault(maintenance.name, maintenance)

    async def send_update(audience: str, text: str) -> str:
        return (
            "posted to #checkout-incident (drill)" if audience == "status" else "published on the status page (drill)"
        )

    def target(audience: str) -> str:
        return "#checkout-incident (drill)" if audience == "status" else "the status page (drill)"

    return DrillBackends(
        config,
        timebase,
        sources,
        actions,
        send_update,
        label="DRILL",
        checks=[checks],
        world=world,
        update_target=target,
        steps=steps,
    )


@dataclass
class DrillBackends(Backends):
    """The drill's backends, plus the simulated world (tests and fault drills reach into it)."""

    world: World | None = None
    local_reads: ClassVar[bool] = True

    def resume(self, entries: list[Entry]) -> None:
        """The drill continues from the journal's state, not from scratch."""
        if self.world is not None:
            self.world.restore(entries)
