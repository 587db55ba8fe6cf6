"""The drill's long actions: the data repair (counted, hashed, exact-row-count or ROLLBACK)
and the staged restart (workers back a few at a time; the step's guard — the error rate,
as on real systems — is asked before each stage and after it settles, and a halt or rising
duplicates stop it where it is: nothing is paused or throttled back by itself).

Imports inside methods and functions are deferred on purpose: the outcome records and
backends load when an action runs, not while the cockpit starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cockpit.actions import Preview, Progress, Result, sql_lines
from cockpit.actions.guarded import Checkpoint, GuardStop, no_checkpoint
from cockpit.config import Config, RepairScript
from cockpit.core.detail_text import words
from cockpit.drill.actions import DrillAction
from cockpit.drill.world import FULL_CONCURRENCY, QueueState

STAGED_START_WORKERS = 2


class RepairData(DrillAction):
    name = "repair"
    title = "Run the reviewed data repair"

    def _script(self) -> RepairScript:
        """The step's script (`script` param), else the first; the simulated world repairs
        every kind of bad row at once, whichever script runs."""
        wanted = self.params.get("script")
        repairs = self.config.actions.repairs
        return next((r for r in repairs if r.name == wanted), repairs[0])

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
        from cockpit.actions.data_long import RepairRun  # the outcome records load when an action runs

        script = self._script()
        sql = "\n;\n".join(s.sql.strip() for s in script.statements)
        ledger = RepairRun(
            script.name,
            script.reviewed_by,
            sql,
            _sha256(sql),
            dict(preview.counts),
            tuple(_repair_sent(self.config, script, preview.counts)),
        )
        progress("BEGIN")
        await self.wait(2)
        now = self._counts()
        for name, expected in preview.counts.items():
            if now[name] != expected:
                progress("ROLLBACK")
                ledger = replace(ledger, sent=(*ledger.sent[:-1], ledger.sent[-1].replace("COMMIT", "ROLLBACK")))
                return Result(
                    False,
                    f"rolled back: {name!r} would touch {now[name]:,} rows, preview said {expected:,} "
                    f"({now[name] - expected:+,})",
                    state_left="nothing changed (the whole transaction was rolled back); "
                    "rows are still changing: stop the writer, then preview again",
                    data=replace(ledger, mismatch={name: now[name]}),
                )
        applied, marked, message = self._apply()
        for name, rows in applied.items():
            progress(f"UPDATE {rows} ({name})")
        progress("COMMIT")
        return Result(True, message, data=replace(ledger, applied=applied, marked_for_review=marked))

    def _apply(self) -> tuple[dict[str, int], int, str]:
        """Run the script on the world: rows per statement, rows marked for review, the outcome."""
        done = self.world.repair()
        applied = {"release duplicates": done["released_duplicates"], "mark for review": done["marked_for_review"]}
        message = (
            f"repaired: {done['released_duplicates']:,} duplicates released, "
            f"{done['marked_for_review']:,} orders marked for review"
        )
        return applied, done["marked_for_review"], message

    async def verify(self, preview: Preview, executed: Result) -> Result:
        from cockpit.actions.data_long import CountsAfter

        self.sync()
        counts = self._counts()
        if not executed.ok:
            return Result(False, "no change to verify", state_left=executed.state_left)
        if any(counts.values()):
            return Result(
                False,
                f"suspects after repair: {words(counts)}",
                state_left="committed, but new bad rows appear",
                data=CountsAfter(counts),
            )
        return Result(True, "suspect counts are 0 after the repair", data=CountsAfter(counts))


class RecomputeTotals(RepairData):
    """The drill release's second reviewed repair: order totals written under the new rule
    (while the stale cart cache served them) recomputed from their lines."""

    SCRIPT = "recompute-order-totals"
    title = "Recompute order totals"

    def _script(self) -> RepairScript:
        return next(r for r in self.config.actions.repairs if r.name == self.SCRIPT)

    def _counts(self) -> dict[str, int]:
        return {"recompute totals": int(self.world.wrong_totals)}

    def _apply(self) -> tuple[dict[str, int], int, str]:
        fixed = self.world.recompute_totals()
        return {"recompute totals": fixed}, 0, f"recomputed {fixed:,} order totals from their lines"


class RestartStaged(DrillAction):
    name = "restart_staged"
    title = "Restart the paused jobs in stages"
    guarded = True

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
            warnings=(
                f"waits {settle:.0f}s after each stage; stops before the next stage if the guard halts or "
                "duplicates rise (nothing is paused again by itself)",
            ),
            nothing_to_do=not stages,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await self.execute_guarded(preview, progress, no_checkpoint)

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        from cockpit.actions.data_long import StagedResume

        settle = self.config.actions.restart.settle
        done: list[str] = []
        sent: list[str] = []
        pending = [(stage, name, queue) for stage, name, queue in self._queues() if queue.paused]

        def stop(index: int, summary: str, this: str, guard: str | None = None) -> Result:
            later = tuple(name for _, name, _ in pending[index + 1 :])
            return Result(
                False,
                summary,
                state_left=f"resumed: {', '.join(done) or 'none'}; {this}; still paused: {', '.join(later) or 'none'}",
                data=StagedResume(
                    tuple(done), tuple(sent), stopped_at=pending[index][1], still_paused=later, guard=guard
                ),
            )

        for index, (stage, name, queue) in enumerate(pending):
            try:
                await checkpoint(f"stage {stage}")
            except GuardStop as exc:
                return stop(
                    index, f"{exc.word} before stage {stage}: {exc.reason}", f"{name} still paused", exc.word.lower()
                )
            before_depth, before_dups = queue.depth, self.world.duplicate_holds
            queue.concurrency = min(STAGED_START_WORKERS, FULL_CONCURRENCY)
            queue.paused = False
            sent.extend(_resume_sent(self.config, name))
            progress(f"stage {stage}: {name} resumed at {queue.concurrency} workers ({int(queue.depth):,} waiting)")
            await self.wait(settle)
            running = f"{name} running at {queue.concurrency} workers (left running: nothing is undone by itself)"
            try:
                await checkpoint(f"the stage after {stage}", fresh=True)
            except GuardStop as exc:
                done.append(name)
                return stop(index, f"{exc.word} after stage {stage}: {exc.reason}", running, exc.word.lower())
            if worse := self._worse(before_dups):
                done.append(name)
                return stop(index, f"stage {stage} ({name}) made things worse: {worse}; stopped here", running)
            queue.concurrency = FULL_CONCURRENCY
            progress(
                f"stage {stage}: {name} at full concurrency ({FULL_CONCURRENCY}); depth "
                f"{int(before_depth):,} -> {int(queue.depth):,}"
            )
            await self.wait(settle / 2)
            if worse := self._worse(before_dups):
                done.append(name)
                return stop(
                    index,
                    f"{name} at full concurrency made things worse: {worse}; stopped here",
                    f"{name} running at {FULL_CONCURRENCY} workers (not throttled back by itself)",
                )
            done.append(name)
        return Result(
            True,
            f"resumed in stages: {', '.join(done) or 'nothing was paused'}",
            data=StagedResume(tuple(done), tuple(sent)),
        )

    def _worse(self, dups_before: float) -> str:
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
        from cockpit.actions.data import Observed  # the outcome records load when an action ends

        return Result(True, f"all queues running; depths: {shown}", data=Observed("depths", depths))


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


def _resume_sent(config: Config, name: str) -> tuple[str, ...]:
    """What resuming one drill queue sends on a real system: its kind says (the registry's)."""
    from cockpit.backends.queues.registry import kind as queue_kind

    queue = next(q for q in config.queues if q.name == name)
    return queue_kind(queue.kind).describe_set_paused(queue, config.queue_server(queue), paused=False)


def _sha256(text: str) -> str:
    import hashlib  # only a drill repair needs it; start-up does not

    return hashlib.sha256(text.encode()).hexdigest()
