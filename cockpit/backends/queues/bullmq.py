"""BullMQ: `bull:<q>:wait` list (+ `:prioritized`, legacy `:paused`), `:active`, `:failed`,
`:delayed` zsets, and `:meta` field `paused`. New jobs are LPUSHed and taken from the right,
so the oldest waiting job is at -1; its hash `bull:<q>:<id>` holds `timestamp` (ms)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import Sent
from cockpit.backends.queues.redis_channel import Probe, RedisKind
from cockpit.backends.queues.scripts import OLDEST_VIA_HASH


def _age_ms(answer: Any) -> float | None:
    if not answer:
        return None
    return max(0.0, time.time() - float(answer) / 1000.0)


@dataclass(frozen=True)
class BullmqKind:
    name: str = "bullmq"
    channel: str = "redis"
    keys: tuple[str, ...] = ("prefix",)
    discovers: bool = True
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> None:
        return None

    def probes(self, queue: Any, q: str) -> list[Probe]:
        base = f"{queue.prefix or 'bull'}:{q}"
        return [
            Probe(q, "depth", ("LLEN", f"{base}:wait")),
            Probe(q, "depth", ("ZCARD", f"{base}:prioritized")),
            Probe(q, "depth", ("LLEN", f"{base}:paused")),
            Probe(q, "in_flight", ("LLEN", f"{base}:active")),
            Probe(q, "failed", ("ZCARD", f"{base}:failed")),
            Probe(q, "scheduled", ("ZCARD", f"{base}:delayed")),
            Probe(
                q,
                "oldest_age",
                ("EVALSHA", OLDEST_VIA_HASH.sha, 1, f"{base}:wait", f"{base}:", -1, "timestamp"),
                _age_ms,
            ),
            Probe(q, "paused", ("HGET", f"{base}:meta", "paused")),
        ]

    async def discover(self, client: Any, queue: Any) -> set[str]:
        p = queue.prefix or "bull"
        found = set()
        async for key in client.scan_iter(match=f"{p}:*:meta", count=500):
            text = key.decode() if isinstance(key, bytes) else key
            found.add(text[len(p) + 1 : -len(":meta")])
        return found

    def pause_scope(self, queue: Any) -> str:
        return f"BullMQ pause of {queue.queue}: meta paused=1, marker removed, 'paused' event"

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        client = source.control_client()
        name = queue.queue or queue.name
        base = f"{queue.prefix or 'bull'}:{name}"
        async with client.pipeline(transaction=True) as pipe:
            if paused:
                pipe.hset(f"{base}:meta", "paused", 1)
                pipe.delete(f"{base}:marker")
                pipe.xadd(f"{base}:events", {"event": "paused"}, maxlen=10000, approximate=True)
            else:
                pipe.hdel(f"{base}:meta", "paused")
                pipe.xadd(f"{base}:events", {"event": "resumed"}, maxlen=10000, approximate=True)
                pipe.zadd(f"{base}:marker", {"0": 0})  # wake blocked workers, as BullMQ's resume does
            await pipe.execute()
        return Sent(
            f"BullMQ {'pause' if paused else 'resume'} of {name}", self.describe_set_paused(queue, None, paused)
        )

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        base = f"{queue.prefix or 'bull'}:{queue.queue or queue.name}"
        if paused:
            commands = (
                f"HSET {base}:meta paused 1",
                f"DEL {base}:marker",
                f"XADD {base}:events MAXLEN ~ 10000 * event paused",
            )
        else:
            commands = (
                f"HDEL {base}:meta paused",
                f"XADD {base}:events MAXLEN ~ 10000 * event resumed",
                f"ZADD {base}:marker 0 0",
            )
        where = f"redis {queue.redis!r}"
        return (f"{where}: MULTI", *(f"{where}: {c}" for c in commands), f"{where}: EXEC")


KIND: RedisKind = BullmqKind()
