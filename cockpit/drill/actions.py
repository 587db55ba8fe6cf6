"""The drill's rollback actions: the same `Action` interface as the real backends. The long
ones (repair in batches, staged restart) are in `long_actions.py`.

Imports inside methods and functions are deferred on purpose: the outcome records and
backends load when an action runs, not while the cockpit starts."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.config import Config
from cockpit.core.timebase import Timebase
from cockpit.drill.world import REGIONS, FlagState, World


class DrillAction(Action):
    #: The step's `ActionRef` params (the drill's world decides what they change).
    params: Mapping[str, object] = MappingProxyType({})

    def __init__(self, world: World, timebase: Timebase, config: Config) -> None:
        self.world = world
        self.timebase = timebase
        self.config = config

    def sync(self) -> None:
        self.world.advance(self.timebase.elapsed())

    async def wait(self, seconds: float) -> None:
        await self.timebase.sleep(seconds)
        self.sync()


class PauseRiskyQueues(DrillAction):
    name = "pause_risky"
    title = "Pause the risky queues"

    async def preview(self) -> Preview:
        self.sync()
        q = self.world.retry
        if q.paused:
            return Preview(self.name, self.title, ("payment-retry is already paused",), nothing_to_do=True)
        return Preview(
            self.name,
            self.title,
            (
                f"payment-retry (rq on redis 'jobs'): {int(q.depth):,} waiting, {q.concurrency} in flight, "
                f"{int(q.failed):,} failed",
            ),
            {"queues": 1, "waiting": int(q.depth), "in_flight": q.concurrency},
            warnings=(
                "RQ suspension (rq:suspended) stops EVERY rq queue on redis 'jobs', not just this one.",
                "Jobs keep arriving while paused: the queue will grow until the staged restart.",
            ),
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        self.sync()
        self.world.retry.paused = True
        progress("SET rq:suspended 1 on redis 'jobs'")
        from cockpit.actions.data import Commands  # the outcome records load when an action runs

        return Result(True, "payment-retry suspended", data=Commands(("redis 'jobs': SET rq:suspended 1",)))

    async def verify(self, preview: Preview, executed: Result) -> Result:
        await self.wait(2)
        from cockpit.actions.data import QueueHeld

        q = self.world.retry
        if q.paused:
            return Result(
                True,
                f"payment-retry paused; in flight 0, {int(q.depth):,} waiting (will grow)",
                data=QueueHeld(True, int(q.depth)),
            )
        return Result(False, "payment-retry is still running", state_left="the queue is not paused")


class MaintenanceSwitch(DrillAction):
    name = "maintenance"
    title = "Toggle checkout read-only (maintenance) in every region"
    step = None

    async def preview(self) -> Preview:
        self.sync()
        turning_on = not all(v >= 100 for v in self.world.read_only.desired.values())
        verb = "ON: checkout accepts no new orders" if turning_on else "OFF: checkout accepts orders again"
        return Preview(
            self.name,
            self.title,
            tuple(f"checkout_read_only@{r} -> {verb}" for r in REGIONS),
            {"regions": len(REGIONS), "on": int(turning_on)},
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        value = 100.0 if preview.counts.get("on") else 0.0
        for region in REGIONS:
            self.world.set_flag(self.world.read_only, region, value)
        from cockpit.actions.data import Writes

        return Result(
            True,
            f"read-only switch set {'on' if value else 'off'} in {len(REGIONS)} regions",
            data=Writes("written", (), tuple(_flag_writes(self.config, "checkout_read_only", bool(value), REGIONS))),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return await _read_back(
            self, self.world.read_only, "checkout_read_only", 100.0 if preview.counts.get("on") else 0.0
        )


class FlagsToSafe(DrillAction):
    name = "flags_safe"
    title = "Set every flag to its safe value in every region"

    async def preview(self) -> Preview:
        self.sync()
        state = self.world.new_checkout
        changes = [f"new_checkout@{r}: {_pct(state.observed[r])} -> off" for r in REGIONS if state.desired[r] != 0]
        already = [r for r in REGIONS if state.desired[r] == 0]
        lines = tuple(changes) + ((f"already off: {', '.join(already)}",) if already else ())
        return Preview(
            self.name,
            self.title,
            lines,
            {"cells": len(changes), "regions": len(REGIONS)},
            warnings=("A kill switch: enabled = false (never 0 %).",),
            nothing_to_do=not changes,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        written = []
        for region in REGIONS:
            if self.world.new_checkout.desired[region] != 0:
                self.world.set_flag(self.world.new_checkout, region, 0.0)
                written.append(region)
                progress(f"new_checkout@{region}: disabled in the control plane")
        from cockpit.actions.data import Writes

        return Result(
            True,
            f"new_checkout disabled in {len(REGIONS)} regions (control plane)",
            data=Writes("written", (), tuple(_flag_writes(self.config, "new_checkout", False, written))),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return await _read_back(self, self.world.new_checkout, "new_checkout", 0.0)


async def _read_back(action: DrillAction, flag: FlagState, name: str, want: float, patience: float = 60.0) -> Result:
    """Read every region back until it agrees, or say which regions still disagree."""
    from cockpit.actions.data import Observed

    waited = 0.0
    while True:
        action.sync()
        lagging = [r for r in REGIONS if flag.observed[r] != want]
        if not lagging:
            return Result(
                True,
                f"{name} reads back {_pct(want)} in every region (after {waited:.0f}s)",
                data=Observed("regions", {r: flag.observed[r] for r in REGIONS}),
            )
        if waited >= patience:
            return Result(
                False,
                f"{name} still disagrees in {', '.join(lagging)} after {waited:.0f}s",
                state_left="the control plane has the safe value; those regions have not synced",
                data=Observed("regions", {r: flag.observed[r] for r in REGIONS}, tuple(lagging)),
            )
        await action.wait(2.0)
        waited += 2.0


def _pct(value: float) -> str:
    return "off" if value <= 0 else ("on" if value >= 100 else f"{value:.0f}%")


class RevertRelease(DrillAction):
    name = "revert"
    title = "Revert the release"
    ROLLOUT_SECONDS = 20.0

    async def preview(self) -> Preview:
        self.sync()
        argv = " ".join(self.config.actions.revert.argv) if self.config.actions.revert else "?"
        if not self.world.bad_release_live:
            return Preview(self.name, self.title, (f"already on {self.world.release}",), nothing_to_do=True)
        return Preview(
            self.name,
            self.title,
            (f"run (no shell): {argv}", f"release {self.world.release} -> 2026.11.2", "3 replicas in 3 regions"),
            {"replicas": 3},
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        self.sync()
        self.world.start_revert(self.ROLLOUT_SECONDS)
        self.world.start_outage()  # ap-south's flag agent restarts with the rollout: UNREACHABLE, then STALE
        progress("deployment.apps/checkout rolled back")
        for replicas in (1, 2, 3):
            await self.wait(self.ROLLOUT_SECONDS / 3)
            progress(
                f'Waiting for deployment "checkout" rollout to finish: {replicas} of 3 updated replicas are available...'
            )
        await self.wait(1)
        progress('deployment "checkout" successfully rolled out')
        from cockpit.actions.data_long import RevertRun  # the outcome records load when an action ends

        argv = self.config.actions.revert.argv if self.config.actions.revert else ()
        return Result(
            True,
            "revert command exited 0",
            data=RevertRun(
                (f"exec (no shell): {shlex.join(argv)}",),
                command=True,
                exit_status=0,
                duration_s=self.ROLLOUT_SECONDS,
            ),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        self.sync()
        if self.world.bad_release_live:
            return Result(False, f"still serving {self.world.release}", state_left="the rollout has not completed")
        from cockpit.actions.data import Serving

        return Result(True, f"serving {self.world.release} on 3 of 3 replicas", data=Serving(self.world.release))


class ClearCaches(DrillAction):
    name = "clear_caches"
    title = "Clear the named caches"

    async def preview(self) -> Preview:
        self.sync()
        stale = int(self.world.stale_cart_keys)
        return Preview(
            self.name,
            self.title,
            (
                f"cart-totals (redis 'cache', SCAN cart:total:*): {stale:,} keys match "
                f"(of {int(self.world.cart_keys):,} cart keys)",
            ),
            {"keys": stale},
            nothing_to_do=stale == 0,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        from cockpit.actions.data_long import CachesCleared

        self.sync()
        removed = self.world.clear_cart_cache()
        batches = max(1, -(-removed // 500))
        progress(f"UNLINK {removed:,} keys in {batches} batches of 500")
        sent = ["cart-totals: SCAN MATCH cart:total:* COUNT 1000, UNLINK in batches of 500 (redis 'cache')"]
        return Result(True, f"cart-totals: {removed:,} keys removed", data=CachesCleared(removed, tuple(sent)))

    async def verify(self, preview: Preview, executed: Result) -> Result:
        from cockpit.actions.data_long import KeysLeft

        await self.wait(2)
        left = int(self.world.stale_cart_keys)
        if left:
            return Result(
                False,
                f"cart-totals: {left:,} matching keys again 2s later: something still writes them",
                state_left="the cache is being refilled by a writer that was not stopped",
                data=KeysLeft(left),
            )
        return Result(True, "cart-totals: 0 matching keys left", data=KeysLeft(0))


def _flag_writes(config: Config, flag: str, enabled: bool, regions: Sequence[str]) -> list[str]:
    """The write the real flag action would send per region cell (its command-log form)."""
    from cockpit.backends.flags.registry import provider as flag_provider  # on first use: the drill starts without it

    out = []
    for region in config.regions:
        if region.name not in regions:
            continue
        what = flag_provider(region.backend).describe_set(region, flag, enabled)
        out.append(f"{flag}@{region.name}: {what}")
    return out
