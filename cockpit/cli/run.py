"""`cockpit run`: the cockpit on the real systems of a config (preflight shown on screen)."""

from __future__ import annotations

import argparse
import sys

from cockpit.cli.common import EXIT_USAGE, load_config
from cockpit.cli.release_args import Derived, release_for
from cockpit.cli.tui import run_tui


def command(args: argparse.Namespace) -> int:
    from cockpit.wiring import build_live

    cfg = load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    join = args.join or bool(cfg.shared and cfg.shared.join)
    if join and cfg.shared is None:
        print(f"{args.config}: shared: --join needs a [shared] section (redis, incident)", file=sys.stderr)
        return EXIT_USAGE

    async def preflight() -> list[str]:
        import os

        from cockpit.cli.preflight import preflight as check

        return [c.line() for c in await check(cfg, os.environ) if not c.ok]

    release = release_for(cfg, getattr(args, "release", None))
    if release is False:
        return EXIT_USAGE
    steps, record = (release.steps, release.record) if isinstance(release, Derived) else (None, None)
    journal = args.journal or str(cfg.incident.journal)
    return run_tui(build_live(cfg, steps=steps), journal, args, join=join, preflight=preflight, release=record)
