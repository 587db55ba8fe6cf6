"""The reads alone, as a process: the same sources (cockpit's wiring) polled by the same
pollers at the same intervals into a board, with no screen, no gate and no journal.

`tick_cost.py` runs it beside `cockpit run` on the same config and divides the TUI's CPU
per second by this process's: what the UI costs on top of the polling it shows. It imports
`cockpit` from PYTHONPATH, so `--tree DIR` measures that checkout's reads.

Run: PYTHONPATH=TREE python bench/poll_only.py --config FILE
"""

from __future__ import annotations

import argparse
import asyncio
import os


async def poll(config_path: str) -> None:
    from cockpit.config import load
    from cockpit.core.polling import Poller, Pollers
    from cockpit.core.readings import Board
    from cockpit.core.redact import Redactor
    from cockpit.core.timebase import Timebase
    from cockpit.wiring import build_sources

    config = load(config_path)
    timebase = Timebase()
    board = Board(clock=timebase.now)
    board.redact = Redactor.from_env(config.secret_env_names()).text  # as the session sets it
    pollers = Pollers([Poller(s, board, timebase) for s in build_sources(config, os.environ)])
    await asyncio.gather(*pollers.run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    asyncio.run(poll(parser.parse_args().config))


if __name__ == "__main__":
    main()
