"""The drill's sources: the same `Source` interface as the real backends, reading the World."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from cockpit.config import Config
from cockpit.core.details import CheckResult, Detail, ErrorRateSample, FlagCell, QueueDetail, SuspectCount
from cockpit.core.details import QueueState as RealQueueState
from cockpit.core.readings import CHECKS, ERROR_RATE, FLAGS, QUEUES, SUSPECTS, Reading
from cockpit.core.timebase import Timebase
from cockpit.drill.world import REGIONS, QueueState, World

SUSPECT_NAMES = ("duplicate discount holds", "paid without captured payment", "orders with wrong total")


class DrillSource(ABC):
    """Advances the world to now, then reads one panel's worth of it."""

    kind = ""

    def __init__(self, world: World, timebase: Timebase, interval: float, timeout: float = 2.0) -> None:
        self.world = world
        self.timebase = timebase
        self.interval = interval
        self.timeout = timeout
        self.ident = f"drill:{self.kind}"

    def expected_names(self) -> Sequence[str]:
        return ()

    async def read(self) -> list[Reading]:
        if self.kind in self.world.down:
            raise ConnectionError(f"connection refused (drill fault on {self.kind})")
        self.world.advance(self.timebase.elapsed())
        return self._read()

    @abstractmethod
    def _read(self) -> list[Reading]:
        """This panel's readings from the world as it is now."""

    async def close(self) -> None:
        return None

    def _reading(self, name: str, value: float | str | None, detail: Detail | None = None) -> Reading:
        return Reading(self.kind, name, value, self.timebase.now(), None, detail)


class ErrorRateSource(DrillSource):
    kind = ERROR_RATE
    NAME = "checkout 5xx ratio"

    def expected_names(self) -> Sequence[str]:
        return (self.NAME,)

    def _read(self) -> list[Reading]:
        return [self._reading(self.NAME, round(self.world.error_observed, 5), ErrorRateSample())]

    async def backfill(self) -> dict[str, list[tuple[datetime, float]]]:
        """Fifteen minutes of the incident so far: the ratio climbed when the flag went to 25 %."""
        now = self.timebase.now()
        rng = self.world.rng
        points: list[tuple[datetime, float]] = []
        for i in range(60, 0, -1):
            at = now - timedelta(seconds=i * 15)
            ramp = 0.004 if i > 40 else 0.004 + (0.075 * min(1.0, (40 - i) / 12))
            points.append((at, ramp * (1 + rng.uniform(-0.04, 0.04))))
        return {self.NAME: points}


class QueueSource(DrillSource):
    kind = QUEUES

    def expected_names(self) -> Sequence[str]:
        return ("payment-retry", "emails")

    def _read(self) -> list[Reading]:
        w = self.world
        retry, emails = w.retry, w.emails
        return [
            Reading(
                QUEUES,
                "payment-retry",
                float(int(retry.depth)),
                self.timebase.now(),
                None,
                _queue(retry, "payment-retry", "rq", risky=True, stage=2, counted=True),
            ),
            Reading(
                QUEUES,
                "emails",
                float(int(emails.depth)),
                self.timebase.now(),
                None,
                _queue(emails, "emails", "celery"),
            ),
        ]


def _queue(
    queue: QueueState, name: str, kind: str, *, risky: bool = False, stage: int = 1, counted: bool = False
) -> QueueDetail:
    """The drill queue as a real Redis queue reading describes it (`counted`: the kind keeps
    failed and scheduled counts, as rq does; celery keeps none)."""
    return QueueDetail(
        RealQueueState(
            int(queue.depth),
            in_flight=0 if queue.paused else min(int(queue.depth), queue.concurrency),
            failed=int(queue.failed) if counted else None,
            scheduled=int(queue.scheduled) if counted else None,
            oldest_age=_wait(queue),
            paused=queue.paused,
        ),
        kind=kind,
        server="jobs",
        queue=name,
        risky=risky,
        stage=stage,
        redis="jobs",
        workers=queue.concurrency,
    )


def _wait(queue: QueueState) -> float:
    """How long the oldest job has waited, for a FIFO queue drained at the workers' rate."""
    return queue.depth / max(1e-9, queue.concurrency * queue.per_worker_rate) if queue.depth >= 1 else 0.0


