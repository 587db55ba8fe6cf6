"""Guards: what halts a long step while it runs (Argo-Rollouts style analysis, without the rollback).

A guard is a set of failure conditions over the board's readings. While a guarded step
runs, the session observes it on every tick: a condition that HOLDS is a breach, and
`failure_limit` consecutive breaches HALT the step before its next stage or batch; a
reading that is missing or stale (UNKNOWN) makes the verdict inconclusive, which PAUSEs
the step for a human to continue or abort. A guard never undoes anything by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from cockpit.config import Config
from cockpit.core.conditions import Condition, Judgement, Truth, parse_condition
from cockpit.core.readings import CHECKS, FLAGS, Board, Reading


@dataclass(frozen=True)
class GuardSpec:
    """Failure conditions (a breach when one HOLDS) and how many consecutive breaches halt."""

    failure: tuple[Condition, ...]
    failure_limit: int = 1

    def describe(self) -> str:
        """One line for previews and the journal: what halts the step."""
        limit = f" ({self.failure_limit} readings in a row)" if self.failure_limit > 1 else ""
        return "halts if " + " or ".join(c.text for c in self.failure) + limit


class GuardOutcome(Enum):
    CLEAR = "clear"
    HALT = "halt"
    PAUSE = "pause"  # inconclusive: a reading is missing or stale


@dataclass(frozen=True)
class GuardVerdict:
    """One observation: the outcome, why (operator text), and every judgement it rests on."""

    outcome: GuardOutcome
    reason: str
    readings: tuple[Judgement, ...]

    @property
    def details(self) -> list[str]:
        """The readings as the journal keeps them: the judgement texts, value and age included."""
        return [j.detail for j in self.readings]


def _read_by(condition: Condition, board: Board) -> tuple[Reading, ...]:
    """The latest readings a condition judges: its named reading (with a flag's regions,
    `flag@region`, or a check's steps, `check/step`), or every error-rate query."""
    name, separator = condition.name, {FLAGS: "@", CHECKS: "/"}.get(condition.subject)
    return tuple(
        slot.latest
        for n, slot in board.slots(condition.subject)
        if not name or n == name or (separator is not None and n.startswith(name + separator))
    )


class GuardWatch:
    """Consecutive-breach counting over the session's ticks for one run of one step.

    A breach is counted once per new reading of what the breaching conditions judge: the
    same readings judged again on the next tick are not a second breach, nor is another
    source's tick (a busy queue poller must not turn one bad error-rate sample into N)."""

    def __init__(self, spec: GuardSpec) -> None:
        self.spec = spec
        self.breaches = 0
        #: The readings the last counted breach rested on (held, so `is` can tell a new one).
        self._counted: tuple[Reading, ...] | None = None

    def observe(self, board: Board, now: datetime) -> GuardVerdict:
        readings = tuple(c.judge(board, now) for c in self.spec.failure)
        breached = [j for j in readings if j.truth is Truth.HOLDS]
        unknown = [j for j in readings if j.truth is Truth.UNKNOWN]
        if breached:
            judged = tuple(
                r for c, j in zip(self.spec.failure, readings, strict=True) if j.holds for r in _read_by(c, board)
            )
            counted = self._counted
            # A new Reading object is a new read, even of the same value (a poll makes a new one).
            if (
                counted is None
                or len(counted) != len(judged)
                or any(a is not b for a, b in zip(counted, judged, strict=True))
            ):
                self.breaches += 1
                self._counted = judged
        else:
            self.breaches = 0
            self._counted = None
        limit = max(1, self.spec.failure_limit)
        if self.breaches >= limit:
            times = f" ({self.breaches} readings in a row)" if limit > 1 else ""
            return GuardVerdict(GuardOutcome.HALT, "; ".join(j.detail for j in breached) + times, readings)
        if unknown:
            reason = "inconclusive: " + "; ".join(j.detail for j in unknown)
            return GuardVerdict(GuardOutcome.PAUSE, reason, readings)
        if breached:
            reason = f"breach {self.breaches} of {limit}: " + "; ".join(j.detail for j in breached)
            return GuardVerdict(GuardOutcome.CLEAR, reason, readings)
        return GuardVerdict(GuardOutcome.CLEAR, "holds", readings)


def restart_guard(config: Config) -> GuardSpec | None:
    """The default runbook's staged restart (no release file): halt when the error rate goes
    over `actions.restart.max_error_rate` (default: twice the gate's limit). Without
    Prometheus there is nothing to judge it by."""
    if config.prometheus is None:
        return None
    limit = config.actions.restart.max_error_rate or config.gate.max_error_rate * 2
    return GuardSpec((parse_condition(f"error_rate > {limit:g}"),))
