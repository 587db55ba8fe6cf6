"""Queue depth from a real Redis, filled by the real rq and celery libraries and by the
exact key layouts Sidekiq and BullMQ write."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import redis.asyncio.connection as aio_connection

from cockpit.backends.queues.source import RedisQueueSource
from cockpit.config import loads
from tests import jobs
from tests.servers import kill_tree

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent


def queue_source(redis_url: str, queues_toml: str) -> RedisQueueSource:
    cfg = loads(f'''
[incident]
title = "t"
service = "s"
[redis.jobs]
url = "{redis_url}"
timeout = "2s"
{queues_toml}
''')
    return RedisQueueSource(cfg.redis[0], cfg.queues, {})


async def read(src: RedisQueueSource) -> dict:
    return {r.name: r for r in await src.read()}


async def test_rq_depth_failed_scheduled_and_in_flight_match_rq(redis_url: str) -> None:
    from rq import Queue, SimpleWorker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    conn = redis.Redis.from_url(redis_url)
    q = Queue("payment_retry", connection=conn)
    for i in range(3):
        q.enqueue(jobs.broken_replay, i)
    SimpleWorker([q], connection=conn).work(burst=True)  # three real failures
    for i in range(7):
        q.enqueue(jobs.replay_payment, i)
    q.enqueue_in(timedelta(minutes=10), jobs.replay_payment, 99)
    worker_q = Queue("slow_lane", connection=conn)
    worker_q.enqueue(jobs.slow_replay, 30)
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "rq"), "worker", "slow_lane", "--url", redis_url, "--burst"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while StartedJobRegistry(queue=worker_q).count == 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        src = queue_source(
            redis_url,
            """
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
[[queues]]
name = "slow-lane"
redis = "jobs"
kind = "rq"
queue = "slow_lane"
""",
        )
        try:
            got = await read(src)
        finally:
            await src.close()
        retry, slow = got["payment-retry"], got["slow-lane"]
        assert retry.value == q.count == 7
        assert retry.detail.state.failed == FailedJobRegistry(queue=q).count == 3
        assert retry.detail.state.scheduled == ScheduledJobRegistry(queue=q).count == 1
        assert slow.detail.state.in_flight == StartedJobRegistry(queue=worker_q).count == 1
        assert retry.detail.state.paused is False
        conn.set("rq:suspended", 1)  # what `rq suspend` writes: every rq queue on this Redis
        src = queue_source(
            redis_url, '[[queues]]\nname = "payment-retry"\nredis = "jobs"\nkind = "rq"\nqueue = "payment_retry"\n'
        )
        try:
            assert (await read(src))["payment-retry"].detail.state.paused is True
        finally:
            await src.close()
    finally:
        kill_tree(worker.pid)  # the worker and its work-horse
        worker.wait()


async def test_celery_depth_matches_kombu_including_priority_lists(redis_url: str) -> None:
    from celery import Celery

    app = Celery("shop", broker=redis_url)
    app.conf.broker_transport_options = {"priority_steps": list(range(10)), "queue_order_strategy": "priority"}
    for i in range(5):
        app.send_task("shop.send_receipt", args=[i], queue="emails")
    for i in range(2):
        app.send_task("shop.send_receipt", args=[i], queue="emails", priority=9)
    with app.connection_for_write() as conn:
        _, kombu_count, _ = conn.default_channel.queue_declare(queue="emails", passive=True)
    src = queue_source(redis_url, '[[queues]]\nname = "emails"\nredis = "jobs"\nkind = "celery"\nqueue = "emails"\n')
    try:
        got = await read(src)
    finally:
        await src.close()
    assert got["emails"].value == kombu_count == 7
    assert got["emails"].detail.state.in_flight == 0  # nothing unacked: no worker has taken any


async def test_bullmq_and_plain_layouts_as_those_systems_write_them(redis_url: str) -> None:
    # (Sidekiq is checked against a real Sidekiq: tests/test_queues_sidekiq.py.)
    r = redis.Redis.from_url(redis_url)
    # BullMQ (src/classes/queue-keys.ts): wait/active lists, prioritized/delayed/failed zsets, meta hash.
    r.lpush("bull:invoices:wait", "1", "2", "3")
    r.zadd("bull:invoices:prioritized", {"4": 1})
    r.lpush("bull:invoices:active", "5")
    r.zadd("bull:invoices:failed", {"6": 1, "7": 2})
    r.zadd("bull:invoices:delayed", {"8": time.time() * 1000 + 60000})
    r.hset("bull:invoices:meta", mapping={"paused": 1, "version": "bullmq:5.0.0"})
    r.xadd("events", {"type": "order"})
    r.xadd("events", {"type": "order"})
    r.xgroup_create("events", "billing", id="0")
    r.xreadgroup("billing", "worker-1", {"events": ">"}, count=1)
    r.zadd("delayed-emails", {"a": 1, "b": 2})
    r.rpush("legacy-jobs", "x")
    src = queue_source(
        redis_url,
        """
