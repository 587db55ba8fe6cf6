"""Bytes the drill writes to the terminal from launch to one second after its first frame, and
how often the first screen is written (the error-rate panel's title counted: the runbook's
is written again by the 1 s view refresh), through a real 120x36 pty. Trees alternate run
by run, so before/after share the machine's load.

Run: .venv/bin/python bench/first_screen.py [--runs 7] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

WINDOW = 1.0


def run(tree: Path, tmp: Path, cols: int = 120, rows: int = 36) -> tuple[int, int]:
    """(bytes in the first WINDOW seconds from the first frame byte, times the title was written)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    env["PYTHONPATH"] = str(tree)
    argv = [sys.executable, "-m", "cockpit", "drill", "--journal", str(tmp / f"j{time.monotonic_ns()}.jsonl")]
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=tmp, start_new_session=True)
    os.close(slave)
    out = b""
    first: float | None = None
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and (first is None or time.monotonic() < first + WINDOW):
            ready, _, _ = select.select([master], [], [], 0.01)
            if ready:
                out += os.read(master, 1 << 16)
                if first is None and b"Runbook" in out:
                    first = time.monotonic()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # our own child's process group only
        proc.wait(timeout=10)
        os.close(master)
    return len(out), out.count(b"Error rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", action="append", type=Path, default=[])
    args = parser.parse_args()
    trees = args.tree or [Path(".")]
    results: dict[Path, list[tuple[int, int]]] = {tree: [] for tree in trees}
    print(
        f"{args.runs} alternating runs, cockpit drill at 120x36, bytes from launch to {WINDOW:.0f} s after the first frame"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            for tree in trees:
                results[tree].append(run(tree.resolve(), Path(tmp)))
    for tree, runs in results.items():
        sizes = [b for b, _ in runs]
        writes = [n for _, n in runs]
        print(
            f"{tree!s:30} median {statistics.median(sizes) / 1024:6.1f} KB"
            f" (runs: {', '.join(f'{b / 1024:.1f}' for b in sizes)}); first screen written {statistics.median(writes):.0f}x"
            f" (runs: {', '.join(map(str, writes))})"
        )


if __name__ == "__main__":
    main()
