"""The core below the screen: readings, polling under faults, the gate, the flag matrix, the drill."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from cockpit.core.flagmatrix import build_matrix
from cockpit.core.polling import Poller
from cockpit.core.readings import FLAGS, QUEUES, Board, Freshness, Reading, Series
from cockpit.core.timebase import Timebase
from cockpit.drill.world import World


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def test_series_is_bounded_and_ordered() -> None:
    series = Series(capacity=10)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(1000):
        series.add(start + timedelta(seconds=i), float(i))
    assert len(series.points) == 10 and series.values()[-1] == 999
    series.add(start, -1.0)  # an out-of-order sample never rewrites history
    assert series.values()[-1] == 999
    assert series.trend() == 0  # +0.4 % is flat, not a trend
    small = Series()
    for i, v in enumerate([10.0, 11.0, 13.0, 15.0, 18.0]):
        small.add(start + timedelta(seconds=i), v)
    assert small.trend() == 1


def test_board_staleness_and_unreachable_keep_the_last_good_value() -> None:
    clock = FakeClock()
    board = Board(clock)
    board.set_interval(QUEUES, 2.0)
    board.update([Reading(QUEUES, "q", 5.0, clock())])
    assert board.freshness(QUEUES, "q") is Freshness.OK
    clock.tick(4.1)  # past twice the interval
    assert board.freshness(QUEUES, "q") is Freshness.STALE
    board.fail(QUEUES, ["q"], "connection refused")
    assert board.freshness(QUEUES, "q") is Freshness.UNREACHABLE
    assert board.value(QUEUES, "q") == 5.0 and board.age(QUEUES, "q") == pytest.approx(4.1)
    board.update([Reading(QUEUES, "q", 7.0, clock())])
    assert board.freshness(QUEUES, "q") is Freshness.OK and board.value(QUEUES, "q") == 7.0


class SlowThenBrokenSource:
    kind, ident, interval, timeout = QUEUES, "test", 0.05, 0.1

    def __init__(self) -> None:
        self.mode = "ok"

    def expected_names(self):
        return ("q",)

    async def read(self):
        if self.mode == "slow":
            await asyncio.sleep(5)
        if self.mode == "garbage":
            raise ValueError("WRONGTYPE Operation against a key holding the wrong kind of value")
        return [Reading(QUEUES, "q", 3.0, datetime.now(UTC))]

    async def close(self):
        return None


async def test_poller_marks_timeouts_and_errors_and_recovers() -> None:
    board = Board()
    source = SlowThenBrokenSource()
    poller = Poller(source, board, Timebase())
    await poller.tick()
    assert board.value(QUEUES, "q") == 3.0
    source.mode = "slow"
    started = asyncio.get_running_loop().time()
    await poller.tick()
    assert asyncio.get_running_loop().time() - started < 1.0  # the timeout, not the slow source, decides
    assert board.slot(QUEUES, "q").latest.error == "no answer within 0.1s"
    source.mode = "garbage"
    await poller.tick()
    assert "WRONGTYPE" in board.slot(QUEUES, "q").latest.error
    assert board.value(QUEUES, "q") == 3.0
    source.mode = "ok"
    await poller.tick()
    assert board.freshness(QUEUES, "q") is Freshness.OK


async def test_a_source_down_at_start_shows_its_names_as_unreachable() -> None:
    board = Board()
    source = SlowThenBrokenSource()
    source.mode = "garbage"
    await Poller(source, board, Timebase()).tick()
    assert board.freshness(QUEUES, "q") is Freshness.UNREACHABLE and board.value(QUEUES, "q") is None


def test_flag_matrix_marks_drift_partial_and_per_cell_freshness() -> None:
    clock = FakeClock()
    board = Board(clock)
    board.set_interval(FLAGS, 5.0)
    board.update(
        [
            Reading(FLAGS, "new_checkout@eu", 0.0, clock(), detail={"desired_rollout": 0.0}),
            Reading(FLAGS, "new_checkout@us", 25.0, clock(), detail={"desired_rollout": 0.0}),
            Reading(FLAGS, "new_checkout@ap", 0.0, clock(), detail={"desired_rollout": 0.0}),
        ]
    )
    board.fail(FLAGS, ["new_checkout@ap"], "timed out")
    matrix = build_matrix(board)
    assert matrix.regions == ("eu", "us", "ap")
    us, eu, ap = (matrix.cells[("new_checkout", r)] for r in ("us", "eu", "ap"))
    assert us.drift and us.partial and not eu.drift
    assert ap.freshness is Freshness.UNREACHABLE and eu.freshness is Freshness.OK  # only that cell


def test_drill_world_is_reproducible_for_a_seed() -> None:
    def run(seed: int) -> tuple:
        world = World(seed)
        world.advance(30)
        world.retry.paused = True
        world.advance(90)
        return (round(world.error_observed, 9), world.retry.depth, world.duplicate_holds, world.wrong_totals)

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_drill_pausing_the_retry_queue_stops_new_duplicates_but_the_queue_grows() -> None:
    world = World(7)
    world.advance(10)
    world.retry.paused = True
    world.advance(11)
    dups, depth = world.duplicate_holds, world.retry.depth
    world.advance(70)
    assert world.duplicate_holds == dups
    assert world.retry.depth > depth


def test_drill_flag_off_lowers_errors_with_one_region_lagging() -> None:
    world = World(7)
    world.advance(5)
    for region in ("eu-west", "us-east", "ap-south"):
        world.set_flag(world.new_checkout, region, 0.0)
    world.advance(15)
    assert world.new_checkout.observed["eu-west"] == 0 and world.new_checkout.observed["us-east"] == 25
    world.advance(60)
    assert world.new_checkout.observed["us-east"] == 0
    world.advance(120)
    assert world.error_observed < 0.01


def test_cli_drill_rejects_a_bad_speed() -> None:
    done = subprocess.run([sys.executable, "-m", "cockpit", "drill", "--speed", "0"], capture_output=True, text=True)
    assert done.returncode == 2 and "must be greater than 0" in done.stderr