[[queues]]
name = "invoices"
redis = "jobs"
kind = "bullmq"
queue = "invoices"
[[queues]]
name = "events"
redis = "jobs"
kind = "stream"
queue = "events"
[[queues]]
name = "delayed-emails"
redis = "jobs"
kind = "zset"
queue = "delayed-emails"
[[queues]]
name = "legacy"
redis = "jobs"
kind = "list"
queue = "legacy-jobs"
""",
    )
    try:
        got = await read(src)
    finally:
        await src.close()
    invoices = got["invoices"]
    assert invoices.value == 4 and invoices.detail.state.in_flight == 1
    assert (
        invoices.detail.state.failed == 2
        and invoices.detail.state.scheduled == 1
        and invoices.detail.state.paused is True
    )
    assert got["events"].value == 2 and got["events"].detail.state.in_flight == 1
    assert got["delayed-emails"].value == 2 and got["legacy"].value == 1


async def test_discovery_finds_queues_without_keys(redis_url: str) -> None:
    from rq import Queue

    conn = redis.Redis.from_url(redis_url)
    for name in ("alpha", "beta"):
        Queue(name, connection=conn).enqueue(jobs.replay_payment, 1)
    conn.hset("bull:exports:meta", "paused", 0)
    conn.lpush("bull:exports:wait", "1", "2")
    src = queue_source(
        redis_url,
        """
[[queues]]
redis = "jobs"
kind = "rq"
discover = true
[[queues]]
redis = "jobs"
kind = "bullmq"
discover = true
""",
    )
    try:
        got = await read(src)
    finally:
        await src.close()
    assert {n: r.value for n, r in got.items()} == {"alpha": 1, "beta": 1, "exports": 2}


async def test_wrong_key_type_marks_only_that_queue(redis_url: str) -> None:
    conn = redis.Redis.from_url(redis_url)
    conn.set("rq:queue:broken", "not a list")
    conn.rpush("rq:queue:fine", "job")
    src = queue_source(
        redis_url,
        """
[[queues]]
name = "broken"
redis = "jobs"
kind = "rq"
[[queues]]
name = "fine"
redis = "jobs"
kind = "rq"
""",
    )
    try:
        got = await read(src)
    finally:
        await src.close()
    assert "wrong kind of value" in got["broken"].error
    assert got["fine"].error is None and got["fine"].value == 1


async def test_one_pipeline_per_instance_per_tick_whatever_the_number_of_queues(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = []
    original = aio_connection.AbstractConnection.send_packed_command

    async def counting(self, command, check_health=True):
        writes.append(1)
        return await original(self, command, check_health)

    blocks = "".join(f'[[queues]]\nname = "q{i}"\nredis = "jobs"\nkind = "rq"\n' for i in range(120))
    src = queue_source(redis_url, blocks)
    redis.Redis.from_url(redis_url).set("rq:suspended", 1)
    try:
        await src.read()  # connects (HELLO/handshake)
        monkeypatch.setattr(aio_connection.AbstractConnection, "send_packed_command", counting)
        for _ in range(5):
            readings = await src.read()
    finally:
        await src.close()
    assert len(readings) == 120
    assert len(writes) == 5
    # rq's one suspension key is asked once per tick, and its answer reaches every queue
    # (five commands per queue: depth, in flight, failed, scheduled, oldest age).
    assert len(src._plan_for([(q, q.queue or q.name) for q in src.queues]).calls) == 5 * 120 + 1
    assert all(r.detail.state.paused is True for r in readings)


async def test_wrong_password_and_unreachable_redis_are_named_and_other_queues_keep_updating(redis_url: str) -> None:
    from cockpit.backends.queues.source import build_queue_sources
    from cockpit.core.polling import Poller
    from cockpit.core.readings import QUEUES, Board, Freshness
    from cockpit.core.timebase import Timebase
    from tests.servers import RedisServer, free_port

    guarded = RedisServer().start()  # its own instance: a password must not touch the session Redis
    try:
        redis.Redis.from_url(guarded.url).config_set("requirepass", "s3cret")
        redis.Redis.from_url(redis_url).rpush("rq:queue:fine", "job")
        cfg = loads(f'''
[incident]
title = "t"
service = "s"
[redis.jobs]
url = "{redis_url}"
[redis.guarded]
url_env = "GUARDED_URL"
timeout = "2s"
[redis.gone]
url = "redis://127.0.0.1:{free_port()}/0"
timeout = "1s"
[[queues]]
name = "fine"
redis = "jobs"
kind = "rq"
[[queues]]
name = "locked"
redis = "guarded"
kind = "sidekiq"
[[queues]]
name = "away"
redis = "gone"
kind = "bullmq"
''')
        board = Board()
        sources = build_queue_sources(cfg, {"GUARDED_URL": f"redis://:wrong@127.0.0.1:{guarded.port}/0"})
        try:
            for source in sources:
                await Poller(source, board, Timebase()).tick()
            slots = dict(board.slots(QUEUES))
            assert board.freshness(QUEUES, "locked") is Freshness.UNREACHABLE
            assert "invalid username-password pair" in slots["locked"].latest.error
            assert "wrong" not in slots["locked"].latest.error  # the password is never shown
            assert board.freshness(QUEUES, "away") is Freshness.UNREACHABLE
            assert "connect" in slots["away"].latest.error.lower()
            assert board.freshness(QUEUES, "fine") is Freshness.OK and board.value(QUEUES, "fine") == 1.0
        finally:
            for source in sources:
                await source.close()
    finally:
        guarded.stop()
