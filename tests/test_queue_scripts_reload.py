"""A Redis that forgot the cockpit's scripts (restarted, or SCRIPT FLUSH) is read again after
loading them once more: the next read shows the queue, not an error."""

from __future__ import annotations

import json
import time

import pytest
import redis

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads

pytestmark = pytest.mark.servers


async def test_a_flushed_script_cache_is_reloaded_and_the_queue_read(redis_url: str) -> None:
    cfg = loads(
        f'[incident]\ntitle = "t"\nservice = "s"\n[redis.jobs]\nurl = "{redis_url}"\n'
        '[[queues]]\nname = "mailers"\nredis = "jobs"\nkind = "sidekiq"\nqueue = "mailers"\n'
    )
    client = redis.Redis.from_url(redis_url)
    job = json.dumps({"class": "Mail", "queue": "mailers", "enqueued_at": time.time()})
    client.lpush("queue:mailers", job, job, job)
    [source] = build_queue_sources(cfg, {})
    try:
        [first] = await source.read()
        client.script_flush()
        [again] = await source.read()
    finally:
        await source.close()
    assert first.error is None and first.value == 3.0
    assert again.error is None and again.value == 3.0
