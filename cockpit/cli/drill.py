"""`cockpit drill`: the cockpit on the built-in simulated incident."""

from __future__ import annotations

import argparse
from datetime import UTC

from cockpit.cli.tui import run_tui


def command(args: argparse.Namespace) -> int:
    from datetime import datetime

    from cockpit.cli.release_args import Derived, journal_started_without_release
    from cockpit.drill.release import drill_release, drill_release_config
    from cockpit.wiring import build_drill

    path = args.journal or f"drill-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"
    if getattr(args, "no_release", False) or journal_started_without_release(path):
        return run_tui(build_drill(seed=args.seed, speed=args.speed), path, args)
    # By default the drill's runbook derives from its release file (cockpit/drill/release.toml).
    config = drill_release_config()
    release = Derived(drill_release(config), config)
    backends = build_drill(seed=args.seed, speed=args.speed, config=config, steps=release.steps)
    return run_tui(backends, path, args, release=release.record)
