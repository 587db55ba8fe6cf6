"""Restart jobs in stages: resume the paused queues one stage at a time (lower `stage`
first, the risky ones last), wait, and stop if a stage makes things worse — or if what
judges a stage (the error rate, the queue depths) cannot be read: a restart that cannot
be watched does not go on to the next stage."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from itertools import groupby

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data import StagedResume, sent_of
from cockpit.actions.outcome import describe
from cockpit.actions.queues import LiveQueue, QueueControl, each_queue
from cockpit.backends.prometheus import PrometheusSource
from cockpit.backends.queues.registry import kind as queue_kind
from cockpit.config import Config


class RestartStaged(Action):
    name = "restart_staged"
    title = "Restart the paused jobs in stages"

    def __init__(self, config: Config, control: QueueControl, prometheus: PrometheusSource | None) -> None:
        self.config = config
        self.control = control
        self.prometheus = prometheus
        self.limit = config.actions.restart.max_error_rate or config.gate.max_error_rate * 2

    async def _paused(self) -> list[tuple[int, list[str]]]:
        names = [q.name for q in self.config.queues if not q.discover]
        states = await self.control.states(names)
        paused = sorted((self.control.queue(n).stage, n) for n, s in states.items() if s.paused)
        return [(stage, [n for _, n in group]) for stage, group in groupby(paused, key=lambda p: p[0])]

    async def _error_rate(self) -> tuple[float | None, str | None]:
        """The worst error rate now, or why it cannot be read. (None, None) without
        Prometheus, or without traffic (no data, NaN): then depth alone judges a stage."""
        if self.prometheus is None:
            return None, None
        try:
            readings = await self.prometheus.read()
        except Exception as exc:  # noqa: BLE001 - an unreadable error rate stops the restart, it does not crash it
            return None, describe(exc)
        values = [r.value for r in readings if isinstance(r.value, float) and not math.isnan(r.value)]
        if values:
            return max(values), None
        errors = [r.error for r in readings if r.error]
        return None, (errors[0] if errors else None)

    async def _observe(self, names: list[str]) -> tuple[dict[str, LiveQueue], float | None, str | None]:
        """What judges a stage — its queues' states and the error rate — or why it cannot be read."""
        rate, rate_problem = await self._error_rate()
        try:
            states = await self.control.states(names)
        except Exception as exc:  # noqa: BLE001 - an unreadable Redis stops the restart, it does not crash it
            return {}, rate, f"queue depth: {describe(exc)}"
        unreadable = [
            f"{n}: {states[n].error}" if n in states else f"{n}: no reading"
            for n in names
            if n not in states or states[n].error
        ]
        if unreadable:
            return states, rate, "queue depth: " + "; ".join(unreadable)
        return states, rate, (f"error rate: {rate_problem}" if rate_problem else None)

    async def preview(self) -> Preview:
        stages = await self._paused()
        states = await self.control.states([n for _, names in stages for n in names]) if stages else {}
        lines = [
            f"stage {stage}: " + ", ".join(f"{n} ({int(states[n].depth or 0):,} waiting)" for n in names)
            for stage, names in stages
        ]
        warnings = [
            f"waits {self.config.actions.restart.settle:g}s after each stage; stops if the error rate goes over "
            f"{self.limit:.1%}, a resumed queue keeps growing, or either cannot be read"
        ]
        if self.prometheus is None:
            warnings.append("no Prometheus is configured: stages are judged by queue depth only")
        # A kind whose pause covers more than one queue (rq: one suspension per Redis) says so.
        shared = {
            (queue.kind, note)
            for _, names in stages
            for queue in map(self.control.queue, names)
            if (note := getattr(queue_kind(queue.kind), "pause_note", None))
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
        stages = await self._paused()
        resumed: list[str] = []
        sent: list[str] = []  # every stage's commands, re-pauses too: the command log

        def stop(index: int, summary: str, this_stage: str) -> Result:
            later = [n for _, names in stages[index + 1 :] for n in names]
            left = f"resumed: {', '.join(resumed) or 'none'}; {this_stage}; still paused: {', '.join(later) or 'none'}"
            return Result(
                False,
                summary,
                state_left=left,
                data=StagedResume(tuple(resumed), tuple(sent), stages[index][0], tuple(later)),
            )

        for index, (stage, names) in enumerate(stages):
            before, rate_before, blind = await self._observe(names)
            if blind:
                return stop(
                    index,
                    f"stage {stage} not started: cannot watch it ({blind})",
                    f"stage {stage} ({', '.join(names)}) still paused",
                )
            step = await each_queue(self.control, names, paused=False, progress=_prefixed(progress, f"stage {stage}: "))
            sent += sent_of(step.data)
            if not step.ok:
                return stop(index, f"stage {stage}: {step.summary}", f"stage {stage}: {step.state_left}")
            await asyncio.sleep(self.config.actions.restart.settle)
            after, rate, blind = await self._observe(names)
            if blind:
                return stop(
                    index,
                    f"stage {stage} resumed but cannot be judged ({blind}); stopped before the next stage",
                    f"stage {stage} ({', '.join(names)}) resumed and NOT watched",
                )
            worse = self._worse(names, before, after, rate_before, rate)
            if worse:
                repause = await each_queue(
                    self.control, names, paused=True, progress=_prefixed(progress, f"stage {stage}: re-pausing: ")
                )
                sent += sent_of(repause.data)
                this_stage = (
                    f"stage {stage} paused again" if repause.ok else f"stage {stage} re-pause: {repause.state_left}"
                )
                return stop(
                    index,
                    f"stage {stage} ({', '.join(names)}) made things worse: {worse}; "
                    f"{'paused it again' if repause.ok else 'could NOT pause it again'}",
                    this_stage,
                )
            resumed += names
            depths = ", ".join(f"{n} {int(before[n].depth or 0):,} -> {int(after[n].depth or 0):,}" for n in names)
            progress(f"stage {stage} holds: {depths}" + (f"; error rate {rate:.2%}" if rate is not None else ""))
        return Result(
            True,
            f"resumed in stages: {', '.join(resumed) or 'nothing was paused'}",
            data=StagedResume(tuple(resumed), tuple(sent)),
        )

    def _worse(
        self,
        names: Sequence[str],
        before: dict[str, LiveQueue],
        after: dict[str, LiveQueue],
        rate_before: float | None,
        rate: float | None,
    ) -> str:
        # Over the limit *and* higher than before the stage: errors still decaying from
        # earlier damage are not this stage's doing.
        if rate is not None and rate > self.limit and (rate_before is None or rate > rate_before + 0.005):
            shown = f" (was {rate_before:.1%})" if rate_before is not None else ""
            return f"error rate {rate:.1%}{shown} over {self.limit:.1%}"
        growing = [n for n in names if (after[n].depth or 0) > (before[n].depth or 0) * 1.05 + 5]
        if growing:
            return "still growing after resume: " + ", ".join(growing)
        return ""

    async def verify(self, preview: Preview, executed: Result) -> Result:
        still = [n for _, names in await self._paused() for n in names]
        if still:
            return Result(False, f"still paused: {', '.join(still)}", state_left=executed.state_left)
        return Result(True, "no configured queue is paused")


def _prefixed(progress: Progress, prefix: str) -> Progress:
    """Progress lines of one stage, each led by the stage's name."""
    return lambda line: progress(prefix + line)
