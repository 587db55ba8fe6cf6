"""The "service restored" gate: every condition, held for the whole watch window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from cockpit.config import GateConfig
from cockpit.readings import CHECKS, ERROR_RATE, QUEUES, SUSPECTS, Board, Freshness


class Condition(NamedTuple):
    name: str
    ok: bool
    detail: str


class GateStatus(NamedTuple):
    conditions: tuple[Condition, ...]
    holding_for: float      # seconds every condition has held (0 when one fails)
    window: float

    @property
    def all_ok(self) -> bool:
        return all(c.ok for c in self.conditions)

    @property
    def green(self) -> bool:
        return self.all_ok and self.holding_for >= self.window

    @property
    def remaining(self) -> float:
        return max(0.0, self.window - self.holding_for) if self.all_ok else self.window


class Gate:
    """Evaluates the conditions on the board; remembers since when they have all held."""

    def __init__(self, config: GateConfig, board: Board) -> None:
        self.config = config
        self.board = board
        self._holding_since: datetime | None = None

    def reset(self) -> None:
        self._holding_since = None

    def evaluate(self) -> GateStatus:
        conditions = []
        cfg = self.config
        conditions.append(self._error_rate())
        if cfg.checks_pass:
            conditions.append(self._checks())
        if cfg.suspects_not_rising:
            conditions.append(self._suspects())
        if cfg.queues_draining:
            conditions.append(self._queues())
        now = self.board.clock()
        if all(c.ok for c in conditions):
            self._holding_since = self._holding_since or now
            held = (now - self._holding_since).total_seconds()
        else:
            self._holding_since = None
            held = 0.0
        return GateStatus(tuple(conditions), held, cfg.window)

    # -- conditions --------------------------------------------------------------------
    def _fresh(self, source: str, name: str) -> bool:
        return self.board.freshness(source, name) is Freshness.OK

    def _error_rate(self) -> Condition:
        names = self.board.names(ERROR_RATE)
        if not names:
            return Condition("error rate", False, "no reading yet")
        limit = self.config.max_error_rate
        bad = []
        for name in names:
            value = self.board.value(ERROR_RATE, name)
            if not self._fresh(ERROR_RATE, name):
                bad.append(f"{name} {self.board.freshness(ERROR_RATE, name).value}")
            elif isinstance(value, float) and value >= limit:
                bad.append(f"{name} {value:.1%}")
        return Condition("error rate", not bad, "; ".join(bad) or f"under {limit:.1%}")

    def _checks(self) -> Condition:
        names = self.board.names(CHECKS)
        if not names:
            return Condition("user paths", False, "no check run yet")
        failing = []
        for name in names:
            slot = self.board.slot(CHECKS, name)
            ok = bool(slot and slot.last_good and slot.last_good.detail.get("ok"))
            if not ok or not self._fresh(CHECKS, name):
                failing.append(name)
        return Condition("user paths", not failing, f"failing: {', '.join(failing)}" if failing else "all pass")

    def _lookback(self, source: str) -> datetime:
        return self.board.clock() - timedelta(seconds=3 * self.board.interval(source))

    def _rising(self, source: str, ratio: float = 0.0, at_least: float = 0.0) -> list[str]:
        """Readings higher now than a few ticks ago, by more than `ratio` and `at_least`
        (queues jitter by a few jobs; suspect counts must not grow at all)."""
        rising = []
        since = self._lookback(source)
        for name, slot in self.board.slots(source):
            if not self._fresh(source, name):
                rising.append(f"{name} ({self.board.freshness(source, name).value})")
                continue
            past = slot.series.value_at_or_before(since)
            now = self.board.value(source, name)
            if isinstance(now, float) and past is not None and now > past * (1 + ratio) + at_least:
                rising.append(name)
        return rising

    def _suspects(self) -> Condition:
        if not self.board.names(SUSPECTS):
            return Condition("suspects", False, "no count yet")
        rising = self._rising(SUSPECTS)
        return Condition("suspects", not rising, f"rising: {', '.join(rising)}" if rising else "not rising")

    def _queues(self) -> Condition:
        if not self.board.names(QUEUES):
            return Condition("queues", True, "none configured")
        problems = self._rising(QUEUES, ratio=0.05, at_least=5)
        limit = self.config.max_queue_depth
        if limit is not None:
            for name in self.board.names(QUEUES):
                value = self.board.value(QUEUES, name)
                if isinstance(value, float) and value > limit and name not in problems:
                    problems.append(f"{name} over {limit}")
        return Condition("queues", not problems, f"growing: {', '.join(problems)}" if problems else "draining")
