"""The gate's three states and their conditions, on a board fed by hand with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cockpit.config import loads
from cockpit.core.gate import MITIGATED, NOT_RESTORED, RESTORED, Gate
from cockpit.core.readings import CHECKS, ERROR_RATE, FLAGS, QUEUES, SUSPECTS, Board, Reading, Series, window_trend
from cockpit.core.runbook import Phase, StepState

CONFIG = """
[incident]
title = "t"
service = "checkout"
[redis.jobs]
url = "redis://127.0.0.1:1/0"
[[queues]]
name = "retry"
redis = "jobs"
kind = "rq"
queue = "retry"
risky = true
[regions.eu]
backend = "redis-hash"
redis = "jobs"
key = "flags"
[[flags]]
name = "new_checkout"
safe = false
[postgres]
readonly_dsn_env = "PG"
[[postgres.suspects]]
name = "dupes"
sql = "SELECT 1"
[[postgres.suspects]]
name = "late"
sql = "SELECT 1"
expect = "falling"
target = 5
%s
[gate]
window = "60s"
"""
CHECK = """
[[checks]]
name = "checkout"
[[checks.steps]]
name = "pay"
url = "https://shop.example/pay"
"""
DONE = {Phase(s): StepState.DONE for s in ("stop", "flags", "revert", "cache", "repair", "restart", "verify")}


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def readings(
    clock: FakeClock,
    *,
    dupes: float = 0.0,
    late: float = 3.0,
    rate: object = 0.002,
    paused: bool = False,
    flag: float | None = 0.0,
    missing: bool = False,
    check_ok: bool | None = True,
) -> list[Reading]:
    now = clock()
    check = [] if check_ok is None else [Reading(CHECKS, "checkout/pay", 0.3, now, detail={"ok": check_ok})]
    return [
        *check,
        Reading(ERROR_RATE, "5xx", rate, now),
        Reading(QUEUES, "retry", 10.0, now, detail={"paused": paused}),
        Reading(SUSPECTS, "dupes", dupes, now),
        Reading(SUSPECTS, "late", late, now),
        Reading(FLAGS, "new_checkout@eu", flag, now, detail={"missing": missing} if missing else {}),
    ]


def setup(checks: bool = True, **kw: object) -> tuple[FakeClock, Board, Gate]:
    config = loads(CONFIG % (CHECK if checks else ""))
    clock = FakeClock()
    board = Board(clock)
    for source in (ERROR_RATE, QUEUES, SUSPECTS, CHECKS, FLAGS):
        board.set_interval(source, 5.0)
    board.update(readings(clock, **kw))
    clock.tick(5)
    board.update(readings(clock, **kw))
    return clock, board, Gate(config, board)


def failing(status) -> dict[str, str]:
    return {c.name: c.detail for c in status.conditions if not c.ok}


def test_restored_only_after_the_whole_window_and_a_rise_drops_it_to_not_restored() -> None:
    clock, board, gate = setup()
    status = gate.evaluate(DONE)
    assert status.state == MITIGATED and list(failing(status)) == ["window"]
    for _ in range(12):
        clock.tick(5)
        board.update(readings(clock))
        status = gate.evaluate(DONE)
    assert status.state == RESTORED and status.reason == "" and status.holding_for == pytest.approx(60)
    clock.tick(5)
    board.update(readings(clock, dupes=1.0))
    status = gate.evaluate(DONE)
    assert status.state == NOT_RESTORED and status.holding_for == 0
    assert status.reason.startswith("new damage: dupes rising (+1 in 5m)")


def test_mitigated_names_the_data_that_is_still_wrong() -> None:
    _clock, _board, gate = setup(dupes=382.0)
    status = gate.evaluate(DONE)
    assert status.state == MITIGATED
    assert status.reason == "data: 382 dupes (target 0)"
    assert {c.name: c.level for c in status.conditions}["data"] == "restored"


def test_falling_with_a_target_and_without_one_uses_the_declaration_baseline() -> None:
    _clock, _board, gate = setup(late=6.0)
    assert "6 late (target 5)" in failing(gate.evaluate(DONE))["data"]
    _clock, _board, gate = setup(late=5.0)
    assert "data" not in failing(gate.evaluate(DONE))


def test_stale_and_unreachable_inputs_never_count_as_good() -> None:
    clock, board, gate = setup()
    clock.tick(30)
    status = gate.evaluate(DONE)
    assert status.state == NOT_RESTORED
    assert "stale, age 30s" in failing(status)["error rate"]
    assert next(c.word for c in status.conditions if c.name == "error rate") == "stale"
    board.fail(ERROR_RATE, ["5xx"], "connection refused")
    assert "unreachable, last good 30s ago" in failing(gate.evaluate(DONE))["error rate"]


def test_no_data_keeps_the_error_rate_condition_closed() -> None:
    _clock, _board, gate = setup(rate="no data")
    status = gate.evaluate(DONE)
    assert status.state == NOT_RESTORED and "NO DATA" in failing(status)["error rate"]


def test_a_missing_flag_cell_is_not_safe_and_a_risky_queue_running_is_a_writer() -> None:
    _clock, _board, gate = setup(flag=None, missing=True)
    assert "new_checkout@eu missing" in failing(gate.evaluate(DONE))["flags"]
    _clock, _board, gate = setup()
    assert "retry still running" in failing(gate.evaluate({}))["writers"]
    _clock, _board, gate = setup(paused=True)
    status = gate.evaluate({Phase.STOP: StepState.DONE})
    assert "writers" not in failing(status) and "retry paused" in failing(status)["queues"]
    # A restart skipped with a reason accepts the paused queue.
    status = gate.evaluate({**DONE, Phase.RESTART: StepState.SKIPPED})
    assert "queues" not in failing(status)


def test_without_checks_the_gate_can_never_be_restored() -> None:
    clock, board, gate = setup(checks=False, check_ok=None)
    for _ in range(20):
        clock.tick(5)
        board.update(readings(clock, check_ok=None))
        status = gate.evaluate(DONE)
    assert status.state == MITIGATED and "no [[checks]] configured" in failing(status)["user paths"]


def test_trend_is_the_change_over_five_minutes_or_ten_samples() -> None:
    clock = FakeClock()
    series = Series()
    for value in (10, 11, 12, 12, 12):
        series.add(clock(), value)
        clock.tick(60)
    clock.tick(-60)
    assert window_trend(series, clock(), 300).delta == 2 and window_trend(series, clock(), 300).direction == 1
    for _ in range(6):
        clock.tick(60)
        series.add(clock(), 12)
    assert window_trend(series, clock(), 300).direction == 0
    assert window_trend(Series(), clock(), 300).direction is None
