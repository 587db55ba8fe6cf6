"""The flag seam: what every flag provider (a region's flag store) provides.

A *provider* (unleash, redis-hash, http-json) knows one store: which config keys a region
of it takes, how to read every configured flag of one region in one request or pipeline,
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

    from cockpit.config import FlagConfig, RegionConfig
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


class RegionClients(Protocol):
    """What a provider may use of the region's source: its config, flags and (lazy) clients."""

    requests: int

    @property
    def region(self) -> RegionConfig: ...
    @property
    def flags(self) -> Sequence[FlagConfig]: ...

    def base_url(self) -> str: ...
    def http(self) -> httpx.AsyncClient: ...
    def redis(self) -> aioredis.Redis: ...


class FlagProvider(Protocol):
    """One flag store. Modules implement this with a frozen dataclass instance named PROVIDER."""

    #: The `backend = "..."` a region names it with.
    name: str
    #: Its own config keys, beyond `backend`, `interval` and `timeout` (listed by check-config).
    keys: tuple[str, ...]

    def check(self, region: RegionConfig, t: Table, redis_names: Sequence[str]) -> None:
        """Report what a region of this store lacks (`t.error(key, ...)`)."""
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


def require_url(region: RegionConfig, t: Table) -> None:
    if region.url is None and region.url_env is None:
        t.error("url", f"is required for the {region.backend} backend (or url_env)")


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
