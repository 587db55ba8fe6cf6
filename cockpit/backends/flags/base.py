"""The flag seam: what every flag provider (a region's flag store) provides.

A *provider* (unleash, redis-hash, http-json) knows one store: which config keys a region
of it takes (it reads and checks them into its own frozen options record, the region's
`options`), how to read every configured flag of one region in one request or pipeline,
and how to set one flag (returning the command-log form of what it sent).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from cockpit.core.source import ReadError

if TYPE_CHECKING:
    import httpx
    import redis.asyncio as aioredis

    from cockpit.config import FlagConfig, RegionConfig, RegionOptions
    from cockpit.config.reader import Table


@dataclass(frozen=True)
class Served:
    """What one region serves for one flag. `strategies`/`constrained`: None = the store cannot tell."""

    enabled: bool
    rollout: float  # percent served (0 when disabled)
    strategies: int | None = None
    constrained: bool | None = None


@dataclass(frozen=True)
class Missing:
    """The region answered: the flag (or its whole hash) does not exist there. Never read as
    "off", which would fake a kill switch, unless the flag says `missing = "off"`."""

    reason: str


#: One flag's answer in one region: what it serves, absent, or an error for that flag alone.
Fetched = Served | Missing | Exception


class FlagReadError(ReadError):
    """The region answered, but not with something we can read."""


@dataclass(frozen=True)
class HttpEndpoint:
    """Where an HTTP store answers: `url`, or the variable `url_env` holding it; `token_env`:
    the variable holding its token (the provider's `authorization` makes the header)."""

    url: str | None
    url_env: str | None
    token_env: str | None

    def env_keys(self) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in (("url_env", self.url_env), ("token_env", self.token_env)) if v)

    def shown(self) -> str:
        """The URL for a command log: the configured one, or the variable naming it."""
        return self.url or f"${self.url_env}"


#: The region keys an `HttpEndpoint` reads.
ENDPOINT_KEYS = ("url", "url_env", "token_env")


def read_endpoint(t: Table, backend: str) -> HttpEndpoint:
    """`url` / `url_env` / `token_env` of a region (one of `url` and `url_env` required)."""
    endpoint = HttpEndpoint(t.url("url"), t.env_name("url_env"), t.env_name("token_env"))
    if endpoint.url is None and endpoint.url_env is None:
        t.error("url", f"is required for the {backend} backend (or url_env)")
    return endpoint


class RegionClients(Protocol):
    """What a provider may use of the region's source: its config, flags and (lazy) clients."""

    requests: int

    @property
    def region(self) -> RegionConfig: ...
    @property
    def flags(self) -> Sequence[FlagConfig]: ...

    def base_url(self, endpoint: HttpEndpoint) -> str: ...
    def http(self, endpoint: HttpEndpoint) -> httpx.AsyncClient: ...
    def redis(self, instance_name: str) -> aioredis.Redis: ...


class FlagProvider(Protocol):
    """One flag store. A provider module exposes it as `PROVIDER: FlagProvider = ...`, so mypy
    checks it against this seam."""

    @property
    def name(self) -> str:
        """The `backend = "..."` a region names it with."""
        ...

    @property
    def keys(self) -> tuple[str, ...]:
        """Its own region keys, beyond `backend`, `interval` and `timeout` (listed by check-config)."""
        ...

    def read_options(self, t: Table, redis_names: Sequence[str]) -> RegionOptions:
        """Read (and so allow) exactly its `keys` of one `[regions.NAME]` into its own frozen
        record, reporting what is wrong or missing with `t.error(key, ...)`."""
        ...

    def authorization(self, token: str) -> str:
        """The Authorization header for a `token_env` token."""
        ...

    async def fetch(self, source: RegionClients) -> dict[str, Fetched]:
        """Every configured flag of the region, in one request or pipeline where the store allows."""
        ...

    async def set(self, source: RegionClients, flag: str, enabled: bool) -> str:
        """Set one flag; returns the command-log form of what was sent. Raises with the store's answer."""
        ...

    def describe_set(self, region: RegionConfig, flag: str, enabled: bool) -> str:
        """The command-log form of `set` without sending it (the drill shows what a real one sends)."""
        ...


def url_with_path(base: str, *segments: str) -> str:
    """`base` with path segments appended (each percent-quoted), its query string and
    fragment kept: `https://h/flags?access_token=X` + `new_checkout` ->
    `https://h/flags/new_checkout?access_token=X`, never `...?access_token=X/new_checkout`."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + "".join("/" + quote(str(segment), safe="") for segment in segments)
    return urlunsplit(parts._replace(path=path))


def parse_flag_value(raw: Any) -> tuple[bool, float]:
    """A flag value as stored by hand-rolled systems: bools, 0/1, on/off, a percentage, or JSON.
    Returns (enabled, rollout percent served)."""
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


def served(raw: Any) -> Served | FlagReadError:
    """A stored value as `Served`, or the error saying why it cannot be read."""
    try:
        enabled, rollout = parse_flag_value(raw)
    except FlagReadError as exc:
        return exc
    return Served(enabled, rollout)
