"""Queue depth from Redis: one non-transactional pipeline per Redis instance per tick.

Each kind is a table of (metric, command, key) rows over the library's real key layout,
so a tick for any number of queues is one round trip and results are parsed by index.
The plan of a tick (which commands, which answer feeds which queue) is built once per set
of queues, and a command several queues share (rq's one `rq:suspended`, Sidekiq's `retry`)
is sent once. Nothing here writes, and nothing calls a library method that writes while
reading (RQ's registry `count` runs a cleanup; we use ZCARD).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from cockpit.config import QueueConfig, RedisInstance
from cockpit.readings import QUEUES, Reading, wall_clock

#: Celery (kombu) keeps higher priorities in sibling lists named `<queue>\x06\x16<n>`.
CELERY_PRIORITY_SEP = "\x06\x16"
CELERY_PRIORITIES = ("3", "6", "9")
#: Re-discover queues every this many ticks (discovery is the only extra round trip).
DISCOVER_EVERY = 15


@dataclass(frozen=True)
class Probe:
    """One command in the pipeline, and which metric of which queue its answer feeds."""

    queue: str
    metric: str      # depth, in_flight, failed, scheduled, paused
    command: str     # LLEN, ZCARD, XLEN, EXISTS, HGET, SISMEMBER, XINFO_GROUPS, HLEN, SMEMBERS, TYPE
    key: str
    arg: str | None = None


def probes_for(queue: QueueConfig, name: str, sidekiq_processes: Sequence[str] = ()) -> list[Probe]:
    """The commands that read one queue of a given kind (its real key layout)."""
    q = name
    kind = queue.kind
    if kind == "rq":
        p = queue.prefix or "rq"
        rows = [Probe(q, "depth", "LLEN", f"{p}:queue:{q}"), Probe(q, "in_flight", "ZCARD", f"{p}:wip:{q}"),
                Probe(q, "failed", "ZCARD", f"{p}:failed:{q}"), Probe(q, "scheduled", "ZCARD", f"{p}:scheduled:{q}"),
                Probe(q, "paused", "EXISTS", f"{p}:suspended")]
    elif kind == "celery":
        rows = [Probe(q, "depth", "LLEN", q)]
        rows += [Probe(q, "depth", "LLEN", f"{q}{CELERY_PRIORITY_SEP}{n}") for n in CELERY_PRIORITIES]
        rows += [Probe(q, "in_flight", "HLEN", "unacked"),
                 # Celery keeps no pause state; the cockpit's own marker says we cancelled its consumers.
                 Probe(q, "paused", "EXISTS", f"cockpit:celery-paused:{q}")]
    elif kind == "sidekiq":
        p = f"{queue.prefix}:" if queue.prefix else ""
        rows = [Probe(q, "depth", "LLEN", f"{p}queue:{q}"), Probe(q, "failed", "ZCARD", f"{p}dead"),
                Probe(q, "scheduled", "ZCARD", f"{p}retry"), Probe(q, "scheduled", "ZCARD", f"{p}schedule"),
                Probe(q, "paused", "SISMEMBER", f"{p}paused", q),
                Probe(q, "processes", "SMEMBERS", f"{p}processes")]
        rows += [Probe(q, "in_flight", "HGET", f"{p}{ident}", "busy") for ident in sidekiq_processes]
    elif kind == "bullmq":
        p = queue.prefix or "bull"
        base = f"{p}:{q}"
        rows = [Probe(q, "depth", "LLEN", f"{base}:wait"), Probe(q, "depth", "ZCARD", f"{base}:prioritized"),
                Probe(q, "depth", "LLEN", f"{base}:paused"), Probe(q, "in_flight", "LLEN", f"{base}:active"),
                Probe(q, "failed", "ZCARD", f"{base}:failed"), Probe(q, "scheduled", "ZCARD", f"{base}:delayed"),
                Probe(q, "paused", "HGET", f"{base}:meta", "paused")]
    elif kind == "list":
        rows = [Probe(q, "depth", "LLEN", queue.queue or q)]
    elif kind == "stream":
        rows = [Probe(q, "depth", "XLEN", queue.queue or q), Probe(q, "in_flight", "XINFO_GROUPS", queue.queue or q)]
    elif kind == "zset":
        rows = [Probe(q, "depth", "ZCARD", queue.queue or q)]
    else:  # config validation makes this unreachable
        raise ValueError(f"unknown queue kind {kind!r}")
    if queue.pause_key:
        rows.append(Probe(q, "paused", "EXISTS", queue.pause_key.replace("{queue}", q)))
    return rows


class Plan(NamedTuple):
    """One tick's pipeline: the distinct commands, and for each probe the answer it reads."""

    probes: list[tuple[QueueConfig, str, Probe]]
    calls: list[Probe]
    answer_of: list[int]  # probe i reads answers[answer_of[i]]


