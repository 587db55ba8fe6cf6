"""Feature flags across regions: one source per region, so a region that stops answering
turns STALE/UNREACHABLE on its own cells only, and regions are read in parallel.

Backends: the Unleash admin API (per environment: enabled, and the rollout percentage of
its flexibleRollout strategies), a Redis hash per region, and a generic HTTP JSON endpoint.
Each reading is one cell `flag@region` whose value is the rollout served (0 = off).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, urlsplit, urlunsplit

import redis.asyncio as aioredis

from cockpit.config import Config, FlagConfig, RegionConfig
from cockpit.core.readings import FLAGS, Clock, Reading, wall_clock
from cockpit.core.source import ReadError

if TYPE_CHECKING:
    import httpx

FlagState = tuple[bool, float]  # (enabled, rollout percent served)


def url_with_path(base: str, *segments: str) -> str:
    """`base` with path segments appended (each percent-quoted), its query string and
    fragment kept: `https://h/flags?access_token=X` + `new_checkout` ->
    `https://h/flags/new_checkout?access_token=X`, never `...?access_token=X/new_checkout`."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + "".join("/" + quote(str(segment), safe="") for segment in segments)
    return urlunsplit(parts._replace(path=path))


class FlagReadError(ReadError):
    """The region answered, but not with something we can read."""


class Missing(NamedTuple):
    """The region answered: the flag (or its whole hash) does not exist there. Never read as
    "off", which would fake a kill switch, unless the flag says `missing = "off"`."""

    reason: str


def parse_flag_value(raw: Any) -> FlagState:
    """A flag value as stored by hand-rolled systems: bools, 0/1, on/off, a percentage, or JSON."""
    if isinstance(raw, bytes):
        raw = raw.decode()
    if isinstance(raw, bool):
        return raw, 100.0 if raw else 0.0
    if isinstance(raw, (int, float)):
        pct = float(raw) if raw > 1 else float(raw) * 100
        return pct > 0, max(0.0, min(100.0, pct))
    if isinstance(raw, Mapping):
        enabled = bool(raw.get("enabled", False))
        rollout = raw.get("rollout", raw.get("percentage", 100 if enabled else 0))
        return enabled, (float(rollout) if enabled else 0.0)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in ("1", "true", "on", "yes", "enabled"):
            return True, 100.0
        if text in ("0", "false", "off", "no", "disabled", ""):
            return False, 0.0
        if text.endswith("%"):
            text = text[:-1]
        try:
            return parse_flag_value(float(text))
        except ValueError:
            pass
        try:
            return parse_flag_value(json.loads(raw))
        except (ValueError, TypeError):
            pass
    raise FlagReadError(f"cannot read flag value {str(raw)[:40]!r}")


def unleash_state(feature: Mapping[str, Any], environment: str) -> tuple[FlagState, dict[str, Any]]:
    """Enabled and rollout % of one environment of an Unleash feature (admin API shape)."""
    env = next((e for e in feature.get("environments", []) if e.get("name") == environment), None)
    if env is None:
        raise FlagReadError(f"environment {environment!r} not found")
    strategies = [s for s in env.get("strategies", []) if not s.get("disabled")]
    if not env.get("enabled"):
        return (False, 0.0), {"strategies": len(strategies)}
    rollouts = []
    constrained = False
    for strategy in strategies:
        constrained = constrained or bool(strategy.get("constraints")) or bool(strategy.get("segments"))
        if strategy.get("name") == "flexibleRollout":
            rollouts.append(float(strategy.get("parameters", {}).get("rollout", 100)))
        else:
            rollouts.append(100.0)  # "default" and other strategies serve everyone they match
    rollout = max(rollouts) if rollouts else 100.0
    return (True, rollout), {"strategies": len(strategies), "constrained": constrained}


