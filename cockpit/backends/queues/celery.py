"""Celery on Redis (kombu): the queue's list plus `<q>\\x06\\x16<n>` lists for priorities; unacked
messages in the `unacked` hash. Pause is Celery's remote control through the broker."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent, redacted_url
from cockpit.backends.queues.redis_channel import Probe, RedisKind

#: Celery (kombu) keeps higher priorities in sibling lists named `<queue>\x06\x16<n>`.
CELERY_PRIORITY_SEP = "\x06\x16"
CELERY_PRIORITIES = ("3", "6", "9")
#: Celery keeps no pause state; the cockpit's own marker says we cancelled its consumers.
CELERY_MARKER = "cockpit:celery-paused:{queue}"
NOT_DURABLE = "remote-control cancel_consumer to every worker: NOT durable, a restarted worker consumes again"


async def remote_control(broker_url: str, name: str, paused: bool) -> str:
    """cancel_consumer / add_consumer through the broker; says which workers acknowledged."""
    try:
        from celery import Celery
    except ImportError:
        raise CannotPause("pausing a Celery queue needs the celery package: pip install 'cockpit[celery]'") from None

    def broadcast() -> list[dict[str, Any]]:
        app = Celery("cockpit", broker=broker_url)
        try:
            control = app.control.cancel_consumer if paused else app.control.add_consumer
            return control(name, reply=True, timeout=2.0) or []
        finally:
            app.close()

    replies = await asyncio.to_thread(broadcast)
    verb = "cancel_consumer" if paused else "add_consumer"
    workers = sorted(w for reply in replies for w in reply)
    if not workers:
        return f"{verb} {name}: no worker answered (none running?)"
    return f"{verb} {name}: acknowledged by {', '.join(workers)}"


def control_command(broker_url: str, name: str, paused: bool) -> str:
    """The remote-control broadcast as sent (the broker URL without its password)."""
    verb = "cancel_consumer" if paused else "add_consumer"
    return f"celery control {verb} queue={name} via {redacted_url(broker_url)}"


@dataclass(frozen=True)
class CeleryKind:
    name: str = "celery"
    channel: str = "redis"
    keys: tuple[str, ...] = ()
    discovers: bool = False
    pause_note: str | None = None
    durable_pause: bool = False

    def read_options(self, t: Any) -> None:
        return None

    def probes(self, queue: Any, q: str) -> list[Probe]:
        rows = [Probe(q, "depth", ("LLEN", q))]
        rows += [Probe(q, "depth", ("LLEN", f"{q}{CELERY_PRIORITY_SEP}{n}")) for n in CELERY_PRIORITIES]
        return [
            *rows,
            Probe(q, "in_flight", ("HLEN", "unacked")),
            Probe(q, "paused", ("EXISTS", CELERY_MARKER.format(queue=q))),
        ]

    def pause_scope(self, queue: Any) -> str:
        return NOT_DURABLE

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        name = queue.queue or queue.name
        said = await remote_control(source._url(), name, paused)
        marker = CELERY_MARKER.format(queue=name)
        client = source.control_client()
        await (client.set(marker, 1) if paused else client.delete(marker))
        return Sent(said, _sent(queue, source._url(), paused))

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        """`server` is the queue's Redis instance, the broker (its URL, or the variable naming it)."""
        return _sent(queue, server.url or f"${server.url_env}", paused)


def _sent(queue: Any, broker_url: str, paused: bool) -> tuple[str, ...]:
    name = queue.queue or queue.name
    marker = CELERY_MARKER.format(queue=name)
    return (
        control_command(broker_url, name, paused),
        f"redis {queue.redis!r}: " + (f"SET {marker} 1" if paused else f"DEL {marker}"),
    )


KIND: RedisKind = CeleryKind()
