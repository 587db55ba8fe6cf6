"""The queue seam: what every queue kind and every channel (the shared round trip) provides.

A *kind* (rq, sidekiq, rabbitmq, procrastinate, ...) knows one system's layout: which config
keys it takes, how to plan its reads into its channel's round trip, how to parse the answers
into a `QueueState`, and how to pause/resume (or why it cannot, and what to do instead).
A *channel* (redis, rabbitmq, postgres, sqs) knows one kind of server: which config section
names its servers, and how to read every queue of one server in one round trip per tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from cockpit.core.details import NO_STATE, QueueDetail
from cockpit.core.details import QueueState as QueueState  # re-exported: the kinds' parse target

if TYPE_CHECKING:
    from cockpit.config import QueueConfig
    from cockpit.config.reader import Table
    from cockpit.core.readings import Reading


@dataclass(frozen=True)
class Sent:
    """What a pause or resume did (`said`, for the progress line) and the exact commands it
    sent (`commands`, each "system where: command", no secrets), for the command log."""

    said: str
    commands: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.said


def redacted_url(url: str) -> str:
    """`url` without its password (user kept): safe for a command log."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        host = parts.hostname or ""
        netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "(a URL that cannot be parsed; not shown)"


class CannotPause(LookupError):
    """This queue has no pause the cockpit can use; the message says what to do instead."""


@dataclass(frozen=True)
class ServerConfig:
    """A named server of a channel's config section (`[rabbitmq.main]`, `[databases.jobs]`, ...)."""

    name: str
    channel: str
    interval: float
    timeout: float
    options: Any  # the channel's own frozen record

    def secret_envs(self) -> tuple[str, ...]:
        return tuple(getattr(self.options, "secret_envs", lambda: ())())


class QueueKind(Protocol):
    """One queue system. A kind module exposes it as `KIND: QueueKind = ...` (or a channel's
    narrower protocol), so mypy checks every registered kind against this seam."""

    @property
    def name(self) -> str: ...
    @property
    def channel(self) -> str:
        """The channel whose round trip it joins: "redis", "rabbitmq", "postgres" or "sqs"."""
        ...

    @property
    def keys(self) -> tuple[str, ...]:
        """Its own config keys, beyond the ones every queue takes (listed by check-config)."""
        ...

    @property
    def discovers(self) -> bool:
        """Whether `discover = true` may stand for every queue of the server."""
        ...

    @property
    def durable_pause(self) -> bool:
        """False when a pause lasts only until a worker restarts (remote-control cancels)."""
        ...

    @property
    def pause_note(self) -> str | None:
        """Set when one pause covers every queue of the kind on a server (what it covers)."""
        ...

    def read_options(self, t: Table) -> Any:
        """Read (and so allow) the kind's own keys of one `[[queues]]` entry."""
        ...

    def pause_scope(self, queue: QueueConfig) -> str:
        """What pausing this queue does (shown in the preview), or why it cannot and what instead."""
        ...

    async def set_paused(self, source: Any, queue: QueueConfig, paused: bool) -> Sent:
        """Pause or resume through the system's own mechanism; returns what was done and sent.
        Raises `CannotPause` when there is none."""
        ...

    def describe_set_paused(self, queue: QueueConfig, server: Any, paused: bool) -> tuple[str, ...]:
        """The command-log lines `set_paused` sends, without sending (the drill shows what a real
        one sends); `server` is the queue's (`Config.queue_server`). Raises `CannotPause` as
        `set_paused` would."""
        ...


class Channel(Protocol):
    """One kind of server; reads every queue of one server in one round trip per tick.
    A channel module exposes it as `CHANNEL: Channel = ...`."""

    @property
    def name(self) -> str: ...
    @property
    def section(self) -> str | None:
        """The config section of its servers (None: the core's own `[redis.*]`)."""
        ...

    @property
    def server_key(self) -> str:
        """The queue key that names the server (`redis = "jobs"`, `rabbitmq = "main"`)."""
        ...

    def read_server(self, t: Table) -> Any:
        """Read one `[section.NAME]` table into the channel's frozen options."""
        ...

    def source(self, server: Any, queues: Sequence[QueueConfig], environ: dict[str, str]) -> Any:
        """The poll source for all `queues` of one server (a `cockpit.core.source.Source`)."""
        ...


def reading_detail(
    queue: QueueConfig,
    server: str,
    state: QueueState | None,
    name: str | None = None,
    pause_scope: str | None = None,
) -> QueueDetail:
    """The detail of a queue reading: its state plus where the queue lives (and what a
    pause covers, when more than this queue)."""
    return QueueDetail(
        state=state or NO_STATE,
        kind=queue.kind,
        server=server,
        queue=name or queue.queue or queue.name,
        risky=queue.risky,
        stage=queue.stage,
        age_warn=queue.age_warn,
        age_critical=queue.age_critical,
        redis=queue.redis,
        pause_scope=pause_scope,
    )


def as_reading(
    queue: QueueConfig,
    label: str,
    server: str,
    state: QueueState | None,
    error: str | None,
    at: Any,
    name: str | None = None,
    pause_scope: str | None = None,
) -> Reading:
    from cockpit.core.readings import QUEUES, Reading

    depth = None if state is None or state.depth is None else float(state.depth)
    return Reading(QUEUES, label, depth, at, error, reading_detail(queue, server, state, name, pause_scope))
