"""Loading a config file: TOML text in, a validated `Config` (or every problem) out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cockpit.config.errors import ConfigError
from cockpit.config.model import Config
from cockpit.config.read_actions import read_actions, read_gate, read_notify, read_shared
from cockpit.config.read_flags import read_flags, read_regions
from cockpit.config.read_queues import read_queue_servers, read_queues
from cockpit.config.read_sources import read_checks, read_incident, read_postgres, read_prometheus, read_redis
from cockpit.config.reader import Problem, Problems, Table
from cockpit.config.release import read_release_settings


def load(path: str | Path) -> Config:
    """Read and validate a config file; raises `ConfigError` with every problem found."""
    path = Path(path)
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(filename, [Problem("", f"cannot read the file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(filename, [Problem("", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    return loads(text, filename, base_dir=path.parent)


def loads(text: str, filename: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate TOML text; `base_dir` anchors relative paths (the journal)."""
    import tomllib  # only a config run parses TOML; the drill starts without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(filename, [Problem("", f"TOML syntax error: {exc}")]) from None
    return from_data(data, filename, base_dir)


def from_data(data: dict[str, Any], filename: str = "<config>", base_dir: Path | None = None) -> Config:
    """Validate parsed TOML; raises `ConfigError` with one line per problem, never anything else."""
    problems = Problems()
    try:
        config = read_config(Table(data, "", problems), base_dir or Path.cwd())
    except Exception as exc:  # noqa: BLE001 - a validator bug must still end in one line, not a traceback
        problems.add(
            "", f"could not be validated: {type(exc).__name__}: {str(exc)[:120]} (a cockpit bug: please report)"
        )
        config = None
    if problems:
        raise ConfigError(filename, list(problems))
    assert config is not None
    return config


def read_config(root: Table, base_dir: Path) -> Config | None:
    incident = read_incident(root.table("incident", required=True), base_dir)
    redis = read_redis(root)
    redis_names = [r.name for r in redis]
    prometheus = read_prometheus(root.table("prometheus"))
    queue_servers = read_queue_servers(root)
    queues = read_queues(root.tables("queues"), redis_names, queue_servers)
    regions, dropped_regions = read_regions(root, redis_names)
    region_names = [r.name for r in regions]
    flags = read_flags(root.tables("flags"), region_names, dropped_regions)
    postgres = read_postgres(root.table("postgres"))
    checks = read_checks(root.tables("checks"))
    actions = read_actions(root.table("actions"), redis_names, [f.name for f in flags], postgres)
    gate = read_gate(root.table("gate"))
    shared = read_shared(root.table("shared"), redis_names)
    notify = read_notify(root.table("notify"))
    release = read_release_settings(root.table("release"), base_dir)
    root.finish()
    if incident is None:
        return None
    return Config(
        incident,
        prometheus,
        redis,
        queues,
        regions,
        flags,
        postgres,
        checks,
        actions,
        gate,
        shared,
        notify=notify,
        queue_servers=queue_servers,
        release=release,
    )
