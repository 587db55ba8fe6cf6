"""Queue sources: one per server (a Redis instance, a RabbitMQ vhost set, a database, an SQS
endpoint), each reading all its queues in one round trip per tick. The kinds and channels
themselves live in `cockpit.backends.queues`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cockpit.backends.queues.redis_channel import DISCOVER_EVERY, Probe, RedisQueueSource, plan_for
from cockpit.config import Config, QueueConfig

__all__ = ["DISCOVER_EVERY", "Probe", "RedisQueueSource", "build_queue_sources", "plan_for"]


def build_queue_sources(config: Config, environ: Mapping[str, str]) -> list[Any]:
    """One source per server that has queues, in config order."""
    from cockpit.backends.queues.registry import channel, kind

    env = dict(environ)
    groups: dict[tuple[str, str], list[QueueConfig]] = {}
    for queue in config.queues:
        key = (kind(queue.kind).channel, queue.redis or queue.server or "")
        groups.setdefault(key, []).append(queue)
    return [channel(ch).source(config.queue_server(queues[0]), queues, env) for (ch, _), queues in groups.items()]
