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
from typing import Any

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
#: The config section of each channel that has one, and its module: the config reader loads a
#: channel only when its section is in the config (tests/test_queue_registry.py checks this
#: against the channels themselves).
CHANNEL_SECTIONS = {"rabbitmq": "rabbitmq", "databases": "postgres_channel", "sqs": "sqs"}

#: Every queue kind, by the `kind = "..."` a config names it with, and every channel (the
#: shared round trip of one server), by name. Both load every module on first use (module
#: `__getattr__` below); `kind()` and `channel()` load only the module a name points to, so
#: starting the drill does not import the thirteen kinds (~20 ms before its first frame).
KINDS: dict[str, QueueKind]
CHANNELS: dict[str, Channel]
_all_kinds: dict[str, QueueKind] = {}
_all_channels: dict[str, Channel] = {}
_kinds: dict[str, QueueKind] = {}
_channels: dict[str, Channel] = {}


def load(module: str) -> ModuleType:
    return import_module(f"cockpit.backends.queues.{module}")


def kinds_of(module: ModuleType) -> tuple[QueueKind, ...]:
    """The kinds a registered module exposes (checked against `QueueKind` where it declares them)."""
    kinds: tuple[QueueKind, ...] = tuple(getattr(module, "KINDS", None) or (module.KIND,))
    return kinds


def _channel_of(module: ModuleType) -> Channel:
    found: Channel = module.CHANNEL
    return found


def __getattr__(attr: str) -> Any:
    if attr == "KINDS":
        if not _all_kinds:
            _all_kinds.update({k.name: k for m in KIND_MODULES for k in kinds_of(load(m))})
        return _all_kinds
    if attr == "CHANNELS":
        if not _all_channels:
            _all_channels.update({c.name: c for c in (_channel_of(load(m)) for m in CHANNEL_MODULES)})
        return _all_channels
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def names() -> tuple[str, ...]:
    return tuple(__getattr__("KINDS"))


def find(name: str) -> QueueKind | None:
    """The kind a config names, loading only its module when the name says which
    (`graphile-worker` is in graphile_worker); any other name loads them all."""
    found = _kinds.get(name)
    if found is None:
        module = name.replace("-", "_")
        if module in KIND_MODULES:
            _kinds.update({k.name: k for k in kinds_of(load(module))})
        found = _kinds.get(name) or __getattr__("KINDS").get(name)
        if found is not None:
            _kinds[name] = found
    return found


def kind(name: str) -> QueueKind:
    found = find(name)
    if found is None:
        raise LookupError(f"unknown queue kind {name!r} (known: {', '.join(names())})")
    return found


def channel(name: str) -> Channel:
    found = _channels.get(name)
    if found is None:
        for module in (name, f"{name}_channel"):
            if module in CHANNEL_MODULES:
                loaded = _channel_of(load(module))
                _channels[loaded.name] = loaded
        found = _channels.get(name) or __getattr__("CHANNELS")[name]
        _channels[name] = found
    return found
