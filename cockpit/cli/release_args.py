"""The release file of a `run` or `drill`: loaded and validated (problems printed one line
each), turned into the runbook's steps and the journal's `release` record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit import config as config_module
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from cockpit.config.release import ReleaseMap
    from cockpit.core.runbook import StepDef


class Derived:
    """A release's runbook and what the journal keeps of its map."""

    def __init__(self, release_map: ReleaseMap, config: config_module.Config) -> None:
        from cockpit.core.release_plan import release_record
        from cockpit.core.release_steps import release_steps

        self.release_map = release_map
        self.steps: tuple[StepDef, ...] = release_steps(release_map, config)
        self.record: dict[str, Any] = release_record(release_map)


def release_for(config: config_module.Config, path: str | Path | None) -> Derived | bool | None:
    """The release of `path` (else the config's `[release] file`): None when there is none,
    False when it has problems (printed, one line each)."""
    from cockpit.config.release import load_release

    path = path or config.release.file
    if path is None:
        return None
    try:
        return Derived(load_release(path, config), config)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        return False


def journal_started_without_release(path: str | Path) -> bool:
    """An existing journal begun without a release file: it resumes with the runbook it had."""
    from cockpit.incident.journal import read

    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return False
    entries = read(path).entries
    return bool(entries) and not any(e.kind == "release" for e in entries)
