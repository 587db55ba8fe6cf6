"""Which queue kinds and channels exist. Adding a kind = its module + one line in KINDS."""

from __future__ import annotations

from typing import Any

from cockpit.backends.queues import (
    bullmq,
    celery,
    pgboss,
    plain,
    postgres_channel,
    procrastinate,
    rabbitmq,
    redis_channel,
    rq,
    sidekiq,
    solid_queue,
    sql,
    sqs,
)

#: Every queue kind, by the `kind = "..."` a config names it with.
KINDS: dict[str, Any] = {
    k.name: k
    for k in (
        rq.KIND,
        celery.KIND,
        sidekiq.KIND,
        bullmq.KIND,
        plain.LIST,
        plain.STREAM,
        plain.ZSET,
        rabbitmq.KIND,
        procrastinate.KIND,
        solid_queue.KIND,
        sql.KIND,
        pgboss.KIND,
        sqs.KIND,
    )
}

#: Every channel (the shared round trip of one server), by name.
CHANNELS: dict[str, Any] = {
    c.name: c
    for c in (
        redis_channel.CHANNEL,
        rabbitmq.CHANNEL,
        postgres_channel.CHANNEL,
        sqs.CHANNEL,
    )
}


def names() -> tuple[str, ...]:
    return tuple(KINDS)


def kind(name: str) -> Any:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown queue kind {name!r} (known: {', '.join(KINDS)})") from None


def channel(name: str) -> Any:
    return CHANNELS[name]
