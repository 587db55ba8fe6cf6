"""The drill's release file (`release.toml`, shipped in the package) and the config it is
checked against: the drill's config plus the second reviewed repair its release needs."""

from __future__ import annotations

from pathlib import Path

from cockpit.config import Config, loads
from cockpit.config.release import ReleaseMap, load_release

#: The release's second migration is undone by its own reviewed script (after the first).
RELEASE_ACTIONS = """
[[actions.repairs]]
name = "recompute-order-totals"
reviewed_by = "dana (payments)"
[[actions.repairs.statements]]
name = "recompute totals"
preview = "SELECT count(*) FROM orders o WHERE total <> (SELECT sum(amount) FROM order_lines l WHERE l.order_id = o.id)"
sql = "UPDATE orders o SET total = (SELECT sum(amount) FROM order_lines l WHERE l.order_id = o.id) WHERE total <> (SELECT sum(amount) FROM order_lines l WHERE l.order_id = o.id)"

[release]
require_owner = true
require_backup = true
"""


def release_path() -> Path:
    """Where the drill's release file is (inside the installed package, beside this module:
    a plain path, not importlib.resources, which loads zipfile before the first frame)."""
    return Path(__file__).with_name("release.toml")


def drill_release_config() -> Config:
    from cockpit.drill import DRILL_CONFIG

    return loads(DRILL_CONFIG + RELEASE_ACTIONS, "<drill>")


def drill_release(config: Config | None = None) -> ReleaseMap:
    return load_release(release_path(), config or drill_release_config())
