"""Restart jobs in stages: resume the paused queues one stage at a time (lower `stage`
first, the risky ones last), wait, and go on only while it is safe. The step's guard (by
default: the error rate over the configured limit) is asked before every stage; a guard
halt, a resumed queue that keeps growing, or a depth that cannot be read stops before the
next stage and leaves the later stages paused. Nothing is undone by itself: what was
resumed stays resumed, and the result says exactly which."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from itertools import groupby

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data import sent_of
from cockpit.actions.data_long import StagedResume
from cockpit.actions.guarded import Checkpoint, GuardStop, no_checkpoint
from cockpit.actions.outcome import describe
from cockpit.actions.queues import LiveQueue, QueueControl, each_queue
from cockpit.backends.queues.registry import kind as queue_kind
from cockpit.config import Config


class RestartStaged(Action):
    name = "restart_staged"
    title = "Restart the paused jobs in stages"
    guarded = True

    def __init__(self, config: Config, control: QueueControl) -> None:
        self.config = config
        self.control = control

    async def _paused(self) -> list[tuple[int, list[str]]]:
        names = [q.name for q in self.config.queues if not q.discover]
        states = await self.control.states(names)
        paused = sorted((self.control.queue(n).stage, n) for n, s in states.items() if s.paused)
        return [(stage, [n for _, n in group]) for stage, group in groupby(paused, key=lambda p: p[0])]

    async def _observe(self, names: list[str]) -> tuple[dict[str, LiveQueue], str | None]:
        """The stage's queues' states, or why they cannot be read."""
        try:
            states = await self.control.states(names)
        except Exception as exc:  # noqa: BLE001 - an unreadable Redis stops the restart, it does not crash it
            return {}, f"queue depth: {describe(exc)}"
        unreadable = [
            f"{n}: {states[n].error}" if n in states else f"{n}: no reading"
            for n in names
            if n not in states or states[n].error
        ]
        return states, ("queue depth: " + "; ".join(unreadable) if unreadable else None)

    async def preview(self) -> Preview:
        stages = await self._paused()
        states = await self.control.states([n for _, names in stages for n in names]) if stages else {}
        lines = [
            f"stage {stage}: " + ", ".join(f"{n} ({int(states[n].depth or 0):,} waiting)" for n in names)
            for stage, names in stages
        ]
        warnings = [
            f"waits {self.config.actions.restart.settle:g}s after each stage; stops before the next stage if the "
            "guard halts, a resumed queue keeps growing, or its depth cannot be read (nothing is re-paused by itself)"
        ]
        # A kind whose pause covers more than one queue (rq: one suspension per Redis) says so.
        shared = {
            (queue.kind, note)
            for _, names in stages
            for queue in map(self.control.queue, names)
            if (note := queue_kind(queue.kind).pause_note)
        }
        warnings += [
            f"{kind} queues share one pause ({note}): resuming one resumes them all" for kind, note in sorted(shared)
        ]
        return Preview(
            self.name,
            self.title,
            tuple(lines) or ("nothing is paused",),
            {"stages": len(stages), "queues": sum(len(n) for _, n in stages)},
            warnings=tuple(warnings),
            nothing_to_do=not stages,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await self.execute_guarded(preview, progress, no_checkpoint)

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        stages = await self._paused()
        resumed: list[str] = []
        sent: list[str] = []  # every stage's commands: the command log

        def stop(index: int, summary: str, this_stage: str, guard: str | None = None) -> Result:
            later = [n for _, names in stages[index + 1 :] for n in names]
            left = f"resumed: {', '.join(resumed) or 'none'}; {this_stage}; still paused: {', '.join(later) or 'none'}"
            return Result(
                False,
                summary,
                state_left=left,
                data=StagedResume(tuple(resumed), tuple(sent), stages[index][0], tuple(later), guard=guard),
            )

        for index, (stage, names) in enumerate(stages):
            waiting = f"stage {stage} ({', '.join(names)}) still paused"
            try:
                await checkpoint(f"stage {stage}")
            except GuardStop as exc:
                return stop(index, f"{exc.word} before stage {stage}: {exc.reason}", waiting, guard=exc.word.lower())
            before, blind = await self._observe(names)
            if blind:
                return stop(index, f"stage {stage} not started: cannot watch it ({blind})", waiting)
            step = await each_queue(self.control, names, paused=False, progress=_prefixed(progress, f"stage {stage}: "))
            sent += sent_of(step.data)
            if not step.ok:
                return stop(index, f"stage {stage}: {step.summary}", f"stage {stage}: {step.state_left}")
            await asyncio.sleep(self.config.actions.restart.settle)
            running = f"stage {stage} ({', '.join(names)}) resumed"
            try:
                # Readings taken after the settle: the stage's own effect.
                await checkpoint(f"the stage after {stage}", fresh=True)
            except GuardStop as exc:
                resumed += names
                return stop(
                    index,
                    f"{exc.word} after stage {stage}: {exc.reason}; stopped before the next stage",
                    f"{running} (left running: nothing is undone by itself)",
                    guard=exc.word.lower(),
                )
            after, blind = await self._observe(names)
            if blind:
                return stop(
                    index,
                    f"stage {stage} resumed but cannot be judged ({blind}); stopped before the next stage",
                    f"{running} and NOT watched",
                )
            worse = self._worse(names, before, after)
            if worse:
                resumed += names
                return stop(
                    index,
                    f"stage {stage} ({', '.join(names)}) made things worse: {worse}; stopped before the next stage "
                    "(not paused again by itself: pause it with the stop step if it must stop)",
                    f"{running} and growing",
                )
            resumed += names
            depths = ", ".join(f"{n} {int(before[n].depth or 0):,} -> {int(after[n].depth or 0):,}" for n in names)
            progress(f"stage {stage} holds: {depths}")
        return Result(
            True,
            f"resumed in stages: {', '.join(resumed) or 'nothing was paused'}",
            data=StagedResume(tuple(resumed), tuple(sent)),
        )

    def _worse(self, names: Sequence[str], before: dict[str, LiveQueue], after: dict[str, LiveQueue]) -> str:
        growing = [n for n in names if (after[n].depth or 0) > (before[n].depth or 0) * 1.05 + 5]
        return "still growing after resume: " + ", ".join(growing) if growing else ""

    async def verify(self, preview: Preview, executed: Result) -> Result:
        still = [n for _, names in await self._paused() for n in names]
        if still:
            return Result(False, f"still paused: {', '.join(still)}", state_left=executed.state_left)
        return Result(True, "no configured queue is paused")


def _prefixed(progress: Progress, prefix: str) -> Progress:
    """Progress lines of one stage, each led by the stage's name."""
    return lambda line: progress(prefix + line)
