"""`cockpit drill`: the cockpit on the built-in simulated incident."""

from __future__ import annotations

import argparse
from datetime import UTC

from cockpit.cli.tui import run_tui


def command(args: argparse.Namespace) -> int:
    from datetime import datetime

    from cockpit.wiring import build_drill

    backends = build_drill(seed=args.seed, speed=args.speed)
    path = args.journal or f"drill-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.jsonl"
    return run_tui(backends, path, args)
