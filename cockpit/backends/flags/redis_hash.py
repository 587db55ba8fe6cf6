"""A Redis hash per region: field = flag name, value = its state (see `parse_flag_value`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.backends.flags.base import Fetched, FlagProvider, Missing, RegionClients, served
from cockpit.config.reader import check_ref

if TYPE_CHECKING:
    from cockpit.config import RegionConfig
    from cockpit.config.reader import Table


@dataclass(frozen=True)
class RedisHashOptions:
    """A Redis-hash region: the `[redis.NAME]` instance and the hash holding the flag values."""

    redis: str
    key: str

    def env_keys(self) -> tuple[tuple[str, str], ...]:
        return ()  # the Redis instance's own url_env is the redis section's


def options_of(region: RegionConfig) -> RedisHashOptions:
    if not isinstance(region.options, RedisHashOptions):
        raise TypeError(f"region {region.name!r} is a {region.backend} region, not a redis-hash one")
    return region.options


@dataclass(frozen=True)
class RedisHash:
    name: str = "redis-hash"
    keys: tuple[str, ...] = ("redis", "key")

    def read_options(self, t: Table, redis_names: Sequence[str]) -> RedisHashOptions:
        redis, key = t.name("redis"), t.str("key")
        if redis is None:
            t.error("redis", "is required for the redis-hash backend")
        check_ref(t, "redis", redis, list(redis_names), "a Redis instance")
        if key is None:
            t.error("key", "is required for the redis-hash backend (the hash holding flag values)")
        return RedisHashOptions(redis or "", key or "")

    def authorization(self, token: str) -> str:
        return f"Bearer {token}"  # never used: a Redis hash takes no token

    async def fetch(self, source: RegionClients) -> dict[str, Fetched]:
        """EXISTS + HMGET in one pipeline: a missing hash is told apart from a missing field."""
        options = options_of(source.region)
        client = source.redis(options.redis)
        source.requests += 1
        key = options.key
        async with client.pipeline(transaction=False) as pipe:
            pipe.exists(key)
            pipe.hmget(key, [f.name for f in source.flags])
            exists, values = await pipe.execute()
        out: dict[str, Fetched] = {}
        for flag, raw in zip(source.flags, values, strict=True):  # HMGET answers one value per field
            if raw is None:
                out[flag.name] = Missing(
                    f"field {flag.name!r} not in hash {key!r}" if exists else f"hash {key!r} does not exist"
                )
            else:
                out[flag.name] = served(raw)
        return out

    async def set(self, source: RegionClients, flag: str, enabled: bool) -> str:
        options = options_of(source.region)
        await source.redis(options.redis).hset(options.key, flag, "1" if enabled else "0")
        return self.describe_set(source.region, flag, enabled)

    def describe_set(self, region: RegionConfig, flag: str, enabled: bool) -> str:
        return f"HSET {options_of(region).key} {flag} {'1' if enabled else '0'}"


PROVIDER: FlagProvider = RedisHash()
