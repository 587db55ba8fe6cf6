"""The session's side of a guarded step: it observes the step's guard on every tick while
the action runs, journals a halt the moment it happens (reason and readings, frozen), and
answers the action's checkpoints: go on, `Halted`, or — when the guard is inconclusive —
pause the step until a human continues or aborts.

The session owns time: with its poll loop running, each tick judges the board the pollers
keep fresh; without it (headless `cockpit act`), the guard reads its own sources beside
its ticks (a read that hangs never stops the guard's clock: the reading goes stale, and
the guard pauses on it, before the read times out).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.actions import Result
from cockpit.actions.guarded import Aborted, GuardStop, Halted
from cockpit.core.guard import GuardOutcome, GuardSpec, GuardVerdict, GuardWatch
from cockpit.core.runbook import StepState

if TYPE_CHECKING:
    from cockpit.core.readings import Board
    from cockpit.incident.journal import Entry

#: Seconds between guard observations (real time): the session's gate tick.
GUARD_TICK = 0.5
#: Without the poll loop, the guard's sources are read at most this often (real seconds),
#: one read at a time; the guard judges the board every GUARD_TICK meanwhile.
HEADLESS_READ = 1.0


@dataclass(frozen=True)
class GuardPause:
    """What the operator is asked when a guard is inconclusive: continue or abort."""

    step: str
    title: str
    label: str
    verdict: GuardVerdict


#: Asks the operator; True = continue, False = abort. None (headless): abort with a clear message.
Decide = Callable[[GuardPause], Awaitable[bool]]


class GuardHost(Protocol):
    """What a guarded run needs of the session."""

    board: Board
    running: bool

    def record(
        self,
        kind: str,
        summary: str,
        *,
        step: str | None = None,
        data: dict[str, Any] | None = None,
        keep: bool = False,
    ) -> Entry | None: ...

    def set_step(
        self, step_id: str, state: StepState, reason: str | None = None, *, keep: bool = False
    ) -> Entry | None: ...

    async def refresh_now(self, kinds: tuple[str, ...] | None = None) -> None: ...


class GuardedRun:
    """One execution of one guarded step."""

    def __init__(
        self,
        host: GuardHost,
        spec: GuardSpec,
        *,
        step: str,
        title: str,
        action: str,
        now: Callable[[], datetime],
        decide: Decide | None,
    ) -> None:
        self.host, self.spec, self.step, self.title, self.action = host, spec, step, title, action
        self.now, self.decide = now, decide
        self.watch = GuardWatch(spec)
        #: The panel kinds the guard's conditions read: all a headless tick reads again.
        self.kinds = tuple(sorted({c.subject for c in spec.failure if c.subject}))
        #: The first observation (readings before the action's first stage) and the latest.
        self.before = self.last = GuardVerdict(GuardOutcome.PAUSE, "not observed yet", ())
        self.ticks = 0
        self.halt: GuardVerdict | None = None
        #: Set when a checkpoint stopped the action (what the step's state becomes).
        self.stopped: GuardStop | None = None
        #: The operator chose to go on although the guard could not judge: until it can again.
        self.accepted_blind = False
        self._ticked = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- the session's clock ----------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._ticks())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _ticks(self) -> None:
        loop = asyncio.get_running_loop()
        reading: asyncio.Task[None] | None = None
        next_read = loop.time()
        try:
            while True:
                if not self.host.running and (reading is None or reading.done()) and loop.time() >= next_read:
                    # Headless, the guard reads its sources itself, beside its clock, never in
                    # its way: a read that hangs (a server that accepts and never answers)
                    # must not stop the ticks, or a reading that went stale would be judged
                    # only once the read times out, or not at all before the next stage.
                    reading = asyncio.create_task(self._read())
                    next_read = loop.time() + HEADLESS_READ
                    await asyncio.wait({reading}, timeout=GUARD_TICK)  # a quick read lands first
                try:
                    self.observe()
                except Exception as exc:  # noqa: BLE001 - a guard that cannot be judged pauses; the clock goes on
                    self.last = GuardVerdict(GuardOutcome.PAUSE, f"the guard could not be judged: {exc}", ())
                    self._ticked.set()
                    self._ticked = asyncio.Event()
                await asyncio.sleep(GUARD_TICK)
        finally:
            if reading is not None and not reading.done():
                reading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reading

    async def _read(self) -> None:
        # An unreadable source makes the guard UNKNOWN (a pause); it never crashes the run.
        with contextlib.suppress(Exception):
            await self.host.refresh_now(self.kinds)

    def observe(self) -> GuardVerdict:
        verdict = self.last = self.watch.observe(self.host.board, self.now())
        if not self.ticks:
            self.before = verdict
        self.ticks += 1
        if verdict.outcome is GuardOutcome.CLEAR and not self.watch.breaches:
            self.accepted_blind = False
        if verdict.outcome is GuardOutcome.HALT and self.halt is None:
            self.halt = verdict  # frozen: what caused it, as it was then
            self._journal("halt", f"GUARD HALT: {self.title}: {verdict.reason}", verdict)
        self._ticked.set()
        self._ticked = asyncio.Event()
        return verdict

    # -- the action's checkpoints -----------------------------------------------------
    async def checkpoint(self, label: str, *, fresh: bool = False, can_wait: bool = True) -> None:
        if (fresh or not self.ticks) and self.halt is None:
            await self._ticked.wait()
        if self.halt is not None:
            self.stopped = Halted(label, self.halt.reason, tuple(self.halt.details))
            raise self.stopped
        verdict = self.last
        if verdict.outcome is not GuardOutcome.PAUSE or self.accepted_blind:
            return
        if not can_wait:
            why = "guard inconclusive where the step cannot wait for a human (an open transaction)"
            self._journal("abort", f"{why}: {self.title} stopped before {label}", verdict, label)
            self.stopped = Aborted(label, f"{why} — {verdict.reason}", tuple(verdict.details))
            raise self.stopped
        self._journal("pause", f"GUARD PAUSED {self.title} before {label}: {verdict.reason}", verdict, label)
        self.host.set_step(self.step, StepState.PAUSED, f"guard inconclusive before {label}: continue or abort")
        go_on = False if self.decide is None else await self.decide(GuardPause(self.step, self.title, label, verdict))
        after = self.last
        if not go_on:
            why = (
                "no one to ask (headless): aborted; run the step from the cockpit to continue past it"
                if self.decide is None
                else "aborted by the operator"
            )
            self._journal("abort", f"guard pause: {why} before {label}", after, label)
            self.stopped = Aborted(label, f"{why} — guard {verdict.reason}", tuple(after.details))
            raise self.stopped
        self._journal("continue", f"guard pause: continued by the operator before {label}", after, label)
        self.host.set_step(self.step, StepState.RUNNING, f"continued past an inconclusive guard before {label}")
        halt = self._halted()
        if halt is not None:  # it became conclusive, and bad, while the operator decided
            self.stopped = Halted(label, halt.reason, tuple(halt.details))
            raise self.stopped
        self.accepted_blind = True

    def _halted(self) -> GuardVerdict | None:
        return self.halt

    def _journal(self, event: str, summary: str, verdict: GuardVerdict, label: str | None = None) -> None:
        data: dict[str, Any] = {
            "v": 1,
            "event": event,
            "action": self.action,
            "guard": self.spec.describe(),
            "failure_limit": self.spec.failure_limit,
            "outcome": verdict.outcome.value,
            "reason": verdict.reason,
            "readings": verdict.details,
            "before": self.before.details,
        }
        if label:
            data["at"] = label
        self.host.record("guard", summary, step=self.step, data=data, keep=True)


def guard_stop_result(stop: GuardStop) -> Result:
    """The result of an action that let its guard's stop through instead of saying what it left."""
    from cockpit.actions.data import GuardStopped  # the outcome records load when an action ends

    return Result(
        False,
        str(stop),
        state_left=f"stopped before {stop.label}; what ran before it is as its output shows (nothing was undone)",
        data=GuardStopped(stop.word.lower(), tuple(stop.readings)),
    )
