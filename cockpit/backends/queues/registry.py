"""Which queue kinds and channels exist.

Adding a queue kind = its module in this package + its name in KIND_MODULES (one line);
a module names its kind `KIND` (or several in `KINDS`). A new kind of server is a channel
module named in CHANNEL_MODULES the same way (it may be the kind's own module).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

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


def _load(module: str) -> Any:
    return import_module(f"cockpit.backends.queues.{module}")


def _kinds_of(module: Any) -> tuple[Any, ...]:
    return tuple(getattr(module, "KINDS", None) or (module.KIND,))


#: Every queue kind, by the `kind = "..."` a config names it with.
KINDS: dict[str, Any] = {k.name: k for m in KIND_MODULES for k in _kinds_of(_load(m))}
#: Every channel (the shared round trip of one server), by name.
CHANNELS: dict[str, Any] = {c.name: c for c in (_load(m).CHANNEL for m in CHANNEL_MODULES)}


def names() -> tuple[str, ...]:
    return tuple(KINDS)


def kind(name: str) -> Any:
    try:
        return KINDS[name]
    except KeyError:
        raise LookupError(f"unknown queue kind {name!r} (known: {', '.join(KINDS)})") from None


def channel(name: str) -> Any:
    return CHANNELS[name]
