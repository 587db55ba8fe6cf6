"""Where the idle drill's bytes go: what it writes to a pty, per screen row.

Each partial update moves the cursor (CSI row;col H) before every piece it writes, so the
bytes up to the next cursor move belong to that row (and column). Prints each row's bytes
per minute, pieces per minute, the columns written, and the row's text at the end (a small
screen model that applies the pieces; styles dropped).

Run: .venv/bin/python bench/bytes_by_row.py [--size 200x50] [--seconds 60] [--warmup 6] [--tree DIR]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from collections import defaultdict
from pathlib import Path

from rich.cells import cell_len

ROOT = Path(__file__).resolve().parent.parent
CUP = re.compile(r"\x1b\[(\d+);(\d+)H")
ESCAPE = re.compile(r"\x1b\[[0-9;?<>=]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()=>][0-9A-Za-z]?")


def capture(tree: Path, cols: int, rows: int, warmup: float, seconds: float) -> list[tuple[float, bytes]]:
    journal = Path(tempfile.mkdtemp()) / "drill.jsonl"
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"PYTHONPATH": str(tree), "TERM": "xterm-256color"})
        for name in ("COLUMNS", "LINES", "TMUX"):
            os.environ.pop(name, None)
        os.chdir(tree)  # `python -m cockpit` looks in the working directory first
        argv = [sys.executable, "-m", "cockpit", "drill", "--speed", "1", "--journal", str(journal)]
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    chunks: list[tuple[float, bytes]] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < warmup + seconds:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunks.append((time.monotonic() - started, os.read(fd, 65536)))
                except OSError:
                    break
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=6)
    parser.add_argument("--tree", default=str(ROOT), help="the checkout whose cockpit to run (default: this one)")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.split("x"))
    chunks = capture(Path(args.tree).resolve(), cols, rows, args.warmup, args.seconds)
    # Decode the whole stream at once: a read can split a multi-byte character.
    stream = b"".join(c for _, c in chunks).decode("utf-8", "replace")
    counted_from = len(b"".join(c for t, c in chunks if t < args.warmup).decode("utf-8", "replace"))
    screen = [[" "] * cols for _ in range(rows)]
    per_row: dict[int, int] = defaultdict(int)
    pieces: dict[int, int] = defaultdict(int)
    spans: dict[int, set[int]] = defaultdict(set)
    total = other = 0
    marks = list(CUP.finditer(stream))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(stream)
        y, x = int(mark.group(1)) - 1, int(mark.group(2)) - 1
        text = stream[mark.end() : end]
        for piece in ESCAPE.split(text):
            for ch in piece:
                if ch in "\r\n":
                    continue
                if 0 <= y < rows and 0 <= x < cols:
                    screen[y][x] = ch
                x += max(1, cell_len(ch))
        if mark.start() >= counted_from:
            size = len(stream[mark.start() : end].encode())
            total += size
            if ESCAPE.sub("", text).strip("\r\n"):
                per_row[y] += size
                pieces[y] += 1
                spans[y].add(int(mark.group(2)))
            else:
                other += size  # the cursor parked after an update
    per_minute = 60 / args.seconds
    print(f"idle drill, {cols}x{rows}, {args.seconds:g} s after a {args.warmup:g} s warm-up, tree {args.tree}")
    print(
        f"total {total * per_minute / 1024:.1f} KB/min; cursor parking and modes {other * per_minute / 1024:.1f} KB/min"
    )
    print(" row   KB/min  pieces/min  columns written          text at the end")
    for y in sorted(per_row):
        columns = ",".join(str(c) for c in sorted(spans[y])[:6]) + ("…" if len(spans[y]) > 6 else "")
        print(
            f"{y + 1:4d}  {per_row[y] * per_minute / 1024:7.2f}  {pieces[y] * per_minute:10.0f}  {columns:24s} "
            f"{''.join(screen[y]).rstrip()[:90]}"
        )


if __name__ == "__main__":
    main()
