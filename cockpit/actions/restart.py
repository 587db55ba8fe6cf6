"""Restart jobs in stages: resume the paused queues one stage at a time (lower `stage`
first, the risky ones last), wait, and stop if a stage makes things worse."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from itertools import groupby

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.queues import QueueControl
from cockpit.config import Config
from cockpit.sources.prometheus import PrometheusSource


class RestartStaged(Action):
    name = "restart_staged"
    title = "Restart the paused jobs in stages"
    step = "restart"

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

    async def _error_rate(self) -> float | None:
        if self.prometheus is None:
            return None
        values = [r.value for r in await self.prometheus.read() if isinstance(r.value, float) and not math.isnan(r.value)]
        return max(values) if values else None

    async def preview(self) -> Preview:
        stages = await self._paused()
        states = await self.control.states([n for _, names in stages for n in names]) if stages else {}
        lines = [f"stage {stage}: " + ", ".join(f"{n} ({int(states[n].depth or 0):,} waiting)" for n in names)
                 for stage, names in stages]
        warnings = [f"waits {self.config.actions.restart.settle:g}s after each stage; stops if the error rate goes over "
                    f"{self.limit:.1%} or a resumed queue keeps growing"]
        rq_shared = {self.control.queue(n).redis for _, names in stages for n in names if self.control.queue(n).kind == "rq"}
        if rq_shared:
            warnings.append("rq queues share one suspension per Redis: resuming one resumes all rq queues there")
        return Preview(self.name, self.title, tuple(lines) or ("nothing is paused",),
                       {"stages": len(stages), "queues": sum(len(n) for _, n in stages)},
                       warnings=tuple(warnings), nothing_to_do=not stages)

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        resumed: list[str] = []
        for stage, names in await self._paused():
            before = await self.control.states(names)
            rate_before = await self._error_rate()
            for name in names:
                progress(f"stage {stage}: {await self.control.resume(self.control.queue(name))}")
            await asyncio.sleep(self.config.actions.restart.settle)
            after = await self.control.states(names)
            rate = await self._error_rate()
            worse = self._worse(names, before, after, rate_before, rate)
            if worse:
                for name in names:
                    progress(f"stage {stage}: re-pausing: {await self.control.pause(self.control.queue(name))}")
                return Result(False, f"stage {stage} ({', '.join(names)}) made things worse: {worse}; paused it again",
                              state_left=f"resumed: {', '.join(resumed) or 'none'}; stage {stage} and later still paused",
                              data={"resumed": resumed, "stopped_at": stage, "error_rate": rate})
            resumed += names
            depths = ", ".join(f"{n} {int(before[n].depth or 0):,} -> {int(after[n].depth or 0):,}" for n in names)
            progress(f"stage {stage} holds: {depths}" + (f"; error rate {rate:.2%}" if rate is not None else ""))
        return Result(True, f"resumed in stages: {', '.join(resumed) or 'nothing was paused'}", data={"resumed": resumed})

    def _worse(self, names: Sequence[str], before, after, rate_before: float | None, rate: float | None) -> str:
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
