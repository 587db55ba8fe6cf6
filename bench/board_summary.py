"""The board's per-source summary (any failed reading, the oldest good one, when the first
turns STALE), as the gate asks for it after every source's batch: 11 flag regions x 100
flags, each region's batch followed by `all_fresh`. Prints the CPU per batch of the update
alone and of the summary it invalidates. Deterministic enough to compare trees: run it
with PYTHONPATH=DIR from DIR for another checkout.
Run: .venv/bin/python bench/board_summary.py
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from cockpit.core.readings import FLAGS, Board, Reading

T0 = datetime(2026, 11, 29, tzinfo=UTC)
REGIONS = [f"r{i}" for i in range(11)]
CYCLES = 50


def batch(region: str, k: int) -> list[Reading]:
    return [Reading(FLAGS, f"f{j}@{region}", float(j % 2) * 100, T0 + timedelta(seconds=k)) for j in range(100)]


def run(ask: bool) -> float:
    board = Board(clock=lambda: T0)
    for region in REGIONS:
        board.set_source_interval(region, 5.0)
        board.update(batch(region, 0), by=region)
    start = time.process_time()
    for k in range(1, CYCLES + 1):
        for region in REGIONS:
            board.update(batch(region, k), by=region)
            if ask:
                board.all_fresh(FLAGS)  # the gate, after every region's batch
    return (time.process_time() - start) / (CYCLES * len(REGIONS))


def main() -> None:
    both, alone = min(run(True) for _ in range(3)), min(run(False) for _ in range(3))
    print(
        f"per region batch (100 of 1,100 flag readings): update + summary {both * 1000:.2f} ms, "
        f"update alone {alone * 1000:.2f} ms, summary {(both - alone) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
