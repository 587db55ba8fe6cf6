"""How long a screen takes to settle after its key, and how many frames it draws, through a
real pty: `cockpit drill` (speed 0.01: a still screen) at 120x36, the key pressed once the screen is quiet,
then the time to the last byte of the burst it causes (quiet = no byte for 150 ms), the
bytes, and the separate screen writes (output bursts at least 8 ms apart: roughly frames).

Run: .venv/bin/python bench/screen_settle.py [--runs 9] [--keys '?,n,s'] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

#: Output this far apart is a separate screen write (Textual writes a frame at once).
GAP = 0.008
#: The drill this slow reads nothing during a measurement: the key's burst alone is timed.
SPEED = "0.01"
QUIET = 0.15
NAMES = {"?": "help", "n": "note", "s": "confirm (stop writers)"}


def drain(fd: int, quiet: float) -> tuple[bytes, float, int]:
    """Read until nothing came for `quiet` seconds; (what came, when the last byte came, how
    many separate screen writes: bursts of output at least GAP apart)."""
    data, last, writes = b"", time.perf_counter(), 0
    while True:
        if not select.select([fd], [], [], quiet)[0]:
            return data, last, writes
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return data, last, writes
        now = time.perf_counter()
        if not data or now - last >= GAP:
            writes += 1
        data += chunk
        last = now


def settle(key: bytes, tmp: Path, tree: Path, cols: int = 120, rows: int = 36) -> tuple[float, int, int]:
    """(seconds from the key to the last byte of its burst, bytes, frames)."""
    pid, fd = pty.fork()
    if pid == 0:
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
        os.environ.update({"TERM": "xterm-256color", "PYTHONPATH": str(tree)})
        os.chdir(tree)  # `python -m cockpit` looks in the working directory first
        argv = [
            sys.executable,
            "-m",
            "cockpit",
            "drill",
            "--speed",
            SPEED,
            "--journal",
            str(tmp / f"s{time.monotonic_ns()}.jsonl"),
        ]
        os.execv(sys.executable, argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        # The first frame (output starts only after the imports), then a quiet screen.
        # Under heavy load (load average 15+) the key has been seen to open nothing: a run
        # with 0 KB is not a measurement (the report says how many runs drew nothing).
        drain(fd, 5.0)
        deadline = time.perf_counter() + 20
        while time.perf_counter() < deadline:
            data, _, _ = drain(fd, 1.0)
            if not data:
                break
        pressed = time.perf_counter()
        os.write(fd, key)
        data, last, writes = drain(fd, QUIET)
        return last - pressed, len(data), writes
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keys", default="?,n,s")
    parser.add_argument("--tree", action="append", default=[], metavar="DIR", help="a checkout to measure (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.runs} runs each, cockpit drill at 120x36, from the key to the last byte of its burst")
        trees = [Path(t).resolve() for t in args.tree] or [Path(__file__).resolve().parent.parent]
        for key in args.keys.split(","):
            # Trees alternate run by run, so a busy moment on the machine slows each alike.
            runs: dict[Path, list[tuple[float, int, int]]] = {tree: [] for tree in trees}
            for _ in range(args.runs):
                for tree in trees:
                    runs[tree].append(settle(key.encode(), Path(tmp), tree))
            for tree in trees:
                report(f"{NAMES.get(key, key)} [{tree}]", runs[tree])


def report(label: str, runs: list[tuple[float, int, int]]) -> None:
    drew_nothing = sum(1 for _, size, _ in runs if size == 0)
    runs = [run for run in runs if run[1] > 0] or runs
    if drew_nothing:
        label += f" ({drew_nothing} run(s) drew nothing: left out)"
    times = [t * 1000 for t, _, _ in runs]
    print(
        f"  {label}: settles in median {statistics.median(times):5.0f} ms "
        f"(runs: {', '.join(f'{t:.0f}' for t in times)}); "
        f"{statistics.median(b for _, b, _ in runs) / 1024:.1f} KB, "
        f"screen writes {statistics.median(f for _, _, f in runs):.0f} (each run: {[f for _, _, f in runs]})"
    )


if __name__ == "__main__":
    main()