def plan_for(targets: Sequence[tuple[QueueConfig, str]], sidekiq_processes: Sequence[str]) -> Plan:
    probes = [(queue, name, p) for queue, name in targets for p in probes_for(queue, name, sidekiq_processes)]
    index: dict[tuple[str, str, str | None], int] = {}
    calls: list[Probe] = []
    answer_of: list[int] = []
    for _, _, probe in probes:
        command = (probe.command, probe.key, probe.arg)
        if command not in index:
            index[command] = len(calls)
            calls.append(probe)
        answer_of.append(index[command])
    return Plan(probes, calls, answer_of)


def _queue_call(pipe: Any, probe: Probe) -> None:
    if probe.command == "XINFO_GROUPS":
        pipe.execute_command("XINFO", "GROUPS", probe.key)
    elif probe.arg is not None:
        pipe.execute_command(probe.command, probe.key, probe.arg)
    else:
        pipe.execute_command(probe.command, probe.key)


def _as_int(value: Any) -> int:
    if isinstance(value, bytes):
        value = value.decode()
    if value in (None, ""):
        return 0
    return int(float(value))


def _wrong_type(error: ResponseError, key: str) -> str:
    text = str(error)
    if text.startswith("WRONGTYPE"):
        return f"key {key!r} holds the wrong kind of value for this queue kind"
    return f"Redis error on {key!r}: {text[:80]}"


