"""The Redis channel: every queue of one Redis instance in one non-transactional pipeline per tick.

Each Redis kind plans its reads as `Probe`s (a command, and which metric of which queue its
answer feeds), so a tick for any number of queues is one round trip, parsed by index. The
plan is built once per set of queues, and a command several queues share (rq's one
`rq:suspended`, a Sidekiq-wide script) is sent once. Nothing here writes, and nothing calls a
library method that writes while reading (RQ's registry `count` runs a cleanup; we use ZCARD).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from cockpit.backends.queues.base import Channel, QueueKind, QueueState, as_reading
from cockpit.core.readings import QUEUES, Clock, Reading, wall_clock

if TYPE_CHECKING:
    import redis.asyncio as aioredis

    from cockpit.config import QueueConfig, RedisInstance
    from cockpit.config.reader import Table

#: Re-discover queues every this many ticks (discovery is the only extra round trip).
DISCOVER_EVERY = 15


def as_int(value: Any) -> int:
    if isinstance(value, bytes):
        value = value.decode()
    if value in (None, ""):
        return 0
    return int(float(value))


def as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Probe:
    """One command in the pipeline, and which metric of which queue its answer feeds.

    `args` is the whole command (e.g. ("LLEN", "rq:queue:default")); probes with equal args are
    sent once. `parse` turns the answer into the metric's value (default: an integer)."""

    queue: str
    metric: str  # depth, in_flight, failed, retrying, scheduled, oldest_age, paused
    args: tuple[str | int, ...]
    parse: Callable[[Any], Any] | None = None

    @property
    def key(self) -> str:
        if self.args[0] == "EVALSHA":
            return str(self.args[3]) if len(self.args) > 3 else "a script"
        if self.args[0] == "XINFO":
            return str(self.args[2])
        return str(self.args[1]) if len(self.args) > 1 else str(self.args[0])


@runtime_checkable
class RedisKind(QueueKind, Protocol):
    """A queue kind read through the Redis channel: it plans its reads as probes."""

    def probes(self, queue: QueueConfig, q: str) -> list[Probe]:
        """The commands reading queue `q` (a discovered name, or the configured one)."""
        ...


@runtime_checkable
class DiscoveringKind(RedisKind, Protocol):
    """A Redis kind that can list every queue of the server (`discovers = True`)."""

    async def discover(self, client: aioredis.Redis, queue: QueueConfig) -> set[str]:
        """The names of the server's queues: SSCAN/SCAN, never KEYS."""
        ...


#: Kinds already checked: `isinstance` against a runtime-checkable protocol walks its
#: members (~80 us), and every read asked it once per queue (900 queues: 17 % of the TUI's CPU).
_redis_kinds: dict[str, RedisKind] = {}


def redis_kind(name: str) -> RedisKind:
    """The registered kind `name`, which must read through this channel."""
    found = _redis_kinds.get(name)
    if found is not None:
        return found
    from cockpit.backends.queues.registry import kind

    checked = kind(name)
    if not isinstance(checked, RedisKind):
        raise LookupError(f"queue kind {name!r} is not read through Redis")
    _redis_kinds[name] = checked
    return checked


def _discovering(name: str) -> DiscoveringKind:
    found = redis_kind(name)
    if not isinstance(found, DiscoveringKind):
        raise LookupError(f"queue kind {name!r} cannot discover queues")
    return found


class Plan(NamedTuple):
    """One tick's pipeline: the distinct commands, and for each probe the answer it reads."""

    probes: list[tuple[QueueConfig, str, Probe]]
    calls: list[Probe]
    answer_of: list[int]  # probe i reads answers[answer_of[i]]
    scripted: bool  # some command is an EVALSHA (the scripts must be loaded)


