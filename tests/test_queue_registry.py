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


def test_the_drill_says_what_a_real_resume_sends_as_the_kind_describes_it() -> None:
    """The drill's staged restart asks each queue's kind (no `kind == "celery"` in the drill)."""
    from cockpit.drill import drill_config
    from cockpit.drill.long_actions import _resume_sent

    config = drill_config()
    assert _resume_sent(config, "payment-retry") == ("redis 'jobs': DEL rq:suspended",)
    assert _resume_sent(config, "emails") == (
        "celery control add_consumer queue=emails via redis://jobs.drill:6379/0",
        "redis 'jobs': DEL cockpit:celery-paused:emails",
    )


@pytest.mark.servers
@pytest.mark.parametrize(("kind", "extra"), [("rq", ""), ("sidekiq", 'prefix = "sq"'), ("bullmq", "")])
async def test_a_described_pause_is_what_the_real_pause_sends(redis_url: str, kind: str, extra: str) -> None:
    """describe_set_paused (the drill's command log) and set_paused (the real one) agree, line for line."""
    from cockpit.backends.queues.source import RedisQueueSource
    from cockpit.config import loads

    cfg = loads(f'''
[incident]
title = "t"
service = "s"
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "q"
redis = "jobs"
kind = "{kind}"
queue = "work"
{extra}
''')
    queue, source = cfg.queues[0], RedisQueueSource(cfg.redis[0], cfg.queues, {})
    try:
        for paused in (True, False):
            sent = await registry.kind(kind).set_paused(source, queue, paused)
            assert sent.commands == registry.kind(kind).describe_set_paused(queue, cfg.queue_server(queue), paused)
    finally:
        await source.close()


def test_the_channel_sections_name_each_channel_with_a_section_and_its_module() -> None:
    """The config reader loads a channel only when its section is in the config: the static
    map must agree with the channels themselves."""
    with_sections = {
        c.section: m for m in registry.CHANNEL_MODULES if (c := registry.load(m).CHANNEL).section is not None
    }
    assert with_sections == registry.CHANNEL_SECTIONS


def test_a_kind_and_a_channel_found_by_name_are_the_registered_ones() -> None:
    for name, kind in registry.KINDS.items():
        assert registry.find(name) is kind
        assert registry.channel(kind.channel) is registry.CHANNELS[kind.channel]
    assert registry.find("kafka") is None
