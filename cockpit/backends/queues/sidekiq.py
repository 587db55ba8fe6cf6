"""Sidekiq: `queue:<q>` lists (LPUSH, workers take from the right, so the oldest job is at -1
with its `enqueued_at`), and `retry`, `schedule` and `dead` zsets SHARED by every queue.

Each job in those sets records its queue, so a script counts them per queue inside Redis:
one EVALSHA per set per tick whatever the number of queues (the answer is a few pairs). Its
Redis time is bounded: up to WINDOW jobs per set per tick; a bigger set is read one window
per tick in turn and its per-queue split scaled to the set's exact size (bench/README.md). In-flight is read the same way
from every process's busy-thread hash, so a one-off `snapshot` has it on its first read.
Pause: Sidekiq Pro's `paused` set; OSS has none (quieting a process cannot be undone)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import Sent
from cockpit.backends.queues.redis_channel import Probe, RedisKind
from cockpit.backends.queues.scripts import COUNT_BY_QUEUE, SIDEKIQ_BUSY, Tally, count_of, windowed_count_of

#: Members of a shared set read per tick (bounded Redis time: ~0.5 ms per 1,000 jobs); a bigger
#: set is read a window per tick in turn and its per-queue split scaled to its exact size.
WINDOW = 2000
#: The tallies of the shared sets, per Redis instance and key (they persist across ticks).
_TALLIES: dict[tuple[str | None, str], Tally] = {}


def _tally(queue: Any, key: str) -> Tally:
    return _TALLIES.setdefault((queue.redis, key), Tally())


def _age_of_job(answer: Any) -> float | None:
    if not answer:
        return None
    job = json.loads(answer[0] if isinstance(answer, list) else answer)
    enqueued = job.get("enqueued_at") or job.get("created_at")
    if enqueued is None:
        return None
    enqueued = float(enqueued)
    if enqueued > 1e11:  # Sidekiq 8 writes milliseconds
        enqueued /= 1000.0
    return max(0.0, time.time() - enqueued)


@dataclass(frozen=True)
class SidekiqKind:
    name: str = "sidekiq"
    channel: str = "redis"
    keys: tuple[str, ...] = ("prefix",)
    discovers: bool = True
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> None:
        return None

    def probes(self, queue: Any, q: str) -> list[Probe]:
        p = f"{queue.prefix}:" if queue.prefix else ""
        step = max(1, int(getattr(queue, "interval", 2)))

        def shared(metric: str, key: str) -> Probe:
            return Probe(
                q,
                metric,
                ("EVALSHA", COUNT_BY_QUEUE.sha, 1, key, WINDOW, step),
                windowed_count_of(q, _tally(queue, key)),
            )

        return [
            Probe(q, "depth", ("LLEN", f"{p}queue:{q}")),
            Probe(q, "oldest_age", ("LRANGE", f"{p}queue:{q}", -1, -1), _age_of_job),
            Probe(q, "in_flight", ("EVALSHA", SIDEKIQ_BUSY.sha, 0, p), count_of(q)),
            shared("failed", f"{p}dead"),
            shared("retrying", f"{p}retry"),
            shared("scheduled", f"{p}schedule"),
            Probe(q, "paused", ("SISMEMBER", f"{p}paused", q)),
        ]

    async def discover(self, client: Any, queue: Any) -> set[str]:
        p = f"{queue.prefix}:" if queue.prefix else ""
        return {m.decode() if isinstance(m, bytes) else m async for m in client.sscan_iter(f"{p}queues")}

    def pause_scope(self, queue: Any) -> str:
        return (
            "adds the queue to Sidekiq Pro's `paused` set (workers poll it every ~10 s); "
            "Sidekiq OSS ignores it and offers only quieting processes, which cannot be undone"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        client = source.control_client()
        name = queue.queue or queue.name
        key = f"{queue.prefix}:paused" if queue.prefix else "paused"
        await (client.sadd(key, name) if paused else client.srem(key, name))
        command = f"{'SADD' if paused else 'SREM'} {key} {name}"
        return Sent(f"{command} (Sidekiq Pro)", self.describe_set_paused(queue, None, paused))

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        key = f"{queue.prefix}:paused" if queue.prefix else "paused"
        return (f"redis {queue.redis!r}: {'SADD' if paused else 'SREM'} {key} {queue.queue or queue.name}",)


KIND: RedisKind = SidekiqKind()
