"""Reading [regions.*] (where flags live) and [[flags]].

Which keys a region takes, and what it must have, is its provider's own
(cockpit.backends.flags.registry): a new provider needs nothing here."""

from __future__ import annotations

from cockpit.config.model import FlagConfig, RegionConfig
from cockpit.config.reader import Table, check_ref, check_unique


def read_regions(root: Table, redis_names: list[str]) -> tuple[tuple[RegionConfig, ...], tuple[str, ...]]:
    """The regions read, and the names of those dropped for a bad `backend` (reported once,
    there: a flag naming one is not told again that it does not exist)."""
    from cockpit.backends.flags.registry import PROVIDERS

    result = []
    dropped = []
    for name, t in root.named_tables("regions"):
        backend = t.str("backend", required=True, choices=tuple(PROVIDERS))
        provider = PROVIDERS.get(backend or "")
        if provider is None:
            dropped.append(name)
            continue  # the other keys depend on the provider: nothing more to check
        region = RegionConfig(
            name=name,
            backend=backend,
            interval=t.duration("interval", 5.0),
            timeout=t.duration("timeout", 2.0),
            options=provider.read_options(t, redis_names),  # reads (so allows) its own keys only
        )
        result.append(region)
        t.finish(f" (a {backend} region takes: {', '.join(sorted(t.known()))})")
    return tuple(result), tuple(dropped)


def read_flags(entries: list[Table], region_names: list[str], dropped: tuple[str, ...] = ()) -> tuple[FlagConfig, ...]:
    result = []
    for t in entries:
        # No list (or an empty one) means every region: a flag that lives nowhere cannot be made safe.
        regions = t.str_list("regions", tuple(region_names)) or tuple(region_names)
        for region in regions:
            if region not in dropped:  # its own bad backend is the one problem reported
                check_ref(t, "regions", region, region_names, "a region")
        safe = t.bool("safe", False) if t.has("safe") else None
        if safe is None:
            t.error("safe", "is required (the value every region must have when the flag is safe: true or false)")
        result.append(
            FlagConfig(
                t.name("name", required=True),
                bool(safe),
                regions,
                t.str("description", ""),
                t.str("missing", choices=("off",)),
            )
        )
        t.finish()
    check_unique(entries, "name", [f.name for f in result], "flag name")
    return tuple(result)
