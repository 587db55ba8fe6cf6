"""Wiring for real systems: one source per backend instance, from a validated config."""

from __future__ import annotations

import os
from collections.abc import Mapping

import httpx

from cockpit.backends import Backends
from cockpit.config import Config
from cockpit.sources import Source
from cockpit.sources.checks import CheckSource
from cockpit.sources.flags import FlagRegionSource
from cockpit.sources.prometheus import PrometheusSource
from cockpit.sources.queues import RedisQueueSource
from cockpit.sources.records import PostgresSuspectSource
from cockpit.timebase import Timebase


def build_sources(config: Config, environ: Mapping[str, str] | None = None) -> list[Source]:
    """Every source the config describes: Prometheus, one per Redis instance with queues,
    one per flag region, PostgreSQL suspects, one per user-path check."""
    env = dict(environ if environ is not None else os.environ)
    sources: list[Source] = []
    if config.prometheus is not None:
        sources.append(PrometheusSource(config.prometheus, env))
    for instance in config.redis:
        queues = [q for q in config.queues if q.redis == instance.name]
        if queues:
            sources.append(RedisQueueSource(instance, queues, env))
    for region in config.regions:
        source = FlagRegionSource(region, config.flags, config, env)
        if source.flags:
            sources.append(source)
    if config.postgres is not None and config.postgres.suspects:
        sources.append(PostgresSuspectSource(config.postgres, env))
    sources += [CheckSource(check, env) for check in config.checks]
    return sources


def update_sender(config: Config, environ: Mapping[str, str]):
    """Posts an update to the configured chat webhook ({"text": ...}); without one, the journal is the record."""
    updates = config.actions.updates

    async def send(audience: str, text: str) -> str:
        if updates is None or updates.webhook_url_env is None:
            return "recorded in the journal (no webhook configured)"
        url = environ.get(updates.webhook_url_env)
        if not url:
            raise LookupError(f"environment variable {updates.webhook_url_env} is not set: the update was NOT sent")
        async with httpx.AsyncClient(timeout=updates.timeout) as client:
            response = await client.post(url, json={"text": text})
        if response.status_code >= 300:
            raise RuntimeError(f"webhook answered HTTP {response.status_code}: the update was NOT delivered")
        return f"posted to the webhook (HTTP {response.status_code})"

    return send


def build_live(config: Config, environ: Mapping[str, str] | None = None) -> Backends:
    env = dict(environ if environ is not None else os.environ)
    sources = build_sources(config, env)
    checks = [s for s in sources if isinstance(s, CheckSource)]
    return Backends(config, Timebase(), sources, {}, update_sender(config, env), label="LIVE", checks=checks)
