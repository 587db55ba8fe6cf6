"""Feature flags across regions: one source per region, so a region that stops answering
turns STALE/UNREACHABLE on its own cells only, and regions are read in parallel.

The region's provider (cockpit.backends.flags.registry) reads its store; this source turns
the answers into one reading per cell `flag@region` whose value is the rollout served (0 = off).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from cockpit.backends.flags.base import Fetched, FlagProvider, HttpEndpoint, Missing
from cockpit.backends.flags.registry import provider
from cockpit.core.details import FlagCell
from cockpit.core.readings import FLAGS, Clock, Reading, wall_clock

if TYPE_CHECKING:
    import httpx
    import redis.asyncio as aioredis

    from cockpit.config import Config, FlagConfig, RegionConfig


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
        self.provider: FlagProvider = provider(region.backend)
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

    # -- clients (lazy: a Redis-hash region never imports httpx) --------------------------
    def base_url(self, endpoint: HttpEndpoint) -> str:
        if endpoint.url:
            return endpoint.url
        assert endpoint.url_env
        value = self._environ.get(endpoint.url_env)
        if not value:
            raise LookupError(
                f"environment variable {endpoint.url_env} (regions.{self.region.name}.url_env) is not set"
            )
        return value

    def http(self, endpoint: HttpEndpoint) -> httpx.AsyncClient:
        """The region's HTTP client (one endpoint per region), its token from `token_env`."""
        if self._http is None:
            import httpx

            headers = {"Accept": "application/json"}
            if endpoint.token_env:
                token = self._environ.get(endpoint.token_env)
                if not token:
                    raise LookupError(f"environment variable {endpoint.token_env} is not set")
                headers["Authorization"] = self.provider.authorization(token)
            self._http = httpx.AsyncClient(timeout=self.region.timeout, headers=headers)
        return self._http

    def redis(self, instance_name: str) -> aioredis.Redis:
        """The client of `[redis.<instance_name>]` (one instance per region)."""
        if self._redis is None:
            import redis.asyncio as aioredis

            instance = self.config.redis_named(instance_name)
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

    # -- reading ---------------------------------------------------------------------------
    async def fetch(self) -> dict[str, Fetched]:
        """flag name -> what the region serves, Missing, or an exception for that one flag."""
        return await self.provider.fetch(self)

    async def set(self, flag: str, enabled: bool) -> str:
        """Set one flag in this region; returns the command-log form of what was sent."""
        return await self.provider.set(self, flag, enabled)

    async def read(self) -> list[Reading]:
        states = await self.fetch()
        now = self.clock()
        region, backend = self.region.name, self.region.backend
        readings = []
        for flag in self.flags:
            name = f"{flag.name}@{region}"
            desired = self.desired.get(flag.name)
            state = states.get(flag.name)
            if isinstance(state, Exception):
                cell = FlagCell(flag.name, region, backend, flag.safe, desired_rollout=desired)
                readings.append(Reading(FLAGS, name, None, now, str(state), cell))
                continue
            if state is None:
                state = Missing("no answer for this flag")
            if isinstance(state, Missing):
                if flag.missing == "off":  # configured: absent means off here
                    cell = FlagCell(
                        flag.name,
                        region,
                        backend,
                        flag.safe,
                        enabled=False,
                        rollout=0.0,
                        missing_reason=state.reason,
                        missing_off=True,
                        desired_rollout=desired,
                    )
                    readings.append(Reading(FLAGS, name, 0.0, now, None, cell))
                else:
                    cell = FlagCell(
                        flag.name, region, backend, flag.safe, missing_reason=state.reason, desired_rollout=desired
                    )
                    readings.append(Reading(FLAGS, name, None, now, None, cell))
                continue
            cell = FlagCell(
                flag.name,
                region,
                backend,
                flag.safe,
                state.enabled,
                state.rollout,
                state.strategies,
                state.constrained,
                desired_rollout=desired,
            )
            readings.append(Reading(FLAGS, name, state.rollout if state.enabled else 0.0, now, None, cell))
        return readings
