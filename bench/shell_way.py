"""Against the shell way: the same panels as an on-call engineer builds them by hand —
`watch -n1` panes running redis-cli, psql -c and curl — against the same loopback servers,
compared in one run with `cockpit run` refreshing every second.

Measured over the same window for each: CPU of the client side (every process, reaped
short-lived ones included: utime+stime+cutime+cstime of each pane's process) and of the servers (redis-server, the
postmaster with its reaped backends AND every live backend or worker, so the persistent backend serving
cockpit's connection counts; prometheus: utime+stime+cutime+cstime from /proc),
processes forked (the kernel's PID counter), new server connections (Redis INFO, PostgreSQL
pg_stat_database.sessions), and bytes written to the terminals.

Run: .venv/bin/python bench/shell_way.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import redis  # noqa: E402

from tests.servers import (  # noqa: E402
    MetricsExporter,
    PostgresServer,
    PrometheusServer,
    RedisServer,
    pg_bindir,
    select_only_dsn,
)

TICK = os.sysconf("SC_CLK_TCK")
COCKPIT = str(Path(sys.executable).parent / "cockpit")
QUERY = 'sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))'
SUSPECTS = ["SELECT count(*) FROM orders WHERE id % 7 = 0", "SELECT count(*) FROM orders WHERE id % 11 = 0"]
QUEUES = ["rq:queue:payment_retry", "emails", "rq:queue:invoices"]


def proc_cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    return total


def children_of(parent: int) -> list[int]:
    """Live child processes of `parent` (the postmaster's backends and workers)."""
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                kids.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


def server_cpu(server_pids: list[int], postmaster: int) -> float:
    """The servers' CPU so far: each server process (with the children it reaped) plus every
    live child of the postmaster. A backend that stays connected (the cockpit's) is never
    reaped during the window, so counting only reaped children left its CPU out; a backend
    that exits moves from the live sum into the postmaster's cutime, so deltas stay exact."""
    return proc_cpu(server_pids) + proc_cpu(children_of(postmaster))


def last_pid() -> int:
    return int(Path("/proc/sys/kernel/ns_last_pid").read_text())


def spawn(argv: list[str], env: dict[str, str]) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["TERM"] = "xterm-256color"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    return pid, fd


def run_window(children: list[tuple[int, int]], seconds: float) -> int:
    written, started = 0, time.monotonic()
    fds = [fd for _, fd in children]
    while time.monotonic() - started < seconds:
        for fd in select.select(fds, [], [], 0.1)[0]:
            try:
                written += len(os.read(fd, 65536))
            except OSError:
                fds.remove(fd)
    return written


def stop(children: list[tuple[int, int]]) -> None:
    for pid, _fd in children:
        os.kill(pid, signal.SIGTERM)
    for pid, fd in children:
        os.waitpid(pid, 0)
        os.close(fd)


def measure(label, start_children, seconds, servers, r, pg_dsn):
    server_pids = servers()
    postmaster = server_pids[1]
    r0 = r.info("stats")["total_connections_received"]
    with psycopg.connect(pg_dsn) as c:
        s0 = c.execute("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'").fetchone()[0]
    children = start_children()
    run_window(children, 3)  # warm-up (connections made, first paint done): output drained, not counted
    r1 = r.info("stats")["total_connections_received"]
    with psycopg.connect(pg_dsn) as c:
        s1 = c.execute("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'").fetchone()[0]
        # The backend serving the cockpit's persistent connection (none for the shell way).
        own = [
            row[0]
            for row in c.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'cockpit-suspects'"
            ).fetchall()
        ]
    cpu_srv0, own0, pid0 = server_cpu(server_pids, postmaster), proc_cpu(own), last_pid()
    client_live0 = proc_cpu([pid for pid, _ in children])
    written = run_window(children, seconds)
    client_live1 = proc_cpu([pid for pid, _ in children])
    cpu_srv1, own1, pid1 = server_cpu(server_pids, postmaster), proc_cpu(own), last_pid()
    r2 = r.info("stats")["total_connections_received"]
    with psycopg.connect(pg_dsn) as c:
        s2 = c.execute("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'").fetchone()[0]
    stop(children)
    client = client_live1 - client_live0  # each pane with the children it reaped, over the window only
    refreshes = seconds  # one refresh a second
    return {
        "label": label,
        "client_cpu": client,
        "server_cpu": cpu_srv1 - cpu_srv0,
        "own_backend_cpu": own1 - own0,
        "forks": (pid1 - pid0) / refreshes,
        "redis_conns": (r2 - r1) / refreshes,  # our INFO calls reuse one pooled connection
        "pg_sessions": (s2 - s1 - 1) / refreshes,
        "bytes_per_min": written / seconds * 60,
        "warmup_conns": (r1 - r0, s1 - s0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    for tool in ("watch", "redis-cli", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y procps redis-tools curl")
    psql = str(pg_bindir() / "psql")
    pg, rd, exporter = PostgresServer().start(), RedisServer().start(), MetricsExporter().start()
    prom = PrometheusServer([f"127.0.0.1:{exporter.port}"]).start()
    tmp = Path(tempfile.mkdtemp())
    try:
        with psycopg.connect(pg.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 50000) g")
        r = redis.Redis.from_url(rd.url)
        for key in QUEUES:
            r.rpush(key, *range(20))

        def servers() -> list[int]:
            return [rd.proc.pid, pg.proc.pid, prom.proc.pid]

        def shell_panes():
            panes = [["watch", "-n1", "-x", "redis-cli", "-p", str(rd.port), "LLEN", key] for key in QUEUES]
            panes += [
                [
                    "watch",
                    "-n1",
                    "-x",
                    psql,
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(pg.port),
                    "-U",
                    "postgres",
                    "-d",
                    "postgres",
                    "-Atc",
                    sql,
                ]
                for sql in SUSPECTS
            ]
            panes.append(
                [
                    "watch",
                    "-n1",
                    "-x",
                    "curl",
                    "-s",
                    "--get",
                    f"{prom.url}/api/v1/query",
                    "--data-urlencode",
                    f"query={QUERY}",
                ]
            )
            return [spawn(p, {}) for p in panes]

        config = tmp / "c.toml"
        config.write_text(f'''
[incident]
title = "bench"
service = "checkout"
journal = "{tmp / "j.jsonl"}"
[prometheus]
url = "{prom.url}"
interval = "1s"
backfill = "1m"
[[prometheus.queries]]
name = "5xx"
query = '{QUERY}'
[redis.jobs]
url = "{rd.url}"
interval = "1s"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "list"
queue = "rq:queue:payment_retry"
[[queues]]
name = "emails"
redis = "jobs"
kind = "list"
queue = "emails"
[[queues]]
name = "invoices"
redis = "jobs"
kind = "list"
queue = "rq:queue:invoices"
[postgres]
readonly_dsn_env = "BENCH_PG"
interval = "1s"
[[postgres.suspects]]
name = "a"
sql = "{SUSPECTS[0]}"
[[postgres.suspects]]
name = "b"
sql = "{SUSPECTS[1]}"
''')

        def cockpit():
            return [spawn([COCKPIT, "run", "--config", str(config)], {"BENCH_PG": select_only_dsn(pg.dsn())})]

        # The PID counter is the whole machine's: what ticks with no client running is background.
        pid0 = last_pid()
        run_window([], args.seconds)
        background = (last_pid() - pid0) / args.seconds
        shell = measure("shell way (6 watch -n1 panes)", shell_panes, args.seconds, servers, r, pg.dsn())
        ours = measure("cockpit run (1 s refresh)", cockpit, args.seconds, servers, r, pg.dsn())
    finally:
        for server in (prom, rd, pg):
            server.stop()
        exporter.stop()
    print(
        f"one run, {args.seconds:g} s each after a 3 s warm-up, refreshing every second, 80x24 terminals; "
        f"forks/refresh net of the machine's background ({background:.1f}/s with no client running)"
    )
    print(
        f"{'':34} {'client CPU/refresh':>18} {'server CPU/refresh':>18} {'forks/refresh':>14} "
        f"{'new Redis conns':>15} {'new PG sessions':>15} {'bytes/min':>10}"
    )
    for m in (shell, ours):
        print(
            f"{m['label']:34} {1000 * m['client_cpu'] / args.seconds:15.1f} ms {1000 * m['server_cpu'] / args.seconds:15.1f} ms "
            f"{m['forks'] - background:14.1f} {m['redis_conns']:15.2f} {m['pg_sessions']:15.2f} {m['bytes_per_min'] / 1024:8.1f} KB"
        )
    print(
        f"of the server CPU, the PostgreSQL backend serving cockpit's one connection: "
        f"{1000 * ours['own_backend_cpu'] / args.seconds:.1f} ms per refresh (counted; the previous harness left it out)"
    )
    total_shell = shell["client_cpu"] + shell["server_cpu"]
    total_ours = ours["client_cpu"] + ours["server_cpu"]
    print(
        f"total CPU (client + servers) per refresh: shell {1000 * total_shell / args.seconds:.1f} ms, "
        f"cockpit {1000 * total_ours / args.seconds:.1f} ms, ratio cockpit/shell {total_ours / total_shell:.2f}"
    )


if __name__ == "__main__":
    main()
