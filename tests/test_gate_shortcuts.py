"""The shortcuts that keep the gate cheap at scale give the answers of the long way:
all-fresh from the source summary, trends reused while the window's start stays between
the same two points, unreachable regions from the readings' errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cockpit.core.readings import FLAGS, QUEUES, Board, Freshness, Reading, Series, window_trend
from cockpit.core.series import _trend
from cockpit.ui.notify import unreachable_regions

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_all_fresh_agrees_with_each_readings_freshness() -> None:
    now = [T0]
    board = Board(clock=lambda: now[0])
    board.set_interval(QUEUES, 2.0)
    assert not board.all_fresh(QUEUES)  # nothing read yet
    board.update([Reading(QUEUES, "a", 1.0, T0), Reading(QUEUES, "b", 2.0, T0 + timedelta(seconds=3))])
    for seconds in (0, 3, 4, 4.5, 6, 7.5, 100):
        now[0] = T0 + timedelta(seconds=seconds)
        each = all(board.freshness(QUEUES, n) is Freshness.OK for n in board.names(QUEUES))
        assert board.all_fresh(QUEUES) == each, seconds
    board.fail(QUEUES, ["a"], "connection refused")
    now[0] = T0
    assert not board.all_fresh(QUEUES)


def test_a_reused_trend_is_the_trend_worked_out_again() -> None:
    series = Series(240)
    for i in range(30):
        series.add(T0 + timedelta(seconds=10 * i), float(i % 7) * 10)
    window = 60.0
    for step in range(0, 400, 3):  # the window's start moves across points, and past the oldest
        now = T0 + timedelta(seconds=step)
        start_at = now - timedelta(seconds=window)
        expected = _trend(series, series.first_after(start_at), window, 0.05, 5.0)
        assert window_trend(series, now, window, ratio=0.05, at_least=5.0) == expected, step
    series.add(T0 + timedelta(seconds=400), 1000.0)  # a new point: never the old answer
    assert window_trend(series, T0 + timedelta(seconds=400), window, ratio=0.05, at_least=5.0).direction == 1


def test_unreachable_regions_are_those_whose_every_flag_failed() -> None:
    board = Board(clock=lambda: T0)
    board.update([Reading(FLAGS, f"{flag}@{region}", 0.0, T0) for flag in "xy" for region in ("eu", "us")])
    board.fail(FLAGS, ["x@eu", "y@eu", "x@us"], "timeout")
    assert unreachable_regions(board) == ["eu"]
