"""How long a screen takes to settle after its key, and how many frames it draws, through a
real pty: `cockpit drill` (speed 1) at 120x36, the key pressed once the screen is quiet,
then the time to the last byte of the burst it causes (quiet = no byte for 150 ms), the
bytes and the frames (Textual brackets each frame in synchronized-output marks, ESC[?2026h).

Run: .venv/bin/python bench/screen_settle.py [--runs 9] [--keys '?,n,s']
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

FRAME = b"\x1b[?2026h"
QUIET = 0.15
NAMES = {"?": "help", "n": "note", "s": "confirm (stop writers)"}


def drain(fd: int, quiet: float) -> tuple[bytes, float]:
    """Read until nothing came for `quiet` seconds; (what came, when the last byte came)."""
    data, last = b"", time.perf_counter()
    while True:
        if not select.select([fd], [], [], quiet)[0]:
            return data, last
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return data, last
        data += chunk
        last = time.perf_counter()


def settle(key: bytes, tmp: Path, cols: int = 120, rows: int = 36) -> tuple[float, int, int]:
    """(seconds from the key to the last byte of its burst, bytes, frames)."""
    pid, fd = pty.fork()
    if pid == 0:
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
        os.environ["TERM"] = "xterm-256color"
        argv = [sys.executable, "-m", "cockpit", "drill", "--journal", str(tmp / f"s{time.monotonic_ns()}.jsonl")]
        os.execv(sys.executable, argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        deadline = time.perf_counter() + 20
        # Start-up, then a quiet screen (the idle drill changes every few seconds: wait for a gap).
        while time.perf_counter() < deadline:
            data, _ = drain(fd, 0.6)
            if not data:
                break
        pressed = time.perf_counter()
        os.write(fd, key)
        data, last = drain(fd, QUIET)
        return last - pressed, len(data), data.count(FRAME)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keys", default="?,n,s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{args.runs} runs each, cockpit drill at 120x36, from the key to the last byte of its burst")
        for key in args.keys.split(","):
            runs = [settle(key.encode(), Path(tmp)) for _ in range(args.runs)]
            times = [t * 1000 for t, _, _ in runs]
            print(
                f"  {NAMES.get(key, key):24s} settles in median {statistics.median(times):5.0f} ms "
                f"(runs: {', '.join(f'{t:.0f}' for t in times)}); "
                f"{statistics.median(b for _, b, _ in runs) / 1024:.1f} KB, "
                f"frames {statistics.median(f for _, _, f in runs):.0f} (each run: {[f for _, _, f in runs]})"
            )


if __name__ == "__main__":
    main()
