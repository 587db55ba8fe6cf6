"""Bytes written to the terminal per minute (what an SSH link carries), through a real pty.

- idle: `cockpit run` on loopback servers whose values do not change (ages still tick);
- busy: `cockpit drill --speed 10` (every panel changing, actions streaming into the log).
Each at 80x24 and 200x50.

Run: .venv/bin/python bench/terminal_bytes.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import PostgresServer, RedisServer  # noqa: E402
from tests.servers import select_only_dsn  # noqa: E402

COCKPIT = str(Path(sys.executable).parent / "cockpit")


def measure(argv: list[str], cols: int, rows: int, seconds: float, env: dict[str, str], warmup: float = 3.0) -> float:
    """Bytes per minute written after a warm-up (the first full paint is not steady state)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ.update({"TERM": "xterm-256color"})
        os.execv(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    counted, started = 0, time.monotonic()
    try:
        while time.monotonic() - started < warmup + seconds:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if time.monotonic() - started >= warmup:
                    counted += len(chunk)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return counted / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    pg, rd = PostgresServer().start(), RedisServer().start()
    tmp = Path(tempfile.mkdtemp())
    try:
        import psycopg
        import redis

        with psycopg.connect(pg.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 100) g")
        redis.Redis.from_url(rd.url).rpush("jobs", *range(12))
        config = tmp / "idle.toml"
        config.write_text(f'''
[incident]
title = "Checkout failing after release 2026.11.3"
service = "checkout"
journal = "{tmp / "idle.jsonl"}"
[redis.jobs]
url = "{rd.url}"
interval = "2s"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "list"
queue = "jobs"
[postgres]
readonly_dsn_env = "BENCH_PG"
interval = "5s"
[[postgres.suspects]]
name = "duplicate discount holds"
sql = "SELECT count(*) FROM orders WHERE id > 90"
''')
        env = {"BENCH_PG": select_only_dsn(pg.dsn())}
        print(f"bytes written to the pty per minute (measured over {args.seconds:g} s after a 3 s warm-up)")
        for cols, rows in ((80, 24), (200, 50)):
            idle = measure(
                [COCKPIT, "run", "--config", str(config), "--journal", str(tmp / f"i{cols}.jsonl")],
                cols,
                rows,
                args.seconds,
                env,
            )
            busy = measure(
                [COCKPIT, "drill", "--speed", "10", "--journal", str(tmp / f"b{cols}.jsonl")],
                cols,
                rows,
                args.seconds,
                {},
            )
            print(f"  {cols}x{rows}: idle {idle / 1024:6.1f} KB/min   busy drill (speed 10) {busy / 1024:6.1f} KB/min")
    finally:
        pg.stop()
        rd.stop()


if __name__ == "__main__":
    main()
