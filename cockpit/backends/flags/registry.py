"""Which flag providers exist.

Adding a flag provider = its module in this package (`PROVIDER: FlagProvider = ...`, so mypy
checks it against `cockpit.backends.flags.base.FlagProvider`; it reads its own region keys
into its own options record) + its name in PROVIDER_MODULES (one line).
"""

from __future__ import annotations

from importlib import import_module

from cockpit.backends.flags.base import FlagProvider

PROVIDER_MODULES = (
    "unleash",
    "redis_hash",
    "http_json",
)


def _load(module: str) -> FlagProvider:
    provider: FlagProvider = import_module(f"cockpit.backends.flags.{module}").PROVIDER
    return provider


#: Every flag provider, by the `backend = "..."` a region names it with.
PROVIDERS: dict[str, FlagProvider] = {p.name: p for p in map(_load, PROVIDER_MODULES)}


def names() -> tuple[str, ...]:
    return tuple(PROVIDERS)


def provider(name: str) -> FlagProvider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise LookupError(f"unknown flag provider {name!r} (known: {', '.join(PROVIDERS)})") from None