class RedisQueueSource:
    """All configured queues of one Redis instance."""

    kind = QUEUES

    def __init__(self, instance: RedisInstance, queues: Sequence[QueueConfig], environ: dict[str, str] | None = None,
                 clock=wall_clock) -> None:
        self.instance = instance
        self.queues = list(queues)
        self.ident = f"queues@{instance.name}"
        self.interval = instance.interval
        self.timeout = instance.timeout
        self.clock = clock
        self._environ = environ
        self._client: aioredis.Redis | None = None
        self._discovered: dict[int, list[str]] = {}
        self._ticks = 0
        self._sidekiq_processes: list[str] = []
        self._plan: tuple[Any, Plan] | None = None
        self.round_trips = 0  # counted for the benchmark: one per tick, plus discovery

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.queues if not q.discover]

    def client(self) -> aioredis.Redis:
        if self._client is None:
            url = self.instance.resolve_url(self._environ) if self._environ is not None else self.instance.resolve_url()
            # No per-reply socket timeout: `read` puts one deadline on the whole round trip
            # (a timeout context per reply costs more CPU than parsing the reply).
            self._client = aioredis.Redis.from_url(url, socket_timeout=None, socket_connect_timeout=self.timeout,
                                                   health_check_interval=0)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def read(self) -> list[Reading]:
        client = self.client()
        if self._ticks % DISCOVER_EVERY == 0 and any(q.discover for q in self.queues):
            await self._discover(client)
        self._ticks += 1
        targets: list[tuple[QueueConfig, str]] = []
        for index, queue in enumerate(self.queues):
            names = self._discovered.get(index, []) if queue.discover else [queue.queue or queue.name]
            targets += [(queue, name) for name in names]
        plan = self._plan_for(targets)
        async with asyncio.timeout(self.timeout):  # cancelling drops the connection: no half-read replies
            async with client.pipeline(transaction=False) as pipe:
                for call in plan.calls:
                    _queue_call(pipe, call)
                answers = await pipe.execute(raise_on_error=False) if plan.calls else []
        self.round_trips += 1
        return self._readings(targets, plan.probes, [answers[i] for i in plan.answer_of])

    def _plan_for(self, targets: list[tuple[QueueConfig, str]]) -> Plan:
        key = ([(id(queue), name) for queue, name in targets], list(self._sidekiq_processes))
        if self._plan is None or self._plan[0] != key:
            self._plan = (key, plan_for(targets, self._sidekiq_processes))
        return self._plan[1]

    def _readings(self, targets, probes, answers) -> list[Reading]:
        now = self.clock()
        metrics: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for (queue, name, probe), answer in zip(probes, answers):
            label = (name if queue.discover else queue.name)
            slot = metrics.setdefault(label, {"kind": queue.kind, "redis": self.instance.name, "queue": name})
            if isinstance(answer, ResponseError):
                errors.setdefault(label, _wrong_type(answer, probe.key))
                continue
            try:
                self._apply(slot, probe, answer)
            except (TypeError, ValueError) as exc:
                errors.setdefault(label, f"unexpected reply for {probe.key!r}: {exc}")
        readings = []
        for queue, name in targets:
            label = (name if queue.discover else queue.name)
            slot = metrics.get(label, {"kind": queue.kind, "redis": self.instance.name, "queue": name})
            slot.setdefault("in_flight", None)
            slot.setdefault("failed", None)
            slot.setdefault("scheduled", None)
            slot.setdefault("paused", None)
            slot["risky"] = queue.risky
            slot["stage"] = queue.stage
            if queue.kind == "rq":
                slot["pause_scope"] = "every rq queue on this Redis"
            depth = slot.pop("depth", None)
            readings.append(Reading(QUEUES, label, None if depth is None else float(depth), now, errors.get(label), slot))
        return readings

    def _apply(self, slot: dict[str, Any], probe: Probe, answer: Any) -> None:
        metric = probe.metric
        if metric == "processes":
            members = sorted(m.decode() if isinstance(m, bytes) else str(m) for m in (answer or ()))
            self._sidekiq_processes = members
            return
        if metric == "paused":
            flag = answer not in (None, 0, b"0", b"", b"false", "0", "false")
            slot["paused"] = bool(slot.get("paused")) or flag
            return
        if probe.command == "XINFO_GROUPS":
            value = sum(_as_int(_field(group, "pending")) for group in (answer or []))
        else:
            value = _as_int(answer)
        slot[metric] = (slot.get(metric) or 0) + value

    async def _discover(self, client: aioredis.Redis) -> None:
        """Find the queues of each `discover = true` entry: SSCAN/SCAN, never KEYS."""
        for index, queue in enumerate(self.queues):
            if not queue.discover:
                continue
            found: set[str] = set()
            if queue.kind == "rq":
                prefix = f"{queue.prefix or 'rq'}:queue:"
                async for member in client.sscan_iter(f"{queue.prefix or 'rq'}:queues"):
                    text = member.decode() if isinstance(member, bytes) else member
                    found.add(text.removeprefix(prefix))
            elif queue.kind == "sidekiq":
                p = f"{queue.prefix}:" if queue.prefix else ""
                async for member in client.sscan_iter(f"{p}queues"):
                    found.add(member.decode() if isinstance(member, bytes) else member)
            elif queue.kind == "bullmq":
                p = queue.prefix or "bull"
                async for key in client.scan_iter(match=f"{p}:*:meta", count=500):
                    text = key.decode() if isinstance(key, bytes) else key
                    found.add(text[len(p) + 1: -len(":meta")])
            self.round_trips += 1
            self._discovered[index] = sorted(found)


def _field(group: Any, name: str) -> Any:
    if isinstance(group, dict):
        for key, value in group.items():
            if (key.decode() if isinstance(key, bytes) else key) == name:
                return value
        return 0
    # RESP2 replies are flat [name, value, name, value, ...] lists.
    items = list(group)
    for i in range(0, len(items) - 1, 2):
        key = items[i].decode() if isinstance(items[i], bytes) else items[i]
        if key == name:
            return items[i + 1]
    return 0

