"""RabbitMQ through its management HTTP API: one `GET /api/queues/{vhost}` per vhost per tick
lists every queue of the vhost (ready, unacknowledged, consumers, head message timestamp).

Depth = messages_ready, in flight = messages_unacknowledged, oldest age = now − the head
message's `timestamp` property when the publisher sets one (RabbitMQ reports
`head_message_timestamp` only then). RabbitMQ has no failed/retry/scheduled counts of its own
(dead letters are another queue: configure it as its own queue). "Paused" means no consumer is
attached. Pause for Celery workers: remote control `cancel_consumer`/`add_consumer` over the
broker — not durable, a restarted worker consumes again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from cockpit.backends.queues.base import CannotPause, Channel, QueueKind, QueueState, Sent, as_reading
from cockpit.backends.queues.celery import control_command, remote_control
from cockpit.core.details import queue_detail
from cockpit.core.readings import QUEUES, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

COLUMNS = "name,messages_ready,messages_unacknowledged,consumers,head_message_timestamp"


@dataclass(frozen=True)
class RabbitServer:
    url: str
    user: str
    password_env: str | None
    broker_url_env: str | None

    def secret_envs(self) -> tuple[str, ...]:
        return tuple(n for n in (self.password_env, self.broker_url_env) if n)


@dataclass(frozen=True)
class RabbitOptions:
    vhost: str


class RabbitSource:
    """Every configured queue of one RabbitMQ server: one request per vhost per tick."""

    kind = QUEUES
    channel = "rabbitmq"

    def __init__(self, server: Any, queues: Sequence[Any], environ: dict[str, str], clock: Clock = wall_clock) -> None:
        self.server = server
        self.options: RabbitServer = server.options
        self.queues = list(queues)
        self.ident = f"queues@{server.name}"
        self.interval, self.timeout = server.interval, server.timeout
        self.environ = environ
        self.clock = clock
        self._client: Any = None
        self.requests = 0  # counted for the benchmark

    def expected_names(self) -> Sequence[str]:
        return [q.name for q in self.queues]

    def client(self) -> Any:
        if self._client is None:
            import httpx

            password = ""
            if self.options.password_env:
                password = self.environ.get(self.options.password_env, "")
                if not password:
                    raise ReadError(
                        f"environment variable {self.options.password_env} "
                        f"(rabbitmq.{self.server.name}.password_env) is not set"
                    )
            self._client = httpx.AsyncClient(
                base_url=self.options.url, auth=(self.options.user, password), timeout=self.timeout
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _vhost(self, vhost: str) -> dict[str, dict[str, Any]] | str:
        """The vhost's queues by name, or why they cannot be read (for that vhost's queues)."""
        import httpx

        try:
            response = await self.client().get(f"/api/queues/{quote(vhost, safe='')}", params={"columns": COLUMNS})
        except httpx.TimeoutException:
            raise ReadError(
                f"RabbitMQ management API at {self.options.url} did not answer within {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ReadError(f"RabbitMQ management API at {self.options.url} unreachable: {exc}") from None
        finally:
            self.requests += 1
        if response.status_code == 401:
            raise ReadError(f"RabbitMQ refused user {self.options.user!r} (HTTP 401): wrong user or password")
        if response.status_code == 404:
            return f"vhost {vhost!r} does not exist on {self.options.url}"
        if response.status_code >= 300:
            return f"RabbitMQ answered HTTP {response.status_code} for vhost {vhost!r}"
        try:
            body = response.json()
            return {str(item["name"]): item for item in body}
        except (ValueError, TypeError, KeyError):
            return f"RabbitMQ's answer for vhost {vhost!r} is not a list of queues"

    async def settle(self, queue: Any, paused: bool, within: float) -> bool:
        """Wait until the API shows the queue with (paused) no consumer, or (resumed) one."""
        deadline = time.monotonic() + within
        while True:
            found = await self._vhost(queue.options.vhost)
            item = found.get(queue.queue or queue.name) if isinstance(found, dict) else None
            if item is not None and (item.get("consumers") == 0) == paused:
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.25)

    async def read(self) -> list[Reading]:
        vhosts = sorted({q.options.vhost for q in self.queues})
        answers = dict(zip(vhosts, await asyncio.gather(*(self._vhost(v) for v in vhosts)), strict=True))
        now = self.clock()
        readings = []
        for queue in self.queues:
            found = answers[queue.options.vhost]
            name = queue.queue or queue.name
            if isinstance(found, str):
                readings.append(as_reading(queue, queue.name, self.server.name, None, found, now))
            elif name not in found:
                readings.append(
                    as_reading(
                        queue,
                        queue.name,
                        self.server.name,
                        None,
                        f"no queue {name!r} in vhost {queue.options.vhost!r}",
                        now,
                    )
                )
            else:
                reading = as_reading(queue, queue.name, self.server.name, parse(found[name]), None, now)
                reading = replace(
                    reading, detail=replace(queue_detail(reading.detail), consumers=found[name].get("consumers"))
                )
                readings.append(reading)
        return readings


def parse(item: dict[str, Any]) -> QueueState:
    head = item.get("head_message_timestamp")
    consumers = item.get("consumers")
    return QueueState(
        depth=int(item.get("messages_ready") or 0),
        in_flight=int(item.get("messages_unacknowledged") or 0),
        oldest_age=max(0.0, time.time() - float(head))
        if isinstance(head, (int, float))
        else (0.0 if not item.get("messages_ready") else None),
        paused=None if consumers is None else consumers == 0,
    )


@dataclass(frozen=True)
class RabbitChannel:
    name: str = "rabbitmq"
    section: str = "rabbitmq"
    server_key: str = "rabbitmq"

    def read_server(self, t: Any) -> RabbitServer:
        return RabbitServer(
            url=t.url("url", required=True),
            user=t.str("user", "guest"),
            password_env=t.env_name("password_env"),
            broker_url_env=t.env_name("broker_url_env"),
        )

    def source(self, server: Any, queues: Sequence[Any], environ: dict[str, str]) -> RabbitSource:
        return RabbitSource(server, queues, environ)


@dataclass(frozen=True)
class RabbitKind:
    name: str = "rabbitmq"
    channel: str = "rabbitmq"
    keys: tuple[str, ...] = ("vhost",)
    discovers: bool = False
    pause_note: str | None = None
    durable_pause: bool = False

    def read_options(self, t: Any) -> RabbitOptions:
        return RabbitOptions(vhost=t.str("vhost", "/"))

    def pause_scope(self, queue: Any) -> str:
        return (
            "Celery remote control cancel_consumer over the broker (rabbitmq.*.broker_url_env): every Celery "
            "worker stops consuming this queue; NOT durable, a restarted worker consumes again. "
            "Other consumers: stop them (RabbitMQ has no queue pause)"
        )

    async def set_paused(self, source: RabbitSource, queue: Any, paused: bool) -> Sent:
        env_name = _broker_env(queue, source.server)
        url = source.environ.get(env_name)
        if not url:
            raise CannotPause(
                f"environment variable {env_name} (rabbitmq.{source.server.name}.broker_url_env) "
                "is not set: nothing was changed"
            )
        said = await remote_control(url, queue.queue or queue.name, paused)
        sent = (control_command(url, queue.queue or queue.name, paused),)
        # The API's consumer count refreshes every collect_statistics_interval (5 s by default):
        # wait for it, so the read-back that follows sees what the workers did.
        if await source.settle(queue, paused, within=12.0):
            return Sent(said, sent)
        return Sent(said + " (the management API does not show it yet)", sent)

    def describe_set_paused(self, queue: Any, server: Any, paused: bool) -> tuple[str, ...]:
        return (control_command(f"${_broker_env(queue, server)}", queue.queue or queue.name, paused),)


def _broker_env(queue: Any, server: Any) -> str:
    """The variable holding the Celery broker URL (`rabbitmq.NAME.broker_url_env`), else why none."""
    env_name: str | None = server.options.broker_url_env
    if not env_name:
        raise CannotPause(
            f"{queue.name}: RabbitMQ has no queue pause; set rabbitmq.{server.name}."
            "broker_url_env to pause Celery consumers by remote control, or stop the consumers"
        )
    return env_name


CHANNEL: Channel = RabbitChannel()
KIND: QueueKind = RabbitKind()
