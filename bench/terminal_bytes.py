"""Bytes written to the terminal per minute (what an SSH link carries), through a real pty.

- idle: `cockpit run` on loopback servers whose values do not change (ages still tick);
- busy: `cockpit drill --speed 10` (every panel changing, actions streaming into the log);
- idle drill: `cockpit drill` at speed 1 with no key pressed;
- each dialog (help `?`, note `n`, confirm `s`) open over the idle screen and over the drill,
  as a ratio to the same screen without it.
At 80x24, 120x36 and 200x50.

`--tree DIR` (repeatable) runs the cockpit of another checkout (e.g. `git archive main | tar
-x -C /tmp/base`) through `python -m cockpit` with PYTHONPATH=DIR: before and after in one run.

`--tmux` runs each inside tmux (focus events on, the terminal reporting focus) and counts
what tmux sends to its terminal; `--only idle,busy,calm,dialogs` picks what to measure.

Run: .venv/bin/python bench/terminal_bytes.py [--seconds 30] [--tree /tmp/base --tree .] [--tmux]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import (  # noqa: E402
    PostgresServer,
    RedisServer,
    select_only_dsn,
)

#: The dialogs measured, and the key that opens each over the drill and the idle screen.
DIALOGS = {"help": b"?", "note": b"n", "confirm": b"s"}
SIZES = ((80, 24), (120, 36), (200, 50))


#: tmux as an operator runs it over SSH: focus events on (the terminal says when it has focus,
#: and Textual then blinks a text field's cursor), no status line (it would tick its clock).
TMUX_CONF = "set -g focus-events on\nset -g status off\nset -g escape-time 10\n"


def measure(
    argv: list[str],
    cols: int,
    rows: int,
    seconds: float,
    env: dict[str, str],
    warmup: float = 6.0,
    keys: bytes = b"",
    tmux: Path | None = None,
) -> float:
    """Bytes per minute written after a warm-up (the first full paint, the drill's first
    readings, and opening the dialog `keys` opens at 2 s, are not steady state). With `tmux`
    (a config file), the program runs inside a tmux session and what is counted is what tmux
    sends to its client's terminal, after the terminal reports focus (ESC [ I)."""
    socket = f"bench-{os.getpid()}-{time.monotonic_ns()}"
    if tmux is not None:
        argv = ["tmux", "-L", socket, "-f", str(tmux), "new-session", "-x", str(cols), "-y", str(rows), *argv]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ.update({"TERM": "xterm-256color"})
        for name in ("COLUMNS", "LINES", "TMUX"):
            os.environ.pop(name, None)
        # `python -m cockpit` looks in the working directory first: run from the tree measured.
        os.chdir(env.get("PYTHONPATH") or ROOT)
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    counted, started = 0, time.monotonic()
    focused = tmux is None
    try:
        while time.monotonic() - started < warmup + seconds:
            if not focused and time.monotonic() - started >= 1.0:
                os.write(fd, b"\x1b[I")  # the terminal has focus (tmux passes it on)
                focused = True
            if keys and time.monotonic() - started >= 2.0:
                os.write(fd, keys)
                keys = b""
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                if time.monotonic() - started >= warmup:
                    counted += len(chunk)
    finally:
        if tmux is not None:
            subprocess.run(["tmux", "-L", socket, "kill-server"], check=False, capture_output=True)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    return counted / seconds * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--warmup",
        type=float,
        default=6.0,
        help="seconds left out at the start (default 6; a shorter one counts the drill's first "
        "changes after its first frame, which land later than 6 s on a loaded machine)",
    )
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="DIR",
        help="a checkout whose cockpit to measure (repeatable; default: this one)",
    )
    parser.add_argument("--sizes", default="80x24,120x36,200x50")
    parser.add_argument("--tmux", action="store_true", help="run inside tmux (focus events on) and count what it sends")
    parser.add_argument(
        "--only", default="", help="comma list of what to measure: idle,busy,calm,dialogs (default: all)"
    )
    args = parser.parse_args()
    only = set(filter(None, args.only.split(","))) or {"idle", "busy", "calm", "dialogs"}
    trees = [Path(t).resolve() for t in args.tree] or [ROOT]
    sizes = [tuple(int(n) for n in s.split("x")) for s in args.sizes.split(",")]
    pg, rd = PostgresServer().start(), RedisServer().start()
    tmp = Path(tempfile.mkdtemp())
    tmux_conf = None
    if args.tmux:
        tmux_conf = tmp / "tmux.conf"
        tmux_conf.write_text(TMUX_CONF)
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
        print(
            f"bytes written to the pty per minute (measured over {args.seconds:g} s after a {args.warmup:g} s warm-up)"
            + (", inside tmux with focus events on (what tmux sends to its terminal)" if args.tmux else "")
        )
        for tree in trees:
            cockpit = [sys.executable, "-m", "cockpit"]
            base = {"PYTHONPATH": str(tree)}
            print(f"tree {tree}")
            for cols, rows in sizes:

                def run(name: str, keys: bytes = b"", cockpit=cockpit, cols=cols, rows=rows, base=base) -> float:
                    return measure(
                        [
                            *cockpit,
                            "run",
                            "--config",
                            str(config),
                            "--journal",
                            str(tmp / f"i{cols}{name}-{time.monotonic_ns()}.jsonl"),
                        ],
                        cols,
                        rows,
                        args.seconds,
                        {**env, **base},
                        keys=keys,
                        tmux=tmux_conf,
                        warmup=args.warmup,
                    )

                def drill(
                    name: str, keys: bytes = b"", speed: str = "10", cockpit=cockpit, cols=cols, rows=rows, base=base
                ) -> float:
                    return measure(
                        [
                            *cockpit,
                            "drill",
                            "--speed",
                            speed,
                            "--journal",
                            str(tmp / f"b{cols}{name}-{time.monotonic_ns()}.jsonl"),
                        ],
                        cols,
                        rows,
                        args.seconds,
                        base,
                        keys=keys,
                        tmux=tmux_conf,
                        warmup=args.warmup,
                    )

                idle = run("none") if "idle" in only or "dialogs" in only else float("nan")
                busy = drill("none") if "busy" in only or "dialogs" in only else float("nan")
                calm = drill("calm", speed="1") if "calm" in only else float("nan")
                print(
                    f"  {cols}x{rows}: idle {idle / 1024:6.1f} KB/min   busy drill (speed 10) {busy / 1024:6.1f} KB/min"
                    f"   idle drill (speed 1, no key) {calm / 1024:6.1f} KB/min",
                    flush=True,
                )
                for name, key in DIALOGS.items() if "dialogs" in only else ():
                    over_idle, over_busy = run(name, key), drill(name, key)
                    ratio = f"{over_busy / busy:5.2f}x" if busy else "  n/a"
                    print(
                        f"    {name:8s} open: over idle {over_idle / 1024:6.1f} KB/min   over the drill "
                        f"{over_busy / 1024:6.1f} KB/min = {ratio} the drill without it",
                        flush=True,
                    )
    finally:
        pg.stop()
        rd.stop()


if __name__ == "__main__":
    main()