class FlagSource(DrillSource):
    kind = FLAGS

    def __init__(self, world: World, timebase: Timebase, interval: float, safe: Mapping[str, bool]) -> None:
        super().__init__(world, timebase, interval)
        self.safe = dict(safe)  # each flag's safe value from the config, as a live region reports it

    def expected_names(self) -> Sequence[str]:
        return tuple(f"{flag}@{r}" for flag in ("new_checkout", "checkout_read_only") for r in REGIONS)

    def _read(self) -> list[Reading]:
        out = []
        for flag, state in (("new_checkout", self.world.new_checkout), ("checkout_read_only", self.world.read_only)):
            for region in REGIONS:
                health, since = self.world.region_state(region)
                if health == "down":
                    out.append(
                        Reading(
                            FLAGS,
                            f"{flag}@{region}",
                            None,
                            self.timebase.now(),
                            f"{region} flag agent not answering (connection reset)",
                            FlagCell(flag, region),
                        )
                    )
                    continue
                if health == "stale":
                    # The agent is back but serves what it cached when it went down: the reading
                    # carries that time, so the board shows it STALE with its age.
                    at = self.timebase.now() - timedelta(seconds=self.world.t - since)
                    out.append(
                        Reading(
                            FLAGS,
                            f"{flag}@{region}",
                            state.observed[region],
                            at,
                            None,
                            FlagCell(
                                flag,
                                region,
                                enabled=state.observed[region] > 0,
                                rollout=state.observed[region],
                                cached=True,
                                safe=self.safe.get(flag),
                            ),
                        )
                    )
                    continue
                if f"flags@{region}" in self.world.down:
                    out.append(
                        Reading(
                            FLAGS,
                            f"{flag}@{region}",
                            None,
                            self.timebase.now(),
                            f"{region} flag API timed out",
                            FlagCell(flag, region),
                        )
                    )
                    continue
                observed, desired = state.observed[region], state.desired[region]
                cell = FlagCell(
                    flag,
                    region,
                    enabled=observed > 0,
                    rollout=observed,
                    safe=self.safe.get(flag),
                    desired_rollout=desired,
                    desired_enabled=desired > 0,
                )
                out.append(Reading(FLAGS, f"{flag}@{region}", observed, self.timebase.now(), None, cell))
        return out


class SuspectSource(DrillSource):
    kind = SUSPECTS

    def expected_names(self) -> Sequence[str]:
        return SUSPECT_NAMES

    def _read(self) -> list[Reading]:
        w = self.world
        values = (w.duplicate_holds, w.paid_uncaptured, w.wrong_totals)
        return [
            self._reading(name, float(int(v)), SuspectCount("zero"))
            for name, v in zip(SUSPECT_NAMES, values, strict=True)
        ]


class CheckSource(DrillSource):
    kind = CHECKS

    def __init__(self, world: World, timebase: Timebase, config: Config) -> None:
        check = config.checks[0]
        super().__init__(world, timebase, check.interval, check.timeout)
        self.check = check

    def expected_names(self) -> Sequence[str]:
        return tuple(f"{self.check.name}/{s.name}" for s in self.check.steps)

    def _read(self) -> list[Reading]:
        w, rng = self.world, self.world.rng
        maintenance = w.maintenance_on()
        outcomes = {
            "log in": (503, "maintenance mode") if maintenance else (200, ""),
            "add to cart": (503, "maintenance mode")
            if maintenance
            else ((201, "cart total mismatch (stale cache)") if w.stale_cart_keys > 0 else (201, "")),
            "pay": (503, "maintenance mode")
            if maintenance
            else (
                (502, "payment failed: HTTP 502")
                if rng.random() < max(0.0, w.true_error_rate() - 0.008) * 12
                else (200, "")
            ),
        }
        base_latency = {"log in": 0.12, "add to cart": 0.21, "pay": 0.55}
        out = []
        for step in self.check.steps:
            status, reason = outcomes[step.name]
            latency = base_latency[step.name] * (1 + rng.uniform(-0.15, 0.25)) + w.true_error_rate() * 2
            ok = status == step.expect_status and not reason and latency <= step.budget
            if not reason and latency > step.budget:
                reason = f"over budget ({latency * 1000:.0f} ms > {step.budget * 1000:.0f} ms)"
            if status != step.expect_status and not reason:
                reason = f"HTTP {status}, expected {step.expect_status}"
            out.append(
                self._reading(
                    f"{self.check.name}/{step.name}",
                    round(latency, 3),
                    CheckResult(self.check.name, step.name, ok, status, reason, step.budget),
                )
            )
        return out
