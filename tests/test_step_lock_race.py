"""Headless `act` takes the same shared step lock as the TUI: two real processes racing
for one step, 50 times (five incidents racing at once), and exactly one executes it each
round; the other is told who holds it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytestmark = pytest.mark.servers

ROUNDS = 50
LANES = 5
REVERT = """
import os, sys, time
counter, release = sys.argv[1], sys.argv[2]
with open(counter, "a") as handle:
    handle.write(f"{os.getppid()}\\n")
deadline = time.monotonic() + 30
while not os.path.exists(release) and time.monotonic() < deadline:  # hold the step until the test lets go
    time.sleep(0.02)
print("reverted")
"""


def test_two_acts_of_one_step_never_both_execute(tmp_path: Path, redis_url: str) -> None:
    # LANES independent incidents race at once (each its own lock), ROUNDS races in all: the
    # same 50 races, overlapping, so the test takes a fifth of the time (and races harder).
    with ThreadPoolExecutor(LANES) as pool:
        lanes = [pool.submit(_race_lane, tmp_path / f"lane{n}", redis_url, n) for n in range(LANES)]
        for lane in lanes:
            lane.result()


def _race_lane(root: Path, redis_url: str, lane: int) -> None:
    root.mkdir()
    script, counter, release = root / "revert.py", root / "executions", root / "release"
    script.write_text(REVERT)
    config = root / "c.toml"
    config.write_text(f'''
[incident]
title = "Checkout failing"
service = "checkout"
journal = "{root / "j.jsonl"}"
[redis.jobs]
url = "{redis_url}"
[shared]
redis = "jobs"
incident = "race-{lane}"
join = true
[actions.revert]
argv = ["{sys.executable}", "{script}", "{counter}", "{release}"]
timeout = "60s"
''')
    argv = [sys.executable, "-m", "cockpit", "act", "--config", str(config), "revert", "--yes"]
    for round_no in range(lane, ROUNDS, LANES):
        counter.unlink(missing_ok=True)
        release.unlink(missing_ok=True)
        procs = [
            subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env={**os.environ, "COCKPIT_OPERATOR": who},
            )
            for who in ("alice", "bob")
        ]
        try:
            deadline = time.monotonic() + 60
            while all(p.poll() is None for p in procs):  # the one without the lock is refused at once
                assert time.monotonic() < deadline, f"round {round_no}: neither act finished"
                time.sleep(0.02)
            refused = next(p for p in procs if p.poll() is not None)
            out = refused.stdout.read()
            assert refused.returncode == 1, f"round {round_no}: {out}"
            assert "is being run by" in out and ("alice@" in out or "bob@" in out), out
            release.touch()
            winner = next(p for p in procs if p is not refused)
            winner_out, _ = winner.communicate(timeout=60)
            assert winner.returncode == 0, f"round {round_no}: {winner_out}"
        finally:
            release.touch()
            for p in procs:
                if p.poll() is None:
                    p.kill()
                p.wait()
        assert len(counter.read_text().splitlines()) == 1, f"round {round_no}: executed twice"
