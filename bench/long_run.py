"""Long run: memory and CPU of `cockpit drill` over a simulated 12 hours (speed 720 for
60 s). Histories are ring buffers and the log keeps the last 2,000 lines: RSS must stay flat.

Run: .venv/bin/python bench/long_run.py [--seconds 60] [--speed 720] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import sys
import tempfile
import time
from pathlib import Path

COCKPIT = str(Path(sys.executable).parent / "cockpit")
TICK = os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--speed", type=float, default=720)
    parser.add_argument("--tree", action="append", default=[], metavar="DIR", help="a checkout to measure (repeatable)")
    args = parser.parse_args()
    for tree in [Path(t).resolve() for t in args.tree] or [None]:
        if tree is not None:
            print(f"tree {tree}")
        run(args.seconds, args.speed, tree)


def run(seconds: float, speed: float, tree: Path | None) -> None:
    journal = Path(tempfile.mkdtemp()) / "long.jsonl"
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        argv = [COCKPIT, "drill", "--speed", str(speed), "--journal", str(journal)]
        if tree is not None:
            os.environ["PYTHONPATH"] = str(tree)
            os.chdir(tree)  # `python -m cockpit` looks in the working directory first
            argv = [sys.executable, "-m", "cockpit", *argv[1:]]
        os.execv(argv[0], argv)
    samples = []
    started = time.monotonic()
    next_sample = started + 5
    try:
        while time.monotonic() - started < seconds:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    break
            if time.monotonic() >= next_sample:
                samples.append((time.monotonic() - started, rss_kb(pid), cpu_s(pid)))
                next_sample += 5
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    simulated_h = seconds * speed / 3600
    print(f"cockpit drill --speed {speed:g} for {seconds:g} s = {simulated_h:.1f} simulated hours")
    for t, rss, cpu in samples:
        print(f"  t={t:5.1f}s  RSS {rss / 1024:6.1f} MiB  CPU so far {cpu:5.1f} s")
    (t0, r0, c0), (t1, r1, c1) = samples[0], samples[-1]
    _, rh, _ = samples[len(samples) // 2]  # by then every history ring buffer is full
    print(
        f"RSS first sample {r0 / 1024:.1f} MiB -> last {r1 / 1024:.1f} MiB (ratio {r1 / r0:.2f}); "
        f"over the second half {rh / 1024:.1f} -> {r1 / 1024:.1f} MiB (ratio {r1 / rh:.2f}); "
        f"CPU {100 * (c1 - c0) / (t1 - t0):.1f}% of one core while running {speed:g}x (after the first 5 s)"
    )


if __name__ == "__main__":
    main()
