"""RQ: `rq:queue:<q>` (list), `rq:wip:<q>` (StartedJobRegistry), `rq:failed:<q>`, `rq:scheduled:<q>`
zsets, and one `rq:suspended` key for the whole Redis database (what `rq suspend` writes).
The oldest job is the list's head; its `enqueued_at` is in the job's hash `rq:job:<id>`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cockpit.backends.queues.base import Sent
from cockpit.backends.queues.redis_channel import Probe, RedisKind


def age_since_iso(value: Any) -> float | None:
    """Seconds since an RQ timestamp such as 2026-11-29T09:00:00.123456Z."""
    if not value:
        return None
    text = value.decode() if isinstance(value, bytes) else str(value)
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (datetime.now(UTC) - at).total_seconds())


@dataclass(frozen=True)
class RqKind:
    name: str = "rq"
    channel: str = "redis"
    keys: tuple[str, ...] = ("prefix",)
    discovers: bool = True
    durable_pause: bool = True
    pause_note: str = "every rq queue on this Redis"

    def read_options(self, t: Any) -> None:
        return None

    def probes(self, queue: Any, q: str) -> list[Probe]:
        from cockpit.backends.queues.scripts import OLDEST_VIA_HASH  # on the first read (the drill reads no Redis)

        p = queue.prefix or "rq"
        return [
            Probe(q, "depth", ("LLEN", f"{p}:queue:{q}")),
            Probe(q, "in_flight", ("ZCARD", f"{p}:wip:{q}")),
            Probe(q, "failed", ("ZCARD", f"{p}:failed:{q}")),
            Probe(q, "scheduled", ("ZCARD", f"{p}:scheduled:{q}")),
            Probe(
                q,
                "oldest_age",
                ("EVALSHA", OLDEST_VIA_HASH.sha, 1, f"{p}:queue:{q}", f"{p}:job:", 0, "enqueued_at"),
                age_since_iso,
            ),
            Probe(q, "paused", ("EXISTS", f"{p}:suspended")),
        ]

    async def discover(self, client: Any, queue: Any) -> set[str]:
        prefix = f"{queue.prefix or 'rq'}:queue:"
        return {
            (m.decode() if isinstance(m, bytes) else m).removeprefix(prefix)
            async for m in client.sscan_iter(f"{queue.prefix or 'rq'}:queues")
        }

    def pause_scope(self, queue: Any) -> str:
        return f"SET rq:suspended on redis {queue.redis!r}: stops EVERY rq queue on that Redis, not just this one"

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        client = source.control_client()
        key = f"{queue.prefix or 'rq'}:suspended"
        await (client.set(key, 1) if paused else client.delete(key))
        command = f"SET {key} 1" if paused else f"DEL {key}"
        return Sent(
            f"{command} (every rq queue on redis {queue.redis!r})", self.describe_set_paused(queue, None, paused)
        )

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        key = f"{queue.prefix or 'rq'}:suspended"
        return (f"redis {queue.redis!r}: " + (f"SET {key} 1" if paused else f"DEL {key}"),)


KIND: RedisKind = RqKind()
