"""Several cockpits on one incident: the journal mirrored through a Redis stream.

Why a Redis stream: every incident this tool serves already has a Redis; XADD gives one
total order for all operators' entries (the stream ID), XREAD lets each cockpit follow
it cheaply, and `SET NX PX` gives step locks that expire by themselves when a process dies.

The local journal stays the source of truth. Each cockpit publishes its OWN entries
(identified by instance id + local seq, so a retry after an outage never doubles one)
and copies everyone else's into its local journal as mirrored entries (deduplicated by
the same identity). While Redis is unreachable nothing is lost: local entries wait, and
are published in order when it returns.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from cockpit.core.runbook import default_steps
from cockpit.incident.journal import Entry, Journal

if TYPE_CHECKING:  # redis is imported when a cockpit joins, not at every start-up
    import redis.asyncio as aioredis

MIRROR = "mirror"
#: One stream entry as this client reads it: id and fields as bytes. The client is made
#: without decode_responses, so replies are bytes; redis-py types them `bytes | str`
#: because it cannot know, hence the casts where a stream is read.
StreamEntry = tuple[bytes, dict[bytes, bytes]]


def _text(reply: bytes | str) -> str:
    """A reply as text (bytes from this client; `str` only in redis-py's annotations)."""
    return reply.decode() if isinstance(reply, bytes) else reply


def SHARED_ERRORS() -> tuple[type[BaseException], ...]:  # noqa: N802 - used like a constant tuple
    """What a shared-store call raises when the store is away."""
    from redis.exceptions import RedisError

    return (OSError, ConnectionError, TimeoutError, RedisError)


def new_instance_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class LockHolder:
    step: str
    holder: str  # "operator@instance"


class SharedLog:
    """Publishes this cockpit's entries and mirrors everyone else's; holds step locks."""

    def __init__(
        self,
        url: str,
        incident: str,
        journal: Journal,
        on_foreign: Callable[[dict[str, Any]], object],
        instance: str | None = None,
        lock_ttl: float = 15.0,
        poll: float = 0.5,
    ) -> None:
        self.url = url
        self.incident = incident
        self.journal = journal
        self.on_foreign = on_foreign
        self.instance = instance or new_instance_id()
        self.lock_ttl = lock_ttl
        self.poll = poll
        self.stream = f"cockpit:{incident}:log"
        self._client: aioredis.Redis | None = None
        self._last_id = "0-0"
        self._published = 0  # highest own local seq known to be in the stream
        self._synced = False
        self._seen: set[tuple[str, int]] = self._mirrored_identities()
        self.order: list[tuple[str, int]] = []  # (instance, seq) in stream order: the one shared order
        self._ordered: set[tuple[str, int]] = set()
        self.reachable = False
        self.error: str | None = None
        self.locks: dict[str, str] = {}  # step -> holder, as last read
        #: The steps whose locks are read: the session's runbook (`Session.attach_shared` sets it).
        self.step_ids: tuple[str, ...] = tuple(s.id for s in default_steps())

    def _mirrored_identities(self) -> set[tuple[str, int]]:
        return {
            (str(e.data[MIRROR]["instance"]), int(e.data[MIRROR]["seq"]))
            for e in self.journal.entries
            if isinstance(e.data.get(MIRROR), dict)
        }

    def client(self) -> aioredis.Redis:
        if self._client is None:
            import redis.asyncio as aioredis

            self._client = aioredis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- the mirror loop ----------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await self.sync_once()
            await asyncio.sleep(self.poll)

    async def sync_once(self) -> bool:
        """Publish what is pending, pull what is new; False (and `error`) when Redis is away."""
        try:
            if not self._synced:
                await self._catch_up_identity()
            await self._publish_pending()
            await self._pull()
            await self._read_locks()
        except SHARED_ERRORS() as exc:
            self.reachable = False
            self.error = f"shared store unreachable: {type(exc).__name__}"
            self._synced = False  # after an outage, re-learn what the stream already has
            await self.close()
            return False
        self.reachable, self.error = True, None
        return True

    async def _catch_up_identity(self) -> None:
        """Which of our own entries are already in the stream (after a restart or an outage)."""
        published = 0
        async for _, fields in self._scan(min_id="-"):
            if fields.get(b"instance", b"").decode() == self.instance:
                published = max(published, int(fields[b"seq"]))
        self._published = published
        self._synced = True

    async def _scan(self, min_id: str) -> AsyncIterator[StreamEntry]:
        client = self.client()
        start = min_id
        while True:
            batch = cast("list[StreamEntry] | None", await client.xrange(self.stream, min=start, count=500))
            if not batch:
                return
            for stream_id, fields in batch:
                yield stream_id, fields
            last = _text(batch[-1][0])
            ms, _, seq = last.partition("-")
            start = f"{ms}-{int(seq) + 1}"

    def _own_pending(self) -> list[Entry]:
        return [e for e in self.journal.entries if MIRROR not in e.data and e.seq > self._published]

    async def _publish_pending(self) -> None:
        pending = self._own_pending()
        if not pending:
            return
        async with self.client().pipeline(transaction=False) as pipe:
            for entry in pending:
                pipe.xadd(
                    self.stream,
                    {
                        "instance": self.instance,
                        "seq": entry.seq,
                        "entry": json.dumps(entry.to_dict(), ensure_ascii=False, default=str),
                    },
                )
            await pipe.execute()
        self._published = pending[-1].seq

    async def _pull(self) -> None:
        answer = cast(
            "list[tuple[bytes, list[StreamEntry]]] | None",
            await self.client().xread({self.stream: self._last_id}, count=1000),
        )
        for _, messages in answer or []:
            for stream_id, fields in messages:
                self._last_id = _text(stream_id)
                instance = fields[b"instance"].decode()
                seq = int(fields[b"seq"])
                if (instance, seq) not in self._ordered:  # a re-publish after an outage is not a new entry
                    self._ordered.add((instance, seq))
                    self.order.append((instance, seq))
                if instance == self.instance or (instance, seq) in self._seen:
                    continue
                self._seen.add((instance, seq))
                entry = json.loads(fields[b"entry"])
                entry.setdefault("data", {})[MIRROR] = {"instance": instance, "seq": seq, "stream_id": self._last_id}
                self.on_foreign(entry)

    # -- step locks -------------------------------------------------------------------------
    def _lock_key(self, step: str) -> str:
        return f"cockpit:{self.incident}:lock:{step}"

    async def acquire(self, step: str, holder: str) -> str | None:
        """Take the step's lock; None when taken, else who holds it. Raises when Redis is away."""
        value = f"{holder}@{self.instance}"
        client = self.client()
        for _ in range(3):
            if await client.set(self._lock_key(step), value, nx=True, px=int(self.lock_ttl * 1000)):
                return None
            current = await client.get(self._lock_key(step))
            if current:
                return _text(current)
            # Released between our SET and GET: try again; never report "taken" as "ours".
        return "another cockpit (the lock changed hands three times while we asked)"

    async def refresh(self, step: str, holder: str) -> None:
        value = f"{holder}@{self.instance}"
        key = self._lock_key(step)
        # Extend only our own lock (compare-and-pexpire in one script, atomically).
        await self.client().eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then "
            "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
            1,
            key,
            value,
            int(self.lock_ttl * 1000),
        )

    async def release(self, step: str, holder: str) -> None:
        value = f"{holder}@{self.instance}"
        await self.client().eval(
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
            1,
            self._lock_key(step),
            value,
        )

    async def _read_locks(self) -> None:
        ids = self.step_ids
        values = await self.client().mget([self._lock_key(s) for s in ids])
        self.locks = {step: _text(v) for step, v in zip(ids, values, strict=True) if v}

    def ordered_identities(self) -> list[tuple[str, int]]:
        """Every entry in the one shared order, then our own not yet published."""
        seen = set(self.order)
        tail = [(self.instance, e.seq) for e in self._own_pending() if (self.instance, e.seq) not in seen]
        return self.order + tail