def plan_for(targets: Sequence[tuple[QueueConfig, str]]) -> Plan:
    probes = []
    for queue, name in targets:
        rows = list(redis_kind(queue.kind).probes(queue, name))
        if queue.pause_key:
            rows.append(Probe(name, "paused", ("EXISTS", queue.pause_key.replace("{queue}", name))))
        probes += [(queue, name, p) for p in rows]
    index: dict[tuple[str | int, ...], int] = {}
    calls: list[Probe] = []
    answer_of: list[int] = []
    for _, _, probe in probes:
        if probe.args not in index:
            index[probe.args] = len(calls)
            calls.append(probe)
        answer_of.append(index[probe.args])
    return Plan(probes, calls, answer_of, any(c.args[0] == "EVALSHA" for c in calls))


def _noscript(answers: list[Any]) -> bool:
    """Some answer says the server forgot our scripts (one import and one pass for every
    answer: asked per answer, the import was 5 % of the TUI's CPU at 900 queues)."""
    from redis.exceptions import NoScriptError

    return any(isinstance(answer, NoScriptError) for answer in answers)


def _wrong_type(error: Exception, key: str) -> str:
    text = str(error)
    if text.startswith("WRONGTYPE"):
        return f"key {key!r} holds the wrong kind of value for this queue kind"
    return f"Redis error on {key!r}: {text[:80]}"


