"""Pause and resume job queues, the way each system itself does it, and read the result back.

- rq: `rq:suspended` (what `rq suspend` writes) — it stops EVERY rq queue on that Redis.
- bullmq: `HSET bull:<q>:meta paused 1`, drop the `marker`, `XADD events paused` (BullMQ's pause).
- sidekiq: the `paused` set that Sidekiq Pro reads; OSS can only quiet processes, irreversibly.
- celery: `cancel_consumer` / `add_consumer` remote control through the broker — not durable:
  a restarted worker consumes again. A cockpit marker key records that we paused it.
- any kind: a configured `pause_key` for home-grown workers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.outcome import NOT_CHANGED, UNKNOWN, describe, write_outcome
from cockpit.config import Config, QueueConfig
from cockpit.readings import Reading
from cockpit.sources.queues import RedisQueueSource

CELERY_MARKER = "cockpit:celery-paused:{queue}"


class QueueActionError(LookupError):
    """The queue cannot be paused or resumed this way; the message says why and what to do."""


@dataclass(frozen=True)
class QueueState:
    name: str
    depth: float | None
    in_flight: int | None
    paused: bool | None
    error: str | None


class QueueControl:
    """Reads and pauses the configured queues; one Redis client per instance."""

    def __init__(self, config: Config, environ: Mapping[str, str], sources: Sequence[RedisQueueSource] = ()) -> None:
        self.config = config
        self.environ = environ
        self._sources = {s.instance.name: s for s in sources}
        self._clients: dict[str, aioredis.Redis] = {}

    def queue(self, name: str) -> QueueConfig:
        for queue in self.config.queues:
            if queue.name == name:
                return queue
        known = ", ".join(q.name for q in self.config.queues) or "none"
        raise QueueActionError(f"no queue named {name!r} (configured: {known})")

    def client(self, redis_name: str) -> aioredis.Redis:
        if redis_name not in self._clients:
            instance = self.config.redis_named(redis_name)
            self._clients[redis_name] = aioredis.Redis.from_url(instance.resolve_url(self.environ),
                                                                socket_timeout=instance.timeout,
                                                                socket_connect_timeout=instance.timeout)
        return self._clients[redis_name]

    def _source(self, redis_name: str) -> RedisQueueSource:
        if redis_name not in self._sources:
            instance = self.config.redis_named(redis_name)
            queues = [q for q in self.config.queues if q.redis == redis_name]
            self._sources[redis_name] = RedisQueueSource(instance, queues, dict(self.environ))
        return self._sources[redis_name]

    async def states(self, names: Sequence[str]) -> dict[str, QueueState]:
        """Live state of the named queues (one pipeline per Redis instance)."""
        wanted = [self.queue(n) for n in names]
        out: dict[str, QueueState] = {}
        for redis_name in {q.redis for q in wanted}:
            readings: list[Reading] = await self._source(redis_name).read()
            for r in readings:
                if r.name in names:
                    out[r.name] = QueueState(r.name, r.value if isinstance(r.value, float) else None,
                                             r.detail.get("in_flight"), r.detail.get("paused"), r.error)
        return out

    def pause_scope(self, queue: QueueConfig) -> str:
        if queue.pause_key:
            return f"sets {queue.pause_key} (home-grown worker pause key)"
        return {
            "rq": f"SET rq:suspended on redis {queue.redis!r}: stops EVERY rq queue on that Redis, not just this one",
            "bullmq": f"BullMQ pause of {queue.queue}: meta paused=1, marker removed, 'paused' event",
            "sidekiq": "adds the queue to Sidekiq Pro's `paused` set (workers poll it every ~10 s); "
                       "Sidekiq OSS ignores it and offers only quieting processes, which cannot be undone",
            "celery": "remote-control cancel_consumer to every worker: NOT durable, a restarted worker consumes again",
        }.get(queue.kind, f"a {queue.kind} queue can only be paused through a configured pause_key")

    async def pause(self, queue: QueueConfig) -> str:
        return await self._set_paused(queue, True)

    async def resume(self, queue: QueueConfig) -> str:
        return await self._set_paused(queue, False)

    async def _set_paused(self, queue: QueueConfig, paused: bool) -> str:
        client = self.client(queue.redis)
        name = queue.queue or queue.name
        if queue.pause_key:
            key = queue.pause_key.replace("{queue}", name)
            await (client.set(key, 1) if paused else client.delete(key))
            return f"{'SET' if paused else 'DEL'} {key}"
        if queue.kind == "rq":
            key = f"{queue.prefix or 'rq'}:suspended"
            await (client.set(key, 1) if paused else client.delete(key))
            return f"{'SET' if paused else 'DEL'} {key} (every rq queue on redis {queue.redis!r})"
        if queue.kind == "bullmq":
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
            return f"BullMQ {'pause' if paused else 'resume'} of {name}"
        if queue.kind == "sidekiq":
            key = f"{queue.prefix}:paused" if queue.prefix else "paused"
            await (client.sadd(key, name) if paused else client.srem(key, name))
            return f"{'SADD' if paused else 'SREM'} {key} {name} (Sidekiq Pro)"
        if queue.kind == "celery":
            return await self._celery(queue, name, paused)
        raise QueueActionError(f"{queue.name}: {self.pause_scope(queue)}")

    async def _celery(self, queue: QueueConfig, name: str, paused: bool) -> str:
        try:
            from celery import Celery
        except ImportError:
            raise QueueActionError("pausing a Celery queue needs the celery package: pip install 'cockpit[celery]'") from None
        url = self.config.redis_named(queue.redis).resolve_url(self.environ)

        def broadcast() -> list:
            app = Celery("cockpit", broker=url)
            try:
                control = app.control.cancel_consumer if paused else app.control.add_consumer
                return control(name, reply=True, timeout=2.0) or []
            finally:
                app.close()

        replies = await asyncio.to_thread(broadcast)
        marker = CELERY_MARKER.format(queue=name)
        client = self.client(queue.redis)
        await (client.set(marker, 1) if paused else client.delete(marker))
        workers = sorted(w for reply in replies for w in reply)
        if not workers:
            return f"{'cancel_consumer' if paused else 'add_consumer'} {name}: no worker answered (none running?)"
        return f"{'cancel_consumer' if paused else 'add_consumer'} {name}: acknowledged by {', '.join(workers)}"

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()


class PauseQueues(Action):
    """Pause a set of queues: the risky ones ("stop the damage"), or one by name."""

    def __init__(self, control: QueueControl, names: Sequence[str], *, name: str, title: str, step: str | None) -> None:
        self.control = control
        self.names = list(names)
        self.name, self.title, self.step = name, title, step

    async def preview(self) -> Preview:
        if not self.names:
            return Preview(self.name, self.title, ("no queue is marked risky = true",), nothing_to_do=True)
        states = await self.control.states(self.names)
        lines, warnings = [], []
        for name in self.names:
            queue, state = self.control.queue(name), states.get(name)
            now = "unreadable" if state is None or state.error else (
                f"{_n(state.depth)} waiting, {_n(state.in_flight)} in flight, {'PAUSED' if state.paused else 'running'}")
            lines.append(f"{name} ({queue.kind} on redis {queue.redis!r}): {now}")
            warnings.append(self.control.pause_scope(queue))
        waiting = sum(int(s.depth or 0) for s in states.values())
        return Preview(self.name, self.title, tuple(lines), {"queues": len(self.names), "waiting": waiting},
                       warnings=tuple(dict.fromkeys(warnings)),
                       nothing_to_do=all(s.paused for s in states.values()) and len(states) == len(self.names))

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await each_queue(self.control, self.names, paused=True, progress=progress)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        states = await self.control.states(self.names)
        unreadable = [f"{n} ({states[n].error if n in states else 'no reading'})" for n in self.names
                      if n not in states or states[n].error]
        running = [n for n in self.names if n in states and not states[n].error and not states[n].paused]
        celery = [n for n in self.names if self.control.queue(n).kind == "celery"]
        if running or unreadable:
            said = ([f"still running: {', '.join(running)}"] if running else []) + \
                   ([f"cannot read back: {'; '.join(unreadable)}"] if unreadable else [])
            return Result(False, "; ".join(said), state_left=executed.state_left or "see the queues panel",
                          data={"running": running, "unreadable": unreadable})
        note = f"; celery pause is not durable ({', '.join(celery)})" if celery else ""
        return Result(True, "paused: " + ", ".join(f"{n} ({_n(states[n].depth)} waiting)" for n in self.names) + note,
                      data={"states": {n: {"depth": states[n].depth, "in_flight": states[n].in_flight}
                                       for n in self.names}})


class ResumeQueues(Action):
    destructive = True

    def __init__(self, control: QueueControl, names: Sequence[str], *, name: str = "resume_queue",
                 title: str = "Resume queues", step: str | None = None) -> None:
        self.control = control
        self.names = list(names)
        self.name, self.title, self.step = name, title, step

    async def preview(self) -> Preview:
        states = await self.control.states(self.names)
        lines = [f"{n}: {_n(s.depth)} waiting will start to run" for n, s in states.items()]
        return Preview(self.name, self.title, tuple(lines), {"waiting": sum(int(s.depth or 0) for s in states.values())},
                       warnings=("Resuming everything at once replays every waiting job together; the staged restart "
                                 "(j) resumes stage by stage.",))

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        return await each_queue(self.control, self.names, paused=False, progress=progress)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        states = await self.control.states(self.names)
        still = [n for n in self.names if states.get(n) and states[n].paused]
        unreadable = [n for n in self.names if n not in states or states[n].error]
        if still or unreadable:
            said = ([f"still paused: {', '.join(still)}"] if still else []) + \
                   ([f"cannot read back: {', '.join(unreadable)}"] if unreadable else [])
            return Result(False, "; ".join(said), state_left=executed.state_left or "see the queues panel")
        return Result(True, "running: " + ", ".join(self.names))


async def each_queue(control: QueueControl, names: Sequence[str], *, paused: bool, progress: Progress) -> Result:
    """Pause (or resume) each queue in turn. One failing does not stop the others, and the
    result says for every queue whether it changed, did not, or may have (a write that
    timed out after it was sent)."""
    verb = "paused" if paused else "resumed"
    done: list[str] = []
    failed: dict[str, list[str]] = {}
    reasons: list[str] = []
    for name in names:
        try:
            queue = control.queue(name)
            progress(await (control.pause(queue) if paused else control.resume(queue)))
            done.append(name)
        except Exception as exc:  # noqa: BLE001 - one queue failing must not hide the others' state
            outcome = write_outcome(exc)
            failed.setdefault(outcome, []).append(name)
            reasons.append(f"{name}: {describe(exc)}")
            progress(f"{name}: FAILED ({outcome}): {describe(exc)}")
    if not failed:
        return Result(True, f"{verb} {', '.join(done)}", data={verb: done})
    left = [f"{verb}: {', '.join(done) or 'none'}"]
    if NOT_CHANGED in failed:
        left.append(f"NOT {verb}: {', '.join(failed[NOT_CHANGED])}")
    if UNKNOWN in failed:
        left.append(f"unknown (the command may have landed; read the panel): {', '.join(failed[UNKNOWN])}")
    return Result(False, f"{verb} {len(done)} of {len(names)}: {'; '.join(reasons)}", state_left="; ".join(left),
                  data={verb: done, "failed": reasons, "not_changed": failed.get(NOT_CHANGED, []),
                        "unknown": failed.get(UNKNOWN, [])})


def _n(value: object) -> str:
    return "?" if value is None else f"{int(value):,}"  # type: ignore[call-overload]
