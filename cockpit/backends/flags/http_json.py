"""A generic HTTP endpoint: GET returns `{"flags": {name: value}}` (or the object itself);
a flag is set with `write_method` on `<url>/<flag>` and body `{"enabled": bool}`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.backends.flags.base import (
    ENDPOINT_KEYS,
    Fetched,
    FlagProvider,
    FlagReadError,
    HttpEndpoint,
    Missing,
    RegionClients,
    read_endpoint,
    served,
    url_with_path,
)

if TYPE_CHECKING:
    from cockpit.config import RegionConfig
    from cockpit.config.reader import Table


#: How a flag may be written: the endpoint's choice.
WRITE_METHODS = ("PUT", "POST", "PATCH")


@dataclass(frozen=True)
class HttpJsonOptions:
    """An HTTP-JSON region: its endpoint, and the method that writes one flag."""

    endpoint: HttpEndpoint
    write_method: str = "PUT"

    def env_keys(self) -> tuple[tuple[str, str], ...]:
        return self.endpoint.env_keys()


def options_of(region: RegionConfig) -> HttpJsonOptions:
    if not isinstance(region.options, HttpJsonOptions):
        raise TypeError(f"region {region.name!r} is a {region.backend} region, not an http-json one")
    return region.options


@dataclass(frozen=True)
class HttpJson:
    name: str = "http-json"
    keys: tuple[str, ...] = (*ENDPOINT_KEYS, "write_method")

    def read_options(self, t: Table, redis_names: Sequence[str]) -> HttpJsonOptions:
        return HttpJsonOptions(read_endpoint(t, self.name), t.str("write_method", "PUT", choices=WRITE_METHODS))

    def authorization(self, token: str) -> str:
        return f"Bearer {token}"

    async def fetch(self, source: RegionClients) -> dict[str, Fetched]:
        name, endpoint = source.region.name, options_of(source.region).endpoint
        source.requests += 1
        response = await source.http(endpoint).get(source.base_url(endpoint))
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
        options = options_of(source.region)
        method = options.write_method
        url = url_with_path(source.base_url(options.endpoint), flag)
        response = await source.http(options.endpoint).request(method, url, json={"enabled": enabled})
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {url} answered HTTP {response.status_code}: {response.text[:120]}")
        return f"{method} {url} enabled={str(enabled).lower()}"

    def describe_set(self, region: RegionConfig, flag: str, enabled: bool) -> str:
        options = options_of(region)
        url = url_with_path(options.endpoint.shown(), flag)
        return f"{options.write_method} {url} enabled={str(enabled).lower()}"


PROVIDER: FlagProvider = HttpJson()
