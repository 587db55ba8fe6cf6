"""The recovery gate: NOT RESTORED, MITIGATED (new damage has stopped) or RESTORED (users
finish their task, their data is correct, no new damage; held for the whole watch window).

Every condition reads the board; an input that is stale, unreachable, missing or has no
data never counts as good: its condition fails and says so, with the age.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from cockpit.config import Config
from cockpit.core.details import check_result, flag_cell, queue_detail, suspect_count
from cockpit.core.gate_status import (
    MITIGATED,
    NOT_RESTORED,
    RESTORED,
    STATES,
    Condition,
    GateStatus,
    at_target,
    freshness_problem,
    problem_word,
)
from cockpit.core.readings import (
    CHECKS,
    ERROR_RATE,
    FLAGS,
    QUEUES,
    SOURCE_KINDS,
    SUSPECTS,
    Board,
    trend_window,
    window_trend,
)
from cockpit.core.runbook import Phase, StepState
from cockpit.incident.state import coarse_text

#: Queues jitter by a few jobs between reads: growth counts beyond 5 % plus 5 jobs.
QUEUE_RATIO, QUEUE_SLACK = 0.05, 5.0

# The gate's result types, importable from here as before the split.
__all__ = [
    "MITIGATED",
    "NOT_RESTORED",
    "QUEUE_RATIO",
    "QUEUE_SLACK",
    "RESTORED",
    "STATES",
    "Condition",
    "Gate",
    "GateStatus",
    "at_target",
]


class Gate:
    """Evaluates the conditions on the board; remembers since when they have all held."""

    def __init__(self, config: Config, board: Board) -> None:
        self.config = config
        self.cfg = config.gate
        self.board = board
        self._holding_since: datetime | None = None
        self._flags_seen: tuple[int, Condition] | None = None  # (flags version, its condition)
        self._queues_seen: tuple[tuple[int, bool, int], Condition] | None = None
        maintenance = config.actions.maintenance
        self._maintenance_flag = maintenance.flag if maintenance else None
        self._flags = {f.name: f for f in config.flags}
        self._risky = [q.name for q in config.queues if q.risky and not q.discover]
        self._suspects = {q.name: q for q in config.postgres.suspects} if config.postgres else {}
        self._queries = {q.name: q for q in config.prometheus.queries} if config.prometheus else {}

    def evaluate(
        self, steps: Mapping[Phase, StepState] | None = None, baseline: Mapping[str, float] | None = None
    ) -> GateStatus:
        steps = steps or {}
        baseline = baseline or {}
        cfg = self.cfg
        conditions = [
            self._error_rate(),
            self._new_damage() if cfg.suspects_not_rising else None,
            self._writers(steps),
            self._flags_safe(),
            self._fresh(),
        ]
        # Restored: in the order that matters most (the header names the first failing one).
        conditions.append(self._data(baseline))
        if cfg.queues_draining:
            conditions.append(self._queues(steps))
        if cfg.checks_pass:
            conditions.append(self._user_paths(steps))
        conds = [c for c in conditions if c is not None]
        now = self.board.clock()
        if all(c.ok for c in conds):
            self._holding_since = self._holding_since or now
            held = (now - self._holding_since).total_seconds()
        else:
            self._holding_since = None
            held = 0.0
        window_ok = all(c.ok for c in conds) and held >= cfg.window
        conds.append(
            Condition(
                "window",
                window_ok,
                f"held {coarse_text(held)} of {coarse_text(cfg.window)}",
                "restored",
                coarse_text(held) if not window_ok else "held",
            )
        )
        mitigated = all(c.ok for c in conds if c.level == "mitigated")
        state = RESTORED if mitigated and window_ok else MITIGATED if mitigated else NOT_RESTORED
        failing = next((c for c in conds if not c.ok and c.level == "mitigated"), None) or next(
            (c for c in conds if not c.ok), None
        )
        reason = "" if failing is None else f"{failing.name}: {failing.detail}"
        return GateStatus(state, tuple(conds), held, cfg.window, reason)

    def _freshness(self, source: str) -> Callable[[str], str | None]:
        """`freshness_problem` for each reading of a source; when the board's summary says
        every one is fresh, nothing per reading (at scale, 1,000 flags and 900 queues were
        checked one by one on every evaluation, several times a second)."""
        board = self.board
        if board.all_fresh(source):
            # A name not on the board (a configured queue never read) still has no reading.
            return lambda name: None if board.slot(source, name) is not None else "no reading yet"
        return lambda name: freshness_problem(board, source, name)

    # -- no new damage (MITIGATED) ---------------------------------------------------------
    def _error_rate(self) -> Condition:
        names = self.board.names(ERROR_RATE)
        if not names:
            return Condition("error rate", False, "no reading yet", "mitigated", "waiting")
        limit = self.cfg.max_error_rate
        bad, words = [], []
        problem_of = self._freshness(ERROR_RATE)
        for name in names:
            value = self.board.value(ERROR_RATE, name)
            problem = problem_of(name)
            if problem:
                bad.append(f"{name} {problem}")
                words.append(problem_word(problem))
            elif isinstance(value, str) or value is None:
                bad.append(f"{name}: NO DATA (the query returned no series)")
                words.append("NO DATA")
            elif value != value:
                bad.append(f"{name}: no traffic (NaN: 0 requests, which is not 0 errors)")
                words.append("NaN")
            elif value >= limit:
                bad.append(f"{name} {value:.1%} (limit {limit:.1%})")
                words.append("high")
        return Condition(
            "error rate", not bad, "; ".join(bad) or f"under {limit:.1%}", "mitigated", words[0] if words else "ok"
        )

    def _trend_problems(self, source: str, ratio: float = 0.0, at_least: float = 0.0) -> list[str]:
        """Names whose reading is rising over the trend window, unknown, or not fresh."""
        window = trend_window(self.board.poll_interval(source))
        now = self.board.clock()
        problems = []
        problem_of = self._freshness(source)
        for name, slot in self.board.slots(source):
            problem = problem_of(name)
            if problem:
                problems.append(f"{name} {problem}")
                continue
            trend = window_trend(slot.series, now, window, ratio=ratio, at_least=at_least)
            if trend.direction is None:
                problems.append(f"{name}: trend not known yet (one sample)")
            elif trend.direction > 0:
                problems.append(f"{name} rising ({trend.delta:+,.0f} in {coarse_text(window)})")
        return problems

    def _new_damage(self) -> Condition:
        if not self.board.names(SUSPECTS):
            if not self._suspects:
                return Condition("new damage", True, "no suspect query configured", "mitigated", "none")
            return Condition("new damage", False, "no suspect count yet", "mitigated", "waiting")
        problems = self._trend_problems(SUSPECTS)
        word = (
            "rising"
            if any("rising" in p for p in problems)
            else problem_word(problems[0].split(" ", 1)[-1])
            if problems
            else "none"
        )
        return Condition(
            "new damage",
            not problems,
            "; ".join(problems) or "no suspect count rising",
            "mitigated",
            word if not problems or word == "rising" else "unknown",
        )

    def _writers(self, steps: Mapping[Phase, StepState]) -> Condition:
        if not self._risky:
            return Condition("writers", True, "no risky queue configured", "mitigated", "none")
        if steps.get(Phase.REVERT) in (StepState.DONE, StepState.SKIPPED) or steps.get(Phase.RESTART) is StepState.DONE:
            return Condition(
                "writers", True, "the release is reverted: risky queues run the old code", "mitigated", "reverted"
            )
        if steps.get(Phase.STOP) is StepState.SKIPPED:
            return Condition(
                "writers", True, "stopping them was skipped with a reason (journaled)", "mitigated", "skipped"
            )
        running = []
        problem_of = self._freshness(QUEUES)
        for name in self._risky:
            problem = problem_of(name)
            slot = self.board.slot(QUEUES, name)
            if problem:
                running.append(f"{name} {problem}")
            elif not (slot and slot.last_good and queue_detail(slot.last_good.detail).state.paused):
                running.append(f"{name} still running on the bad release")
        return Condition(
            "writers",
            not running,
            "; ".join(running) or "every risky queue is paused",
            "mitigated",
            "running" if running else "paused",
        )

    def _flags_safe(self) -> Condition:
        # With every flag reading fresh, the answer follows the readings alone: worked out
        # again only when they change (1,000 flag cells, several evaluations a second).
        key = self.board.version(FLAGS)
        if self._flags_seen is not None and self._flags_seen[0] == key and self.board.all_fresh(FLAGS):
            return self._flags_seen[1]
        condition = self._flags_condition()
        self._flags_seen = (key, condition) if self.board.all_fresh(FLAGS) else None
        return condition

    def _flags_condition(self) -> Condition:
        names = [n for n in self.board.names(FLAGS) if n.partition("@")[0] != self._maintenance_flag]
        if not names:
            if any(f.name != self._maintenance_flag for f in self.config.flags):
                return Condition("flags", False, "no flag reading yet", "mitigated", "waiting")
            return Condition("flags", True, "no flag configured", "mitigated", "none")
        bad, words = [], []
        problem_of = self._freshness(FLAGS)
        for name in names:
            flag = name.partition("@")[0]
            config = self._flags.get(flag)
            slot = self.board.slot(FLAGS, name)
            problem = problem_of(name)
            good = slot.last_good if slot else None
            if problem:
                bad.append(f"{name} {problem}")
                words.append(problem_word(problem))
                continue
            assert good is not None
            cell = flag_cell(good.detail, name)
            if cell.missing and not (config and config.missing == "off"):
                bad.append(f"{name} missing ({cell.missing_reason})")
                words.append("missing")
                continue
            value = good.value if isinstance(good.value, float) else None
            safe = config.safe if config else False
            if value is None or (value > 0) != safe:
                shown = "?" if value is None else "off" if value <= 0 else "on" if value >= 100 else f"{value:.0f}%"
                bad.append(f"{name} {shown} (safe: {'on' if safe else 'off'})")
                words.append("unsafe")
        return Condition(
            "flags",
            not bad,
            "; ".join(bad) or "every flag at its safe value in every region",
            "mitigated",
            words[0] if words else "safe",
        )

    def _fresh(self) -> Condition:
        stale = []
        for source in SOURCE_KINDS:
            if self.board.all_fresh(source):
                continue  # nothing stale or failed there: no need to look at each reading
            for name in self.board.names(source):
                problem = freshness_problem(self.board, source, name)
                if problem:
                    stale.append(f"{name} {problem}")
        shown = "; ".join(stale[:4]) + (f" (and {len(stale) - 4} more)" if len(stale) > 4 else "")
        return Condition(
            "fresh",
            not stale,
            shown or "every reading is fresh",
            "mitigated",
            problem_word(stale[0].split(" ", 1)[-1]) if stale else "ok",
        )

    # -- restored ------------------------------------------------------------------------
    def _user_paths(self, steps: Mapping[Phase, StepState]) -> Condition:
        names = self.board.names(CHECKS)
        if not names:
            if not self.config.checks:
                # Without a user-path check nothing shows that users can finish their task.
                return Condition(
                    "user paths", False, "no [[checks]] configured: RESTORED cannot be shown", "restored", "none"
                )
            return Condition("user paths", False, "no check run yet", "restored", "waiting")
        failing = []
        problem_of = self._freshness(CHECKS)
        for name in names:
            slot = self.board.slot(CHECKS, name)
            problem = problem_of(name)
            if problem:
                failing.append(f"{name} {problem}")
            elif not (slot and slot.last_good and check_result(slot.last_good.detail, name).ok):
                reason = check_result(slot.last_good.detail, name).reason if slot and slot.last_good else ""
                failing.append(f"{name} failing" + (f" ({reason})" if reason else ""))
        if failing:
            return Condition("user paths", False, "; ".join(failing), "restored", "failing")
        if steps and steps.get(Phase.VERIFY) not in (StepState.DONE, StepState.SKIPPED):
            return Condition(
                "user paths", False, "passing, but not verified end to end yet (verify step)", "restored", "unverified"
            )
        return Condition("user paths", True, "every check passes", "restored", "pass")

    def _data(self, baseline: Mapping[str, float]) -> Condition:
        names = self.board.names(SUSPECTS)
        if not names:
            if not self._suspects:
                return Condition("data", True, "no suspect query configured", "restored", "none")
            return Condition("data", False, "no suspect count yet", "restored", "waiting")
        bad = []
        window = trend_window(self.board.poll_interval(SUSPECTS))
        now = self.board.clock()
        problem_of = self._freshness(SUSPECTS)
        for name in names:
            problem = problem_of(name)
            if problem:
                bad.append(f"{name} {problem}")
                continue
            value = self.board.value(SUSPECTS, name)
            if not isinstance(value, float):
                bad.append(f"{name}: no count")
                continue
            met, target = self._at_target(name, value, baseline, now, window)
            if not met:
                bad.append(f"{value:,.0f} {name} ({target})")
        return Condition(
            "data",
            not bad,
            "; ".join(bad) or "every suspect query at its target",
            "restored",
            "bad rows" if bad else "correct",
        )

    def _at_target(
        self, name: str, value: float, baseline: Mapping[str, float], now: datetime, window: float
    ) -> tuple[bool, str]:
        """(met, what the target is) for one suspect count."""
        query = self._suspects.get(name)
        slot = self.board.slot(SUSPECTS, name)
        expect = (
            query.expect
            if query
            else suspect_count(slot.last_good.detail).expect
            if slot and slot.last_good
            else "zero"
        )
        trend = window_trend(slot.series, now, window).direction if slot else None
        return at_target(expect, query.target if query else None, value, baseline.get(name), trend)

    def _queues(self, steps: Mapping[Phase, StepState]) -> Condition:
        # Every queue fresh and none changed within this second: the same answer as a moment
        # ago (the gate is evaluated after every source's reading; at scale this walked 900
        # queues for each of them). A trend window is minutes long: a second changes nothing.
        board = self.board
        key = (board.version(QUEUES), steps.get(Phase.RESTART) is StepState.SKIPPED, int(board.now().timestamp()))
        if self._queues_seen is not None and self._queues_seen[0] == key and board.all_fresh(QUEUES):
            return self._queues_seen[1]
        condition = self._queues_condition(steps)
        self._queues_seen = (key, condition) if board.all_fresh(QUEUES) else None
        return condition

    def _queues_condition(self, steps: Mapping[Phase, StepState]) -> Condition:
        names = self.board.names(QUEUES)
        if not names:
            return Condition("queues", True, "no queue configured", "restored", "none")
        accepted = steps.get(Phase.RESTART) is StepState.SKIPPED
        limit = self.cfg.max_queue_depth
        window = trend_window(self.board.poll_interval(QUEUES))
        now = self.board.clock()
        problems, words = [], []
        problem_of = self._freshness(QUEUES)
        for name, slot in self.board.slots(QUEUES):
            problem = problem_of(name)
            if problem:
                problems.append(f"{name} {problem}")
                words.append(problem_word(problem))
                continue
            good = slot.last_good
            assert good is not None
            if accepted:
                continue
            if queue_detail(good.detail).state.paused:
                problems.append(f"{name} paused")
                words.append("paused")
                continue
            value = good.value if isinstance(good.value, float) else None
            if limit is not None and value is not None and value > limit:
                problems.append(f"{name} backlogged ({value:,.0f} over {limit:,})")
                words.append("backlog")
                continue
            if slot.series.flat:
                continue  # one value throughout: no window of it is growing (most queues, most seconds)
            trend = window_trend(slot.series, now, window, ratio=QUEUE_RATIO, at_least=QUEUE_SLACK)
            if trend.direction == 1:
                problems.append(f"{name} backlogged (growing {trend.delta:+,.0f} in {coarse_text(window)})")
                words.append("backlog")
        if not problems and accepted:
            return Condition(
                "queues",
                True,
                "restart skipped with a reason (journaled): paused queues accepted",
                "restored",
                "accepted",
            )
        return Condition(
            "queues",
            not problems,
            "; ".join(problems) or "none paused or backlogged",
            "restored",
            words[0] if words else "draining",
        )
