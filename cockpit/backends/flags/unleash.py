"""Unleash, through its admin API: per environment, enabled and the rollout % of its
flexibleRollout strategies (other strategies serve everyone they match: 100 %)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cockpit.backends.flags.base import (
    ENDPOINT_KEYS,
    Fetched,
    FlagProvider,
    FlagReadError,
    HttpEndpoint,
    Missing,
    RegionClients,
    Served,
    read_endpoint,
    url_with_path,
)

if TYPE_CHECKING:
    import httpx

    from cockpit.config import FlagConfig, RegionConfig
    from cockpit.config.reader import Table


def unleash_state(feature: Mapping[str, Any], environment: str) -> Served:
    """Enabled and rollout % of one environment of an Unleash feature (admin API shape)."""
    env = next((e for e in feature.get("environments", []) if e.get("name") == environment), None)
    if env is None:
        raise FlagReadError(f"environment {environment!r} not found")
    strategies = [s for s in env.get("strategies", []) if not s.get("disabled")]
    if not env.get("enabled"):
        return Served(False, 0.0, strategies=len(strategies))
    rollouts = []
    constrained = False
    for strategy in strategies:
        constrained = constrained or bool(strategy.get("constraints")) or bool(strategy.get("segments"))
        if strategy.get("name") == "flexibleRollout":
            rollouts.append(float(strategy.get("parameters", {}).get("rollout", 100)))
        else:
            rollouts.append(100.0)  # "default" and other strategies serve everyone they match
    rollout = max(rollouts) if rollouts else 100.0
    return Served(True, rollout, strategies=len(strategies), constrained=constrained)


@dataclass(frozen=True)
class UnleashOptions:
    """An Unleash region: its admin API, the project and the environment whose flags it reads."""

    endpoint: HttpEndpoint
    project: str = "default"
    environment: str = "production"

    def env_keys(self) -> tuple[tuple[str, str], ...]:
        return self.endpoint.env_keys()


def options_of(region: RegionConfig) -> UnleashOptions:
    if not isinstance(region.options, UnleashOptions):
        raise TypeError(f"region {region.name!r} is a {region.backend} region, not an unleash one")
    return region.options


@dataclass(frozen=True)
class Unleash:
    name: str = "unleash"
    keys: tuple[str, ...] = (*ENDPOINT_KEYS, "project", "environment")

    def read_options(self, t: Table, redis_names: Sequence[str]) -> UnleashOptions:
        endpoint = read_endpoint(t, self.name)
        environment = t.str("environment")
        if environment is None:
            t.error("environment", "is required for the unleash backend (an Unleash environment, e.g. production)")
        return UnleashOptions(endpoint, t.str("project", "default"), environment or "production")

    def authorization(self, token: str) -> str:
        return token  # Unleash takes the bare token

    async def fetch(self, source: RegionClients) -> dict[str, Fetched]:
        """One request lists the project's flags with `enabled` per environment; only flags
        enabled here need a second request, for the rollout % of their strategies."""
        options = options_of(source.region)
        client, base = source.http(options.endpoint), source.base_url(options.endpoint)
        project, env = options.project, options.environment
        source.requests += 1
        listing = await client.get(url_with_path(base, "api", "admin", "projects", project, "features"))
        listing.raise_for_status()
        try:
            features = {f["name"]: f for f in listing.json()["features"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise FlagReadError(f"garbage reply from Unleash: {type(exc).__name__}") from None

        async def detail(flag: FlagConfig) -> tuple[str, Fetched]:
            source.requests += 1
            response = await client.get(url_with_path(base, "api", "admin", "projects", project, "features", flag.name))
            if response.status_code == 404:
                return flag.name, Missing(
                    _api_message(response, f"flag {flag.name!r} not found in project {project!r}")
                )
            response.raise_for_status()
            try:
                return flag.name, unleash_state(response.json(), env)
            except (ValueError, AttributeError, TypeError) as exc:
                return flag.name, FlagReadError(f"garbage reply from Unleash: {exc}")

        out: dict[str, Fetched] = {}
        enabled_here: list[FlagConfig] = []
        absent: list[FlagConfig] = []
        for flag in source.flags:
            feature = features.get(flag.name)
            if feature is None:
                absent.append(flag)  # asked for below: the API's own words go in the cell
                continue
            envs = {e.get("name"): e for e in feature.get("environments", [])}
            if env not in envs:
                out[flag.name] = FlagReadError(f"environment {env!r} not found")
            elif envs[env].get("enabled"):
                enabled_here.append(flag)
            else:
                out[flag.name] = Served(False, 0.0)
        # Keep-alive connection, requests in flight together: the region's latency is paid once.
        out.update(dict(await asyncio.gather(*(detail(f) for f in enabled_here + absent))))
        for flag in absent:
            if not isinstance(out.get(flag.name), (Missing, Exception)):
                # Listed nowhere but found by name (created a moment ago): read again next tick.
                out[flag.name] = FlagReadError(f"flag {flag.name!r} appeared while being read; next tick reads it")
        return out

    async def set(self, source: RegionClients, flag: str, enabled: bool) -> str:
        region, options = source.region, options_of(source.region)
        env, switch = options.environment, "on" if enabled else "off"
        url = url_with_path(
            source.base_url(options.endpoint),
            "api",
            "admin",
            "projects",
            options.project,
            "features",
            flag,
            "environments",
            env,
        )
        response = await source.http(options.endpoint).post(url_with_path(url, switch))
        if response.status_code == 409:
            raise RuntimeError(f"Unleash refused (409): {flag} has no strategy in {env}, so it cannot be turned on")
        if response.status_code >= 300:
            raise RuntimeError(f"Unleash answered HTTP {response.status_code}: {response.text[:120]}")
        return self.describe_set(region, flag, enabled)

    def describe_set(self, region: RegionConfig, flag: str, enabled: bool) -> str:
        return f"POST …/environments/{options_of(region).environment}/{'on' if enabled else 'off'}"


def _api_message(response: httpx.Response, fallback: str) -> str:
    """The API's own explanation from an error body ({"message": ...}), else `fallback`."""
    try:
        body = response.json()
    except ValueError:
        return fallback
    message = body.get("message") if isinstance(body, Mapping) else None
    return str(message)[:160] if message else fallback


PROVIDER: FlagProvider = Unleash()
