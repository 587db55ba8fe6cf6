"""The queue-kind registry is typed: every registered module declares its kinds and channels
with the protocol, so mypy checks each one against the seam (a kind module without the
annotation would slip past mypy, and fails here instead)."""

from __future__ import annotations

import typing

import pytest

from cockpit.backends.queues import registry
from cockpit.backends.queues.base import Channel, QueueKind
from cockpit.backends.queues.postgres_channel import TableKind
from cockpit.backends.queues.redis_channel import RedisKind


def _protocols(hint: object) -> tuple[type, ...]:
    """The protocol classes a module-level annotation names (`X` or `tuple[X, ...]`)."""
    args = typing.get_args(hint)
    return tuple(a for a in (args or (hint,)) if isinstance(a, type))


@pytest.mark.parametrize("module", registry.KIND_MODULES)
def test_every_kind_module_declares_its_kinds_with_the_protocol(module: str) -> None:
    loaded = registry.load(module)
    hints = typing.get_type_hints(loaded)
    name = "KINDS" if hasattr(loaded, "KINDS") else "KIND"
    assert name in hints, f"{module}.{name} has no annotation: mypy would not check it against QueueKind"
    for proto in _protocols(hints[name]):
        assert QueueKind in proto.__mro__, f"{module}.{name} is annotated {proto!r}, not a QueueKind protocol"


@pytest.mark.parametrize("module", registry.CHANNEL_MODULES)
def test_every_channel_module_declares_its_channel_with_the_protocol(module: str) -> None:
    assert typing.get_type_hints(registry.load(module)).get("CHANNEL") is Channel


def test_each_kind_speaks_its_channel_protocol() -> None:
    """A channel asks its kinds for more than the seam (probes, SQL statements): each kind has it."""
    narrower = {"redis": RedisKind, "postgres": TableKind}
    assert set(registry.CHANNELS) == {"redis", "rabbitmq", "postgres", "sqs"}
    for kind in registry.KINDS.values():
        assert kind.channel in registry.CHANNELS
        if kind.channel in narrower:
            assert isinstance(kind, narrower[kind.channel]), kind.name


def test_an_unknown_kind_is_named_with_the_known_ones() -> None:
    with pytest.raises(LookupError, match=r"unknown queue kind 'kafka' \(known: rq, celery"):
        registry.kind("kafka")
