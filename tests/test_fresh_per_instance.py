"""Freshness is judged per source instance everywhere the gate asks: a fast Redis whose
last reading is late is STALE on screen and in the gate's `fresh` condition, even when a
slow instance of the same panel kind (whose interval is the kind's) is on time."""

from __future__ import annotations

from datetime import datetime, timedelta

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads
from cockpit.core.gate import Gate
from cockpit.core.polling import Poller
from cockpit.core.readings import QUEUES, Board, Freshness, wall_clock
from cockpit.core.timebase import Timebase


async def test_a_late_reading_of_the_fast_instance_fails_the_gates_fresh_condition(redis_url: str) -> None:
    cfg = loads(f'''
[incident]
title = "t"
service = "s"
[redis.fast]
url = "{redis_url}"
interval = "2s"
[redis.slow]
url = "{redis_url}"
interval = "20s"
[[queues]]
name = "q-fast"
redis = "fast"
kind = "rq"
[[queues]]
name = "q-slow"
redis = "slow"
kind = "rq"
''')
    now: list[datetime] = [wall_clock()]
    board = Board(clock=lambda: now[0])
    sources = build_queue_sources(cfg, {})
    try:
        pollers = {source.interval: Poller(source, board, Timebase()) for source in sources}
        assert sorted(pollers) == [2.0, 20.0]
        for poller in pollers.values():
            await poller.tick()
        assert board.interval(QUEUES) == 20.0  # the kind's: its slowest instance's
        gate = Gate(cfg, board)
        fresh = next(c for c in gate.evaluate().conditions if c.name == "fresh")
        assert fresh.ok, fresh.detail

        # 10 s on: the fast instance (read every 2 s) is late, the slow one is not. Only the
        # slow one is read again.
        now[0] = wall_clock() + timedelta(seconds=10)
        await pollers[20.0].tick()
        assert board.freshness(QUEUES, "q-fast") is Freshness.STALE
        assert board.freshness(QUEUES, "q-slow") is Freshness.OK
        assert not board.all_fresh(QUEUES)
        fresh = next(c for c in gate.evaluate().conditions if c.name == "fresh")
        assert not fresh.ok
        assert "q-fast" in fresh.detail and "q-slow" not in fresh.detail, fresh.detail
    finally:
        for source in sources:
            await source.close()