class RedisQueueSource:
    """All configured queues of one Redis instance."""

    kind = QUEUES

    def __init__(
        self,
        instance: RedisInstance,
        queues: Sequence[QueueConfig],
        environ: dict[str, str] | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self.instance = instance
        self.queues = list(queues)
        self.ident = f"queues@{instance.name}"
        self.interval = instance.interval
        self.timeout = instance.timeout
        self.clock = clock
        self._environ = environ
        self._client: aioredis.Redis | None = None
        self._control: aioredis.Redis | None = None
        self._discovered: dict[int, list[str]] = {}
        self._ticks = 0
        self._plan: tuple[Any, Plan] | None = None
        self._scripts_loaded = False
        self.round_trips = 0  # counted for the benchmark: one per tick, plus discovery

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.queues if not q.discover]

    def _url(self) -> str:
        return self.instance.resolve_url(self._environ) if self._environ is not None else self.instance.resolve_url()

    def client(self) -> aioredis.Redis:
        if self._client is None:
            import redis.asyncio as aioredis

            # No per-reply socket timeout: `read` puts one deadline on the whole round trip
            # (a timeout context per reply costs more CPU than parsing the reply).
            self._client = aioredis.Redis.from_url(
                self._url(), socket_timeout=None, socket_connect_timeout=self.timeout, health_check_interval=0
            )
        return self._client

    def control_client(self) -> aioredis.Redis:
        """The client pause/resume write through: a timeout on every reply."""
        if self._control is None:
            import redis.asyncio as aioredis

            self._control = aioredis.Redis.from_url(
                self._url(), socket_timeout=self.timeout, socket_connect_timeout=self.timeout
            )
        return self._control

    async def close(self) -> None:
        for client in (self._client, self._control):
            if client is not None:
                await client.aclose()
        self._client = self._control = None

    def targets(self) -> list[tuple[QueueConfig, str]]:
        out: list[tuple[QueueConfig, str]] = []
        for index, queue in enumerate(self.queues):
            names = self._discovered.get(index, []) if queue.discover else [queue.queue or queue.name]
            out += [(queue, name) for name in names]
        return out

    async def read(self) -> list[Reading]:
        client = self.client()
        if self._ticks % DISCOVER_EVERY == 0 and any(q.discover for q in self.queues):
            await self._discover(client)
        self._ticks += 1
        targets = self.targets()
        plan = self._plan_for(targets)
        async with asyncio.timeout(self.timeout):  # cancelling drops the connection: no half-read replies
            if not self._scripts_loaded and plan.scripted:
                await self._load_scripts(client)
            answers = await self._send(client, plan)
            if plan.scripted and _noscript(answers):  # the server restarted and forgot them
                await self._load_scripts(client)
                answers = await self._send(client, plan)
        return self._readings(targets, plan.probes, [answers[i] for i in plan.answer_of])

    async def _send(self, client: aioredis.Redis, plan: Plan) -> list[Any]:
        if not plan.calls:
            return []
        async with client.pipeline(transaction=False) as pipe:
            for call in plan.calls:
                pipe.execute_command(*call.args)
            answers = await pipe.execute(raise_on_error=False)
        self.round_trips += 1
        return answers

    async def _load_scripts(self, client: aioredis.Redis) -> None:
        from cockpit.backends.queues.scripts import ALL

        async with client.pipeline(transaction=False) as pipe:
            for script in ALL:
                pipe.script_load(script.text)
            await pipe.execute()
        self.round_trips += 1
        self._scripts_loaded = True

    def _plan_for(self, targets: list[tuple[QueueConfig, str]]) -> Plan:
        key = [(id(queue), name) for queue, name in targets]
        if self._plan is None or self._plan[0] != key:
            self._plan = (key, plan_for(targets))
        return self._plan[1]

    def _readings(
        self, targets: list[tuple[QueueConfig, str]], probes: list[tuple[QueueConfig, str, Probe]], answers: list[Any]
    ) -> list[Reading]:
        from redis.exceptions import ResponseError

        now = self.clock()
        metrics: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for (queue, name, probe), answer in zip(probes, answers, strict=True):
            label = name if queue.discover else queue.name
            slot = metrics.setdefault(label, {})
            if isinstance(answer, ResponseError):
                errors.setdefault(label, _wrong_type(answer, probe.key))
                continue
            try:
                _apply(slot, probe, answer)
            except (TypeError, ValueError, AttributeError) as exc:
                errors.setdefault(label, f"unexpected reply for {probe.key!r}: {exc}")
        readings = []
        server = self.instance.name
        for queue, name in targets:
            label = name if queue.discover else queue.name
            slot = metrics.get(label, {})
            get = slot.get
            state = QueueState(
                depth=get("depth"),
                in_flight=get("in_flight"),
                failed=get("failed"),
                retrying=get("retrying"),
                scheduled=get("scheduled"),
                oldest_age=get("oldest_age"),
                paused=get("paused"),
            )
            # Built once with its final detail (a copy per reading to add the pause scope
            # was a third of this loop's time at 900 queues).
            scope = redis_kind(queue.kind).pause_note or None
            readings.append(as_reading(queue, label, server, state, errors.get(label), now, name, scope))
        return readings

    async def _discover(self, client: aioredis.Redis) -> None:
        """Find the queues of each `discover = true` entry: SSCAN/SCAN, never KEYS."""
        for index, queue in enumerate(self.queues):
            if queue.discover:
                self._discovered[index] = sorted(await _discovering(queue.kind).discover(client, queue))
                self.round_trips += 1


def _apply(slot: dict[str, Any], probe: Probe, answer: Any) -> None:
    value = probe.parse(answer) if probe.parse else as_int(answer)
    metric = probe.metric
    if value is None:
        return
    if metric == "paused":
        flag = value not in (0, b"0", b"", b"false", "0", "false", False)
        slot["paused"] = bool(slot.get("paused")) or flag
    elif metric == "oldest_age":
        slot[metric] = max(slot.get(metric) or 0.0, float(value))
    else:
        slot[metric] = (slot.get(metric) or 0) + value


class RedisChannel:
    """Redis servers are the core's `[redis.NAME]` instances (shared with flags and caches)."""

    name = "redis"
    section = None
    server_key = "redis"

    def read_server(self, t: Table) -> Any:  # pragma: no cover - the core reads [redis.*]
        raise NotImplementedError

    def source(self, server: RedisInstance, queues: Sequence[QueueConfig], environ: dict[str, str]) -> RedisQueueSource:
        return RedisQueueSource(server, queues, environ)


CHANNEL: Channel = RedisChannel()
