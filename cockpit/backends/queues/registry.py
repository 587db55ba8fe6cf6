"""Which queue kinds and channels exist.

Adding a queue kind = its module in this package + its name in KIND_MODULES (one line);
a module names its kind `KIND: QueueKind = ...` (or several in `KINDS: tuple[QueueKind, ...]`),
annotated with the protocol (or its channel's narrower one: `RedisKind`, `TableKind`) so mypy
checks the kind against the seam; tests/test_source_queues.py fails a module without the
annotation. A new kind of server is a channel module named in CHANNEL_MODULES the same way
(`CHANNEL: Channel = ...`; it may be the kind's own module).
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from cockpit.backends.queues.base import Channel, QueueKind

KIND_MODULES = (
    "rq",
    "celery",
    "sidekiq",
    "bullmq",
    "plain",  # list, stream, zset
    "rabbitmq",
    "procrastinate",
    "pgboss",
    "graphile_worker",
    "solid_queue",
    "river",
    "sql",
    "sqs",
)
CHANNEL_MODULES = ("redis_channel", "rabbitmq", "postgres_channel", "sqs")


def load(module: str) -> ModuleType:
    return import_module(f"cockpit.backends.queues.{module}")


def kinds_of(module: ModuleType) -> tuple[QueueKind, ...]:
    """The kinds a registered module exposes (checked against `QueueKind` where it declares them)."""
    kinds: tuple[QueueKind, ...] = tuple(getattr(module, "KINDS", None) or (module.KIND,))
    return kinds


def _channel_of(module: ModuleType) -> Channel:
    found: Channel = module.CHANNEL
    return found


#: Every queue kind, by the `kind = "..."` a config names it with.
KINDS: dict[str, QueueKind] = {k.name: k for m in KIND_MODULES for k in kinds_of(load(m))}
#: Every channel (the shared round trip of one server), by name.
CHANNELS: dict[str, Channel] = {c.name: c for c in (_channel_of(load(m)) for m in CHANNEL_MODULES)}


def names() -> tuple[str, ...]:
    return tuple(KINDS)


def kind(name: str) -> QueueKind:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown queue kind {name!r} (known: {', '.join(KINDS)})") from None


def channel(name: str) -> Channel:
    return CHANNELS[name]
