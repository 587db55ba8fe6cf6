"""The simulated failed release the drill runs on.

Release 2026.11.3 shipped a new checkout flow behind `new_checkout`, at 25 % in eu-west
and us-east. The new flow fails ~46 % of its payments; every failed payment is retried by
the payment-retry worker, which replays the event too aggressively: each replay can
create a duplicate discount hold or mark an order paid without a captured payment. The
new flow also writes wrong cart totals into the cache.

The world advances in whole simulated seconds from a seeded RNG, so a run with the same
seed and the same actions at the same moments is the same run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cockpit.core.step_meta import kind_of

if TYPE_CHECKING:
    from cockpit.incident.journal import Entry

REGIONS = ("eu-west", "us-east", "ap-south")
#: How long each region's flag agent takes to pick up a control-plane change (us-east lags).
FLAG_SYNC_LAG = {"eu-west": 4.0, "us-east": 45.0, "ap-south": 6.0}
NEW_FLOW_FAILURE = 0.46
BASE_ERROR = 0.004
FULL_CONCURRENCY = 8
OUTAGE_DOWN, OUTAGE_STALE = 45.0, 155.0


@dataclass
class FlagState:
    desired: dict[str, float]
    observed: dict[str, float]
    sync_at: dict[str, float] = field(default_factory=dict)  # region -> sim time it catches up


@dataclass
class QueueState:
    depth: float
    bad: float  # jobs carrying a bad payment event (replaying them does damage)
    failed: float = 0.0
    scheduled: float = 0.0
    concurrency: int = FULL_CONCURRENCY
    paused: bool = False
    per_worker_rate: float = 2.0


class World:
    """The whole simulated checkout system. `advance(t)` steps it to sim time `t`."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.t = 0.0
        self.new_checkout = FlagState(
            {"eu-west": 25.0, "us-east": 25.0, "ap-south": 0.0}, {"eu-west": 25.0, "us-east": 25.0, "ap-south": 0.0}
        )
        self.read_only = FlagState({r: 0.0 for r in REGIONS}, {r: 0.0 for r in REGIONS})
        self.release = "2026.11.3"
        self.bad_release_live = True
        self.revert_until: float | None = None  # rollout of the revert in progress
        self.retry = QueueState(depth=420.0, bad=420.0, failed=31.0, scheduled=12.0, per_worker_rate=1.0)
        self.emails = QueueState(depth=6.0, bad=0.0, concurrency=4, per_worker_rate=1.0)
        self.duplicate_holds = 137.0
        self.paid_uncaptured = 23.0
        self.wrong_totals = 9.0
        self.review_marked = 0
        self.stale_cart_keys = 2400.0
        self.cart_keys = 9100.0
        self.error_observed = 0.079
        self.down: set[str] = set()  # sources made unreachable (fault drills and tests)
        #: A region whose flag agent stops answering (UNREACHABLE), then serves what it had
        #: cached (STALE): (region, down from, stale from, back at), in sim seconds.
        self.outage: tuple[str, float, float, float] | None = None

    def start_outage(self, region: str = "ap-south", down: float = OUTAGE_DOWN, stale: float = OUTAGE_STALE) -> None:
        """Real trouble, once per drill: the region's agent restarts during the rollout."""
        if self.outage is None:
            self.outage = (region, self.t, self.t + down, self.t + down + stale)

    def region_state(self, region: str) -> tuple[str, float]:
        """("ok" | "down" | "stale", since when its answers are frozen) for one flag region."""
        if self.outage is None or self.outage[0] != region:
            return "ok", self.t
        _, start, stale_from, back = self.outage
        if self.t < start or self.t >= back:
            return "ok", self.t
        return ("down" if self.t < stale_from else "stale"), start

    # -- derived state --------------------------------------------------------------
    def new_flow_share(self) -> float:
        """Share of all checkout traffic on the broken new flow (3 regions of equal traffic)."""
        if not self.bad_release_live or self.maintenance_on():
            return 0.0
        return sum(self.new_checkout.observed[r] / 100.0 for r in REGIONS) / len(REGIONS)

    def maintenance_on(self) -> bool:
        return all(v >= 100.0 for v in self.read_only.observed.values())

    def true_error_rate(self) -> float:
        if self.maintenance_on():
            return BASE_ERROR
        rate = BASE_ERROR + self.new_flow_share() * NEW_FLOW_FAILURE
        if not self.bad_release_live and self.stale_cart_keys > 0:
            rate += 0.006  # the old code rejects payments whose cached total is wrong
        return rate

    def bad_writer_active(self) -> bool:
        """Something still writes wrong cart totals: the new flow, or bad replays under the new code."""
        replaying = not self.retry.paused and self.retry.bad > 0
        return self.bad_release_live and (self.new_flow_share() > 0 or replaying)

    # -- time ------------------------------------------------------------------------
    def advance(self, t: float) -> None:
        while self.t + 1.0 <= t:
            self.t += 1.0
            self._step()

    def _step(self) -> None:
        rng = self.rng
        for flag in (self.new_checkout, self.read_only):
            for region, due in list(flag.sync_at.items()):
                if self.t >= due:
                    flag.observed[region] = flag.desired[region]
                    del flag.sync_at[region]
        if self.revert_until is not None and self.t >= self.revert_until:
            self.bad_release_live = False
            self.revert_until = None
            self.release = "2026.11.2"
        true_rate = self.true_error_rate()
        # A 1-minute rate() window: the observed ratio approaches the true one gradually.
        self.error_observed += (true_rate - self.error_observed) * 0.08
        self.error_observed = max(0.0, self.error_observed * (1 + rng.uniform(-0.03, 0.03)))
        # Failed payments on the new flow are enqueued for retry.
        orders_per_s = 0.0 if self.maintenance_on() else 12.0
        failed_payments = orders_per_s * self.new_flow_share() * NEW_FLOW_FAILURE
        self._enqueue(self.retry, failed_payments + 0.15, bad_share=1.0 if failed_payments else 0.0)
        self._work_retry()
        self._enqueue(self.emails, 0.0 if self.maintenance_on() else 2.0 + rng.uniform(-0.5, 0.5), 0.0)
        self._work(self.emails)
        if self.bad_writer_active():
            written = 4.0 * max(self.new_flow_share() * 4, 0.3)
            self.stale_cart_keys += written
            self.cart_keys += written
        if self.stale_cart_keys > 0 and orders_per_s:
            self.wrong_totals += orders_per_s * 0.004 * min(1.0, self.stale_cart_keys / 2000)

    def _enqueue(self, queue: QueueState, count: float, bad_share: float) -> None:
        queue.depth += count
        queue.bad += count * bad_share

    def _work(self, queue: QueueState) -> float:
        if queue.paused or queue.depth <= 0:
            return 0.0
        done = min(queue.depth, queue.concurrency * queue.per_worker_rate)
        bad_done = done * (queue.bad / queue.depth) if queue.depth else 0.0
        queue.depth -= done
        queue.bad = max(0.0, queue.bad - bad_done)
        return bad_done

    def _work_retry(self) -> None:
        bad_done = self._work(self.retry)
        if not bad_done:
            return
        if not self.bad_release_live:
            return  # the previous release has the idempotency guard: replays are no-ops
        self.duplicate_holds += bad_done * 0.35
        self.paid_uncaptured += bad_done * 0.08
        self.retry.failed += bad_done * 0.05

    # -- what the actions do ----------------------------------------------------------
    def set_flag(self, flag: FlagState, region: str, value: float) -> None:
        flag.desired[region] = value
        if flag.observed[region] == value:
            flag.sync_at.pop(region, None)
        else:
            flag.sync_at[region] = self.t + FLAG_SYNC_LAG[region]

    def start_revert(self, duration: float) -> None:
        self.revert_until = self.t + duration

    def clear_cart_cache(self) -> int:
        removed = int(self.stale_cart_keys)
        self.cart_keys -= self.stale_cart_keys
        self.stale_cart_keys = 0.0
        return removed

    def repair(self) -> dict[str, int]:
        released = int(self.duplicate_holds)
        marked = int(self.paid_uncaptured) + int(self.wrong_totals)
        # Fractions are rows not written yet; the repair leaves none behind.
        self.duplicate_holds = self.paid_uncaptured = self.wrong_totals = 0.0
        self.review_marked += marked
        return {"released_duplicates": released, "marked_for_review": marked}

    def recompute_totals(self) -> int:
        """The release's second repair: wrong order totals recomputed (none left, none marked)."""
        fixed = int(self.wrong_totals)
        self.wrong_totals = 0.0
        return fixed

    # -- resuming from a journal ---------------------------------------------------------
    def restore(self, entries: list[Entry]) -> None:
        """Continue from a journal: the last readings it holds, and the effect of every
        action it reports done (an action that never reported stays undone: state unknown)."""
        suspects = {
            "duplicate discount holds": "duplicate_holds",
            "paid without captured payment": "paid_uncaptured",
            "orders with wrong total": "wrong_totals",
        }
        queues = {"payment-retry": self.retry, "emails": self.emails}
        for entry in entries:
            data = entry.data
            readings = [data] if entry.kind == "reading" else []
            readings += [data[k] for k in ("before", "after") if isinstance(data.get(k), dict)]
            for reading in readings:
                # A damaged journal line must not stop a resume: take only what reads as numbers.
                counts = reading.get("suspects")
                for name, value in counts.items() if isinstance(counts, dict) else ():
                    if name in suspects and isinstance(value, (int, float)):
                        setattr(self, suspects[name], float(value))
                depths = reading.get("queues")
                for name, value in depths.items() if isinstance(depths, dict) else ():
                    if name in queues and isinstance(value, (int, float)):
                        queues[name].depth = float(value)
                        queues[name].bad = min(queues[name].bad, float(value))
            if data.get("phase") in ("result", "reverify") and data.get("ok") is True:
                self._replay_action(str(data.get("action", "")), data)

    def _replay_action(self, name: str, data: dict[str, Any]) -> None:
        """What a journaled action did to the world, by its kind (the name is an instance:
        `pause_risky`, `repair:recompute-order-totals`); a kind that changes nothing here has no entry."""
        replay = _REPLAY.get(kind_of(name))
        if replay is not None:
            replay(self, data)

    def _paused(self, data: dict[str, Any]) -> None:
        self.retry.paused = True

    def _flags_safe(self, data: dict[str, Any]) -> None:
        for region in REGIONS:
            self.new_checkout.desired[region] = self.new_checkout.observed[region] = 0.0

    def _maintenance(self, data: dict[str, Any]) -> None:
        regions = data.get("regions")
        for region, value in regions.items() if isinstance(regions, dict) else ():
            if region in REGIONS and isinstance(value, (int, float)):
                self.read_only.desired[region] = self.read_only.observed[region] = float(value)

    def _reverted(self, data: dict[str, Any]) -> None:
        self.bad_release_live, self.release = False, "2026.11.2"

    def _caches_cleared(self, data: dict[str, Any]) -> None:
        self.cart_keys -= self.stale_cart_keys
        self.stale_cart_keys = 0.0

    def _repaired(self, data: dict[str, Any]) -> None:
        if data.get("script") == "recompute-order-totals":  # the drill release's second repair
            self.wrong_totals = 0.0
            return
        self.duplicate_holds = self.paid_uncaptured = self.wrong_totals = 0.0
        marked = data.get("marked_for_review")
        self.review_marked += int(marked) if isinstance(marked, (int, float)) else 0

    def _restarted(self, data: dict[str, Any]) -> None:
        for queue in (self.retry, self.emails):
            queue.paused, queue.concurrency = False, FULL_CONCURRENCY


#: Replaying a journal on the drill's world: each action kind's effect (see `_replay_action`).
_REPLAY: dict[str, Callable[[World, dict[str, Any]], None]] = {
    "pause_queues": World._paused,
    "set_flags": World._flags_safe,
    "maintenance": World._maintenance,
    "revert": World._reverted,
    "clear_caches": World._caches_cleared,
    "repair": World._repaired,
    "restart_staged": World._restarted,
}
