"""Reading [regions.*] (where flags live) and [[flags]]."""

from __future__ import annotations

from cockpit.config.model import FLAG_BACKENDS, FlagConfig, RegionConfig
from cockpit.config.reader import Table, check_ref, check_unique


def read_regions(root: Table, redis_names: list[str]) -> tuple[RegionConfig, ...]:
    result = []
    for name, t in root.named_tables("regions"):
        backend = t.str("backend", required=True, choices=FLAG_BACKENDS)
        region = RegionConfig(
            name=name,
            backend=backend,
            interval=t.duration("interval", 5.0),
            timeout=t.duration("timeout", 2.0),
            url=t.url("url"),
            url_env=t.env_name("url_env"),
            token_env=t.env_name("token_env"),
            project=t.str("project", "default"),
            environment=t.str("environment"),
            redis=t.name("redis"),
            key=t.str("key"),
            write_method=t.str("write_method", "PUT", choices=("PUT", "POST", "PATCH")),
        )
        if backend in ("unleash", "http-json") and region.url is None and region.url_env is None:
            t.error("url", f"is required for the {backend} backend (or url_env)")
        if backend == "unleash" and region.environment is None:
            t.error("environment", "is required for the unleash backend (an Unleash environment, e.g. production)")
        if backend == "redis-hash":
            if region.redis is None:
                t.error("redis", "is required for the redis-hash backend")
            check_ref(t, "redis", region.redis, redis_names, "a Redis instance")
            if region.key is None:
                t.error("key", "is required for the redis-hash backend (the hash holding flag values)")
        result.append(region)
        t.finish()
    return tuple(result)


def read_flags(entries: list[Table], region_names: list[str]) -> tuple[FlagConfig, ...]:
    result = []
    for t in entries:
        # No list (or an empty one) means every region: a flag that lives nowhere cannot be made safe.
        regions = t.str_list("regions", tuple(region_names)) or tuple(region_names)
        for region in regions:
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
