"""Preflight: every `*_env` variable the config names is set, and every backend answers.
`cockpit check-config --env` prints it (one line each, exit 1 on a failure); `cockpit run`
shows the failures on screen before the panels."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from cockpit.config import Config

if TYPE_CHECKING:
    from cockpit.core.source import Source


class Check(NamedTuple):
    what: str  # "env PG_RO (postgres.readonly_dsn_env)" or "backend prometheus"
    ok: bool
    detail: str  # "set", "OK", or the error

    def line(self) -> str:
        return f"{'OK  ' if self.ok else 'FAIL'} {self.what}: {self.detail}"


def env_names(config: Config) -> list[tuple[str, str]]:
    """(variable, the config key naming it) for every `*_env` key in the config."""
    names: list[tuple[str, str]] = []
    names += [(r.url_env, f"redis.{r.name}.url_env") for r in config.redis if r.url_env]
    for region in config.regions:
        names += [(v, f"regions.{region.name}.{k}") for k, v in region.options.env_keys()]
    if config.prometheus and config.prometheus.token_env:
        names.append((config.prometheus.token_env, "prometheus.token_env"))
    if config.postgres:
        names.append((config.postgres.readonly_dsn_env, "postgres.readonly_dsn_env"))
        if config.postgres.repair_dsn_env:
            names.append((config.postgres.repair_dsn_env, "postgres.repair_dsn_env"))
    revert = config.actions.revert
    if revert:
        names += [
            (v, f"actions.revert.{k}")
            for k, v in (("webhook_url_env", revert.webhook_url_env), ("webhook_token_env", revert.webhook_token_env))
            if v
        ]
    for check in config.checks:
        for step in check.steps:
            names += [(env, f"checks.{check.name}.steps.{step.name}.form_env.{field}") for field, env in step.form_env]
    if config.actions.updates and config.actions.updates.webhook_url_env:
        names.append((config.actions.updates.webhook_url_env, "actions.updates.webhook_url_env"))
    return list(dict.fromkeys(names))


def env_checks(config: Config, environ: Mapping[str, str]) -> list[Check]:
    return [
        Check(
            f"env {name} ({key})",
            bool(environ.get(name, "").strip()),
            "set" if environ.get(name, "").strip() else "NOT SET or empty",
        )
        for name, key in env_names(config)
    ]


async def backend_checks(config: Config, environ: Mapping[str, str]) -> list[Check]:
    """Read every source once, in parallel, each within its own timeout."""
    from cockpit.core.polling import short_error
    from cockpit.wiring import build_sources

    async def one(source: Source) -> Check:
        try:
            readings = await asyncio.wait_for(source.read(), source.timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is a line, never a traceback
            error = f"no answer within {source.timeout:g}s" if isinstance(exc, TimeoutError) else short_error(exc)
            return Check(f"backend {source.ident}", False, error)
        finally:
            await source.close()
        errors = sorted({r.error for r in readings if r.error})
        if errors:
            return Check(
                f"backend {source.ident}", False, errors[0] + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
            )
        return Check(
            f"backend {source.ident}", True, f"OK ({len(readings)} reading{'s' if len(readings) != 1 else ''})"
        )

    return list(await asyncio.gather(*(one(s) for s in build_sources(config, environ))))


async def preflight(config: Config, environ: Mapping[str, str]) -> list[Check]:
    return env_checks(config, environ) + await backend_checks(config, environ)
