"""One owner of time: the session's loop polls, evaluates the gate and journals it (headless
as under the TUI); a refresh goes through the poller, never beside its read; staleness is
judged per source instance (one stopped Redis does not make another's queues stale)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest
import redis

from cockpit.config import loads
from cockpit.core.polling import Poller, Pollers
from cockpit.core.readings import QUEUES, Board, Freshness, Reading, wall_clock
from cockpit.core.session import Session
from cockpit.core.timebase import Timebase
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator
from tests.waits import until


async def test_only_the_session_loop_journals_the_gate_headless_as_under_the_tui(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.jsonl", Operator("t")) as journal:
        session = Session(build_drill(seed=3, speed=60), journal)
        # The last journaled gate state was RESTORED (a resumed incident); it is not now.
        session.record("gate", "gate: RESTORED", step="watch", data={"v": 1, "state": "RESTORED"})
        await session.pollers.refresh()
        for _ in range(3):
            assert session.evaluate_gate().state == "NOT RESTORED"  # what a view or a key does
        assert [e.data["state"] for e in journal.entries if e.kind == "gate"] == ["RESTORED"]  # it never writes
        loop = asyncio.create_task(session.run())
        try:
            await until(lambda: len([e for e in journal.entries if e.kind == "gate"]) == 2, what="the loop's entry")
        finally:
            loop.cancel()
        change = [e for e in journal.entries if e.kind == "gate"][-1]
        assert (change.data["previous"], change.data["state"]) == ("RESTORED", "NOT RESTORED")


class CountingSource:
    """A source that takes a while to answer and counts how many reads run at once."""

    kind = QUEUES
    ident = "queues@counting"
    interval = 60.0  # the loop's own reads come seldom: the refreshes are what overlap
    timeout = 5.0

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.reads = 0

    def expected_names(self) -> list[str]:
        return ["q"]

    async def read(self) -> list[Reading]:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await asyncio.sleep(0.05)
            self.reads += 1
            return [Reading(QUEUES, "q", float(self.reads), wall_clock())]
        finally:
            self.running -= 1

    async def close(self) -> None:
        return None


async def test_a_refresh_waits_for_the_read_under_way_and_never_reads_beside_it() -> None:
    source = CountingSource()
    board = Board()
    pollers = Pollers([Poller(source, board, Timebase())])
    tasks = pollers.run()
    try:
        await until(lambda: source.reads >= 1, what="the first read")
        await asyncio.gather(*(pollers.refresh(kinds=(QUEUES,)) for _ in range(4)))
        await pollers.refresh(sources=("queues@counting",))
        await pollers.refresh(kinds=("flags",))  # no such source: nothing to read
    finally:
        for task in tasks:
            task.cancel()
    assert source.most == 1, "two reads of one source ran at once"
    assert source.reads == 6 and board.value(QUEUES, "q") == 6.0  # every refresh read again


@pytest.mark.servers
async def test_one_stopped_redis_instance_does_not_make_another_instances_queues_stale(redis_url: str) -> None:
    """`fast` is read every 0.3 s, `slow` every 3 s. Stopping `fast` (SIGSTOP: it accepts the
    connection and never answers) makes its queue STALE after twice its own interval; `slow`'s
    queue stays fresh throughout. Judged by the kind's slowest interval it would take 6 s."""
    from cockpit.backends.queues.source import build_queue_sources
    from tests.servers import RedisServer

    other = RedisServer().start()
    try:
        redis.Redis.from_url(redis_url).rpush("rq:queue:steady", "job")
        redis.Redis.from_url(other.url).rpush("rq:queue:quick", "job", "job")
        cfg = loads(f'''
[incident]
title = "t"
service = "s"
[redis.fast]
url = "{other.url}"
interval = "0.3s"
timeout = "20s"
[redis.slow]
url = "{redis_url}"
interval = "3s"
timeout = "20s"
[[queues]]
name = "quick"
redis = "fast"
kind = "rq"
[[queues]]
name = "steady"
redis = "slow"
kind = "rq"
''')
        board = Board()
        sources = build_queue_sources(cfg, {})
        pollers = Pollers([Poller(s, board, Timebase()) for s in sources])
        tasks = pollers.run()
        try:
            await until(lambda: board.value(QUEUES, "quick") == 2.0 and board.value(QUEUES, "steady") == 1.0)
            assert other.proc is not None
            os.kill(other.proc.pid, signal.SIGSTOP)
            try:
                stopped = time.monotonic()
                await until(
                    lambda: board.freshness(QUEUES, "quick") is Freshness.STALE,
                    timeout=5.0,
                    what="the stopped instance's queue STALE by its own interval",
                )
                assert time.monotonic() - stopped < 5.0
                assert board.freshness(QUEUES, "steady") is Freshness.OK
                await until(lambda: board.age(QUEUES, "steady") < 1.0, timeout=10, what="steady read again")
                assert board.freshness(QUEUES, "steady") is Freshness.OK
                assert board.freshness(QUEUES, "quick") is Freshness.STALE
            finally:
                os.kill(other.proc.pid, signal.SIGCONT)
        finally:
            for task in tasks:
                task.cancel()
            for source in sources:
                await source.close()
    finally:
        other.stop()
