"""The drill's rollback actions: the same `Action` interface as the real backends."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from cockpit.actions import Action, Preview, Progress, Result, sql_lines
from cockpit.backends.flags.registry import provider as flag_provider
from cockpit.backends.queues.base import redacted_url
from cockpit.config import Config, RepairScript
from cockpit.core.detail_text import words
from cockpit.core.timebase import Timebase
from cockpit.drill.world import FULL_CONCURRENCY, REGIONS, FlagState, QueueState, World

STAGED_START_WORKERS = 2


class DrillAction(Action):
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
    step = "stop"

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
        return Result(True, "payment-retry suspended", data={"sent": ["redis 'jobs': SET rq:suspended 1"]})

    async def verify(self, preview: Preview, executed: Result) -> Result:
        await self.wait(2)
        q = self.world.retry
        if q.paused:
            return Result(
                True,
                f"payment-retry paused; in flight 0, {int(q.depth):,} waiting (will grow)",
                data={"paused": True, "waiting": int(q.depth)},
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
        return Result(
            True,
            f"read-only switch set {'on' if value else 'off'} in {len(REGIONS)} regions",
            data={"sent": _flag_writes(self.config, "checkout_read_only", bool(value), REGIONS)},
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return await _read_back(
            self, self.world.read_only, "checkout_read_only", 100.0 if preview.counts.get("on") else 0.0
        )


class FlagsToSafe(DrillAction):
    name = "flags_safe"
    title = "Set every flag to its safe value in every region"
    step = "flags"

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
        return Result(
            True,
            f"new_checkout disabled in {len(REGIONS)} regions (control plane)",
            data={"sent": _flag_writes(self.config, "new_checkout", False, written)},
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return await _read_back(self, self.world.new_checkout, "new_checkout", 0.0)


async def _read_back(action: DrillAction, flag: FlagState, name: str, want: float, patience: float = 60.0) -> Result:
    """Read every region back until it agrees, or say which regions still disagree."""
    waited = 0.0
    while True:
        action.sync()
        lagging = [r for r in REGIONS if flag.observed[r] != want]
        if not lagging:
            return Result(
                True,
                f"{name} reads back {_pct(want)} in every region (after {waited:.0f}s)",
                data={"regions": {r: flag.observed[r] for r in REGIONS}},
            )
        if waited >= patience:
            return Result(
                False,
                f"{name} still disagrees in {', '.join(lagging)} after {waited:.0f}s",
                state_left="the control plane has the safe value; those regions have not synced",
                data={"regions": {r: flag.observed[r] for r in REGIONS}, "lagging": lagging},
            )
        await action.wait(2.0)
        waited += 2.0


def _pct(value: float) -> str:
    return "off" if value <= 0 else ("on" if value >= 100 else f"{value:.0f}%")


class RevertRelease(DrillAction):
    name = "revert"
    title = "Revert the release"
    step = "revert"
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
        argv = self.config.actions.revert.argv if self.config.actions.revert else ()
        return Result(
            True,
            "revert command exited 0",
            data={
                "exit_status": 0,
                "duration_s": self.ROLLOUT_SECONDS,
                "sent": [f"exec (no shell): {shlex.join(argv)}"],
            },
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        self.sync()
        if self.world.bad_release_live:
            return Result(False, f"still serving {self.world.release}", state_left="the rollout has not completed")
        return Result(True, f"serving {self.world.release} on 3 of 3 replicas", data={"release": self.world.release})


class ClearCaches(DrillAction):
    name = "clear_caches"
    title = "Clear the named caches"
    step = "cache"

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
        self.sync()
        removed = self.world.clear_cart_cache()
        batches = max(1, -(-removed // 500))
        progress(f"UNLINK {removed:,} keys in {batches} batches of 500")
        sent = ["cart-totals: SCAN MATCH cart:total:* COUNT 1000, UNLINK in batches of 500 (redis 'cache')"]
        return Result(True, f"cart-totals: {removed:,} keys removed", data={"removed": removed, "sent": sent})

    async def verify(self, preview: Preview, executed: Result) -> Result:
        await self.wait(2)
        left = int(self.world.stale_cart_keys)
        if left:
            return Result(
                False,
                f"cart-totals: {left:,} matching keys again 2s later: something still writes them",
                state_left="the cache is being refilled by a writer that was not stopped",
                data={"left": left},
            )
        return Result(True, "cart-totals: 0 matching keys left", data={"left": 0})


class RepairData(DrillAction):
    name = "repair"
    title = "Run the reviewed data repair"
    step = "repair"

    def _script(self) -> RepairScript:
        return self.config.actions.repairs[0]

    def _counts(self) -> dict[str, int]:
        w = self.world
        return {
            "release duplicates": int(w.duplicate_holds),
            "mark for review": int(w.paid_uncaptured) + int(w.wrong_totals),
        }

    async def preview(self) -> Preview:
        self.sync()
        script = self._script()
        counts = self._counts()
        lines = tuple(
            f"{name}: {n:,} rows (statement {i + 1} of {len(counts)})" for i, (name, n) in enumerate(counts.items())
        )
        return Preview(
            self.name,
            self.title,
            (f"script {script.name!r} reviewed by {script.reviewed_by}, one transaction", *lines),
            counts,
            warnings=(f"guard: each statement must touch exactly its preview count; max {script.max_rows:,} rows",),
            nothing_to_do=not any(counts.values()),
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        script = self._script()
        sql = "\n;\n".join(s.sql.strip() for s in script.statements)
        ledger: dict[str, Any] = {
            "script": script.name,
            "reviewed_by": script.reviewed_by,
            "sha256": _sha256(sql),
            "sql": sql,
            "preview": dict(preview.counts),
            "sent": _repair_sent(self.config, script, preview.counts),
        }
        progress("BEGIN")
        await self.wait(2)
        now = self._counts()
        for name, expected in preview.counts.items():
            if now[name] != expected:
                progress("ROLLBACK")
                ledger["sent"] = [*ledger["sent"][:-1], ledger["sent"][-1].replace("COMMIT", "ROLLBACK")]
                return Result(
                    False,
                    f"rolled back: {name!r} would touch {now[name]:,} rows, preview said {expected:,} "
                    f"({now[name] - expected:+,})",
                    state_left="nothing changed (the whole transaction was rolled back); "
                    "rows are still changing: stop the writer, then preview again",
                    data={**ledger, "applied": {}, "mismatch": {name: now[name]}},
                )
        applied = self.world.repair()
        progress(f"UPDATE {applied['released_duplicates']} (release duplicates)")
        progress(f"UPDATE {applied['marked_for_review']} (mark for review)")
        progress("COMMIT")
        return Result(
            True,
            f"repaired: {applied['released_duplicates']:,} duplicates released, "
            f"{applied['marked_for_review']:,} orders marked for review",
            data={
                **ledger,
                "applied": {
                    "release duplicates": applied["released_duplicates"],
                    "mark for review": applied["marked_for_review"],
                },
                "marked_for_review": applied["marked_for_review"],
            },
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        self.sync()
        counts = self._counts()
        if not executed.ok:
            return Result(False, "no change to verify", state_left=executed.state_left)
        if any(counts.values()):
            return Result(
                False,
                f"suspects after repair: {words(counts)}",
                state_left="committed, but new bad rows appear",
                data={"counts_after": counts},
            )
        return Result(True, "suspect counts are 0 after the repair", data={"counts_after": counts})


class RestartStaged(DrillAction):
    name = "restart_staged"
    title = "Restart the paused jobs in stages"
    step = "restart"

    def _queues(self) -> list[tuple[int, str, QueueState]]:
        by_name = {"payment-retry": self.world.retry, "emails": self.world.emails}
        return sorted((q.stage, q.name, by_name[q.name]) for q in self.config.queues if q.name in by_name)

    async def preview(self) -> Preview:
        self.sync()
        stages = [(stage, name, q) for stage, name, q in self._queues() if q.paused or q.concurrency < FULL_CONCURRENCY]
        lines = tuple(
            f"stage {stage}: {name}: {int(q.depth):,} waiting"
            + (f", resumes at {STAGED_START_WORKERS} workers then {FULL_CONCURRENCY}" if q.paused else "")
            for stage, name, q in stages
        )
        settle = self.config.actions.restart.settle
        return Preview(
            self.name,
            self.title,
            lines or ("nothing is paused",),
            {"stages": len({s for s, _, _ in stages}), "waiting": sum(int(q.depth) for _, _, q in stages)},
            warnings=(f"waits {settle:.0f}s after each stage; stops if errors rise or a queue grows",),
            nothing_to_do=not stages,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        settle = self.config.actions.restart.settle
        limit = self.config.actions.restart.max_error_rate or self.config.gate.max_error_rate * 2
        done: list[str] = []
        sent: list[str] = []
        for stage, name, queue in self._queues():
            if not queue.paused:
                continue
            before_depth, before_dups = queue.depth, self.world.duplicate_holds
            queue.concurrency = min(STAGED_START_WORKERS, FULL_CONCURRENCY)
            queue.paused = False
            sent.append(_resume_sent(self.config, name))
            progress(f"stage {stage}: {name} resumed at {queue.concurrency} workers ({int(queue.depth):,} waiting)")
            await self.wait(settle)
            worse = self._worse(before_dups, limit)
            if worse:
                queue.paused = True
                return Result(
                    False,
                    f"stage {stage} ({name}) made things worse: {worse}; paused it again",
                    state_left=f"resumed: {', '.join(done) or 'none'}; {name} and later stages paused",
                    data={"resumed": done, "stopped_at": name, "sent": sent},
                )
            queue.concurrency = FULL_CONCURRENCY
            progress(
                f"stage {stage}: {name} at full concurrency ({FULL_CONCURRENCY}); depth "
                f"{int(before_depth):,} -> {int(queue.depth):,}"
            )
            await self.wait(settle / 2)
            if worse := self._worse(before_dups, limit):
                queue.concurrency = STAGED_START_WORKERS
                return Result(
                    False,
                    f"{name} at full concurrency made things worse: {worse}; back to {STAGED_START_WORKERS} workers",
                    state_left=f"{name} running at {STAGED_START_WORKERS} workers",
                    data={"resumed": [*done, name], "throttled": name, "sent": sent},
                )
            done.append(name)
        return Result(
            True, f"resumed in stages: {', '.join(done) or 'nothing was paused'}", data={"resumed": done, "sent": sent}
        )

    def _worse(self, dups_before: float, limit: float) -> str:
        if self.world.error_observed > limit:
            return f"error rate {self.world.error_observed:.1%} over {limit:.1%}"
        if int(self.world.duplicate_holds) > int(dups_before):
            return f"duplicate discount holds rose {int(dups_before)} -> {int(self.world.duplicate_holds)}"
        return ""

    async def verify(self, preview: Preview, executed: Result) -> Result:
        self.sync()
        paused = [name for _, name, q in self._queues() if q.paused]
        if paused:
            return Result(False, f"still paused: {', '.join(paused)}", state_left=executed.state_left)
        depths = {name: int(q.depth) for _, name, q in self._queues()}
        shown = ", ".join(f"{name} {depth:,}" for name, depth in depths.items())
        return Result(True, f"all queues running; depths: {shown}", data={"depths": depths})


def _flag_writes(config: Config, flag: str, enabled: bool, regions: Sequence[str]) -> list[str]:
    """The write the real flag action would send per region cell (its command-log form)."""
    out = []
    for region in config.regions:
        if region.name not in regions:
            continue
        what = flag_provider(region.backend).describe_set(region, flag, enabled)
        out.append(f"{flag}@{region.name}: {what}")
    return out


def _repair_sent(config: Config, script: Any, counts: Mapping[str, int]) -> list[str]:
    """What the real repair sends, in order (its command-log form), ending in COMMIT."""
    where = f"postgres (DSN from ${config.postgres.repair_dsn_env if config.postgres else '?'})"
    sent = [
        f"{where}: BEGIN",
        f"{where}: SELECT set_config('statement_timeout', '{int(script.statement_timeout * 1000)}', true)",
        f"{where}: SELECT set_config('lock_timeout', '5000', true)",
    ]
    for statement in script.statements:
        sent += sql_lines(
            f"{where}: {statement.name} (no parameters; must touch exactly "
            f"{counts.get(statement.name, 0):,} rows, else ROLLBACK):",
            statement.sql,
        )
    return [*sent, f"{where}: COMMIT"]


def _resume_sent(config: Config, name: str) -> str:
    """What resuming one drill queue sends on a real system."""
    queue = next((q for q in config.queues if q.name == name), None)
    if queue is not None and queue.kind == "celery":
        url = next((r.url for r in config.redis if r.name == queue.redis and r.url), "?")
        return f"celery control add_consumer queue={queue.queue or name} via {redacted_url(url)}"
    return f"redis {queue.redis if queue else 'jobs'!r}: DEL rq:suspended"


def _sha256(text: str) -> str:
    import hashlib  # only a drill repair needs it; start-up does not

    return hashlib.sha256(text.encode()).hexdigest()
