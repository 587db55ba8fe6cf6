"""Run a cockpit command under cProfile, profiling only the steady state.

SIGUSR2 starts a fresh profile (sent after the warm-up); SIGUSR1 writes it to the path in
COCKPIT_PROFILE and exits. Used by `tick_cost.py --profile` and `long_run.py`-style runs:
    COCKPIT_PROFILE=/tmp/p.out python bench/profiled.py run --config ...
then `python -m pstats /tmp/p.out` (or `bench/tick_cost.py` prints the top entries).
"""

from __future__ import annotations

import cProfile
import os
import runpy
import signal
import sys

profile = cProfile.Profile()


def restart(*_: object) -> None:
    global profile
    profile.disable()
    profile = cProfile.Profile()
    profile.enable()


def dump(*_: object) -> None:
    profile.disable()
    path = os.environ["COCKPIT_PROFILE"]
    profile.dump_stats(path + ".part")
    os.replace(path + ".part", path)  # whole or absent: the harness reads it once it exists
    os._exit(0)


signal.signal(signal.SIGUSR2, restart)
signal.signal(signal.SIGUSR1, dump)
sys.argv = ["cockpit", *sys.argv[1:]]
profile.enable()
runpy.run_module("cockpit", run_name="__main__")
