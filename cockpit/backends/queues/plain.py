"""Home-grown queues on plain Redis types: a list (LLEN), a stream (XLEN; in flight = the
consumer groups' pending entries) or a zset (ZCARD). No pause of their own: a configured
`pause_key` that the workers check is the only one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cockpit.backends.queues.base import CannotPause, Sent
from cockpit.backends.queues.redis_channel import Probe, RedisKind, as_int, as_text


def _pending(answer: Any) -> int:
    return sum(as_int(_field(group, "pending")) for group in (answer or []))


def _field(group: Any, name: str) -> Any:
    if isinstance(group, dict):
        for key, value in group.items():
            if as_text(key) == name:
                return value
        return 0
    items = list(group)  # RESP2 replies are flat [name, value, name, value, ...] lists
    for i in range(0, len(items) - 1, 2):
        if as_text(items[i]) == name:
            return items[i + 1]
    return 0


@dataclass(frozen=True)
class PlainKind:
    name: str
    command: str
    #: A stream: its consumer groups' pending entries are the ones in flight.
    pending_in_groups: bool = False
    channel: str = "redis"
    keys: tuple[str, ...] = ()
    discovers: bool = False
    durable_pause: bool = True
    pause_note: str | None = None

    def read_options(self, t: Any) -> None:
        return None

    def probes(self, queue: Any, q: str) -> list[Probe]:
        key = queue.queue or q
        rows = [Probe(q, "depth", (self.command, key))]
        if self.pending_in_groups:
            rows.append(Probe(q, "in_flight", ("XINFO", "GROUPS", key), _pending))
        return rows

    def pause_scope(self, queue: Any) -> str:
        return (
            f"a {self.name} queue has no pause of its own; set pause_key to a key its workers check, "
            "or stop its workers"
        )

    async def set_paused(self, source: Any, queue: Any, paused: bool) -> Sent:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        raise CannotPause(f"{queue.name}: {self.pause_scope(queue)}")


LIST: RedisKind = PlainKind("list", "LLEN")
STREAM: RedisKind = PlainKind("stream", "XLEN", pending_in_groups=True)
ZSET: RedisKind = PlainKind("zset", "ZCARD")
KINDS: tuple[RedisKind, ...] = (LIST, STREAM, ZSET)