class FlagRegionSource:
    """Every configured flag in one region."""

    kind = FLAGS

    def __init__(
        self,
        region: RegionConfig,
        flags: Sequence[FlagConfig],
        config: Config,
        environ: Mapping[str, str] | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self.region = region
        self.flags = [f for f in flags if region.name in f.regions]
        self.config = config
        self.ident = f"flags@{region.name}"
        self.interval = region.interval
        self.timeout = region.timeout
        self.clock = clock
        self._environ = environ if environ is not None else os.environ
        self._http: httpx.AsyncClient | None = None
        self._redis: aioredis.Redis | None = None
        self.requests = 0
        #: What the control plane should serve, once the operator set a value (flag -> rollout).
        self.desired: dict[str, float] = {}

    def expected_names(self) -> Sequence[str]:
        return [f"{f.name}@{self.region.name}" for f in self.flags]

    # -- clients ---------------------------------------------------------------------
    def base_url(self) -> str:
        if self.region.url:
            return self.region.url
        assert self.region.url_env
        value = self._environ.get(self.region.url_env)
        if not value:
            raise LookupError(
                f"environment variable {self.region.url_env} (regions.{self.region.name}.url_env) is not set"
            )
        return value

    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            import httpx  # only regions with an HTTP backend pay for it (a Redis-hash region never does)

            headers = {"Accept": "application/json"}
            if self.region.token_env:
                token = self._environ.get(self.region.token_env)
                if not token:
                    raise LookupError(f"environment variable {self.region.token_env} is not set")
                headers["Authorization"] = token if self.region.backend == "unleash" else f"Bearer {token}"
            self._http = httpx.AsyncClient(timeout=self.region.timeout, headers=headers)
        return self._http

    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            instance = self.config.redis_named(self.region.redis or "")
            url = instance.resolve_url(self._environ)
            self._redis = aioredis.Redis.from_url(
                url, socket_timeout=self.region.timeout, socket_connect_timeout=self.region.timeout
            )
        return self._redis

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    # -- reading -----------------------------------------------------------------------
    async def read(self) -> list[Reading]:
        states = await self.fetch()
        now = self.clock()
        readings = []
        for flag in self.flags:
            name = f"{flag.name}@{self.region.name}"
            detail: dict[str, Any] = {
                "flag": flag.name,
                "region": self.region.name,
                "backend": self.region.backend,
                "safe": flag.safe,
            }
            if flag.name in self.desired:
                detail["desired_rollout"] = self.desired[flag.name]
            state = states.get(flag.name)
            if isinstance(state, Exception):
                readings.append(Reading(FLAGS, name, None, now, str(state), detail))
                continue
            if state is None:
                state = Missing("no answer for this flag")
            if isinstance(state, Missing):
                detail.update(missing=True, missing_reason=state.reason)
                if flag.missing == "off":  # configured: absent means off here
                    detail.update(missing_off=True, enabled=False, rollout=0.0)
                    readings.append(Reading(FLAGS, name, 0.0, now, None, detail))
                else:
                    readings.append(Reading(FLAGS, name, None, now, None, detail))
                continue
            (enabled, rollout), extra = state
            detail.update(extra, enabled=enabled, rollout=rollout)
            readings.append(Reading(FLAGS, name, rollout if enabled else 0.0, now, None, detail))
        return readings

    async def fetch(self) -> dict[str, Any]:
        """flag name -> ((enabled, rollout), extra) or an exception for that one flag."""
        backend = self.region.backend
        if backend == "unleash":
            return await self._fetch_unleash()
        if backend == "redis-hash":
            return await self._fetch_redis_hash()
        return await self._fetch_http_json()

    async def _fetch_unleash(self) -> dict[str, Any]:
        """One request lists the project's flags with `enabled` per environment; only flags
        enabled here need a second request, for the rollout % of their strategies."""
        client, base = self.http(), self.base_url()
        project, env = self.region.project, self.region.environment or "production"
        self.requests += 1
        listing = await client.get(url_with_path(base, "api", "admin", "projects", project, "features"))
        listing.raise_for_status()
        try:
            features = {f["name"]: f for f in listing.json()["features"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise FlagReadError(f"garbage reply from Unleash: {type(exc).__name__}") from None

        async def detail(flag: FlagConfig) -> tuple[str, Any]:
            self.requests += 1
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

        out: dict[str, Any] = {}
        enabled_here: list[FlagConfig] = []
        absent: list[FlagConfig] = []
        for flag in self.flags:
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
                out[flag.name] = ((False, 0.0), {})
        # Keep-alive connection, requests in flight together: the region's latency is paid once.
        out.update(dict(await asyncio.gather(*(detail(f) for f in enabled_here + absent))))
        for flag in absent:
            if not isinstance(out.get(flag.name), (Missing, Exception)):
                # Listed nowhere but found by name (created a moment ago): read again next tick.
                out[flag.name] = FlagReadError(f"flag {flag.name!r} appeared while being read; next tick reads it")
        return out

    async def _fetch_redis_hash(self) -> dict[str, Any]:
        client = self.redis()
        self.requests += 1
        key = self.region.key or ""
        async with client.pipeline(transaction=False) as pipe:
            pipe.exists(key)
            pipe.hmget(key, [f.name for f in self.flags])
            exists, values = await pipe.execute()
        out: dict[str, Any] = {}
        for flag, raw in zip(self.flags, values, strict=True):  # HMGET answers one value per field
            if raw is None:
                out[flag.name] = Missing(
                    f"field {flag.name!r} not in hash {key!r}" if exists else f"hash {key!r} does not exist"
                )
                continue
            try:
                out[flag.name] = (parse_flag_value(raw), {})
            except FlagReadError as exc:
                out[flag.name] = exc
        return out

    async def _fetch_http_json(self) -> dict[str, Any]:
        self.requests += 1
        response = await self.http().get(self.base_url())
        response.raise_for_status()
        try:
            body = response.json()
        except ValueError:
            raise FlagReadError(f"garbage reply (not JSON) from {self.region.name}") from None
        table = body.get("flags", body) if isinstance(body, Mapping) else None
        if not isinstance(table, Mapping):
            raise FlagReadError(f"garbage reply from {self.region.name}: expected an object of flags")
        if self.flags and not any(flag.name in table for flag in self.flags):
            # An answer that names none of our flags is the wrong document (an error body, a
            # health page), not "every flag is off": reading it as off would fake a kill switch.
            shown = ", ".join(sorted(map(str, table))[:3]) or "nothing"
            raise FlagReadError(
                f"garbage reply from {self.region.name}: none of the {len(self.flags)} configured "
                f"flags is in it (it has: {shown[:60]})"
            )
        out: dict[str, Any] = {}
        for flag in self.flags:
            if flag.name not in table:
                out[flag.name] = Missing(f"not in {self.region.name}'s flag document")
                continue
            try:
                out[flag.name] = (parse_flag_value(table[flag.name]), {})
            except FlagReadError as exc:
                out[flag.name] = exc
        return out


def _api_message(response: httpx.Response, fallback: str) -> str:
    """The API's own explanation from an error body ({"message": ...}), else `fallback`."""
    try:
        body = response.json()
    except ValueError:
        return fallback
    message = body.get("message") if isinstance(body, Mapping) else None
    return str(message)[:160] if message else fallback
