"""A generic HTTP endpoint: GET returns `{"flags": {name: value}}` (or the object itself);
a flag is set with `write_method` on `<url>/<flag>` and body `{"enabled": bool}`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.backends.flags.base import (
    Fetched,
    FlagReadError,
    Missing,
    RegionClients,
    require_url,
    served,
    url_with_path,
)

if TYPE_CHECKING:
    from cockpit.config import RegionConfig
    from cockpit.config.reader import Table


@dataclass(frozen=True)
class HttpJson:
    name: str = "http-json"
    keys: tuple[str, ...] = ("url", "url_env", "token_env", "write_method")

    def check(self, region: RegionConfig, t: Table, redis_names: Sequence[str]) -> None:
        require_url(region, t)

    def authorization(self, token: str) -> str:
        return f"Bearer {token}"

    async def fetch(self, source: RegionClients) -> dict[str, Fetched]:
        name = source.region.name
        source.requests += 1
        response = await source.http().get(source.base_url())
        response.raise_for_status()
        try:
            body = response.json()
        except ValueError:
            raise FlagReadError(f"garbage reply (not JSON) from {name}") from None
        table = body.get("flags", body) if isinstance(body, Mapping) else None
        if not isinstance(table, Mapping):
            raise FlagReadError(f"garbage reply from {name}: expected an object of flags")
        if source.flags and not any(flag.name in table for flag in source.flags):
            # An answer that names none of our flags is the wrong document (an error body, a
            # health page), not "every flag is off": reading it as off would fake a kill switch.
            shown = ", ".join(sorted(map(str, table))[:3]) or "nothing"
            raise FlagReadError(
                f"garbage reply from {name}: none of the {len(source.flags)} configured "
                f"flags is in it (it has: {shown[:60]})"
            )
        return {
            flag.name: served(table[flag.name]) if flag.name in table else Missing(f"not in {name}'s flag document")
            for flag in source.flags
        }

    async def set(self, source: RegionClients, flag: str, enabled: bool) -> str:
        method = source.region.write_method
        url = url_with_path(source.base_url(), flag)
        response = await source.http().request(method, url, json={"enabled": enabled})
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {url} answered HTTP {response.status_code}: {response.text[:120]}")
        return f"{method} {url} enabled={str(enabled).lower()}"

    def describe_set(self, region: RegionConfig, flag: str, enabled: bool) -> str:
        url = url_with_path(region.url or f"${region.url_env}", flag)
        return f"{region.write_method} {url} enabled={str(enabled).lower()}"


PROVIDER = HttpJson()
