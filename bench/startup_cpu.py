"""Start-up CPU before the drill's first layout: what cockpit adds to the bare floor's imports.

Each launch (one `python -c` per tree, trees alternating) pauses the collector as `cockpit
drill` does, imports what the bare floor imports (Textual's App and Static: its CPU is
printed too), then every module the drill's start-up path loads and builds the drill's
config, release and backends; it prints the CPU (`time.process_time`, not the 10 ms ticks
of /proc) that second part took. That part is what deferring imports can shrink; a change
of a few milliseconds there is lost in the noise of `bench/startup.py`'s wall times.
Run: .venv/bin/python bench/startup_cpu.py [--runs N] --tree BEFORE --tree .
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

PROBE = """
import gc, time
gc.disable()
from textual.app import App
from textual.widgets import Static
floor = time.process_time()
import cockpit.cli.drill, cockpit.cli.tui, cockpit.core.session, cockpit.ui.app
from cockpit.cli.release_args import Derived
from cockpit.drill.release import drill_release, drill_release_config
from cockpit.wiring import build_drill
config = drill_release_config()
release = Derived(drill_release(config), config)
build_drill(seed=7, speed=1.0, config=config, steps=release.steps)
print(floor, time.process_time() - floor)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--tree", action="append", required=True, metavar="DIR")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.tree]
    floor: dict[Path, list[float]] = {t: [] for t in trees}
    cockpit: dict[Path, list[float]] = {t: [] for t in trees}
    for _ in range(args.runs):
        for tree in trees:
            out = subprocess.run(
                [sys.executable, "-c", PROBE],
                cwd=tree,
                env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            floor[tree].append(float(out[0]))
            cockpit[tree].append(float(out[1]))
    print(f"{args.runs} alternating launches per tree, CPU (process_time), medians")
    for tree in trees:
        runs = cockpit[tree]
        print(
            f"{tree}: interpreter + Textual App/Static {statistics.median(floor[tree]) * 1000:.1f} ms; "
            f"then the drill's imports and build {statistics.median(runs) * 1000:.1f} ms (min {min(runs) * 1000:.1f})"
        )


if __name__ == "__main__":
    main()
