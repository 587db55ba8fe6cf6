"""Feature flags across regions: flag providers as adapters (one module per store, listed in
`registry.py`) behind one poll source per region (`source.py`)."""

from __future__ import annotations

from cockpit.backends.flags.base import (
    Fetched,
    FlagProvider,
    FlagReadError,
    Missing,
    Served,
    parse_flag_value,
    url_with_path,
)
from cockpit.backends.flags.source import FlagRegionSource
from cockpit.backends.flags.unleash import unleash_state

__all__ = [
    "Fetched",
    "FlagProvider",
    "FlagReadError",
    "FlagRegionSource",
    "Missing",
    "Served",
    "parse_flag_value",
    "unleash_state",
    "url_with_path",
]
