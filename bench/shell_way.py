"""Against the shell way: the same panels as an on-call engineer builds them by hand —
`watch -n1` panes running redis-cli, psql -c and curl — against the same loopback servers,
compared in one run with `cockpit run` refreshing every second.

Measured over the same window for each: CPU of the client side (every process, reaped
short-lived ones included: utime+stime+cutime+cstime of each pane's process) and of the servers (redis-server, the
postmaster with its reaped backends AND every live backend or worker, so the persistent backend serving
cockpit's connection counts; prometheus: utime+stime+cutime+cstime from /proc),
processes forked (the kernel's PID counter), new server connections (Redis INFO, PostgreSQL
pg_stat_database.sessions), and bytes written to the terminals.

The servers burn CPU with no client at all (Prometheus scraping its exporter every second,
Redis's cron, PostgreSQL's background workers): each round also measures a window with no
client, and every server process's CPU is printed gross AND net of that idle baseline, by
process. Nothing is left out of the gross figure (the cockpit's persistent backend included);
the ratio is printed both ways. Rounds alternate (no client, shell, each tree), so the
machine's load drifts across all of them alike.

Run: .venv/bin/python bench/shell_way.py [--seconds 20] [--rounds 3] [--tree DIR ...] [--profile FILE]
(`--tree DIR`, repeatable: that checkout's cockpit, run as `python -m cockpit` from DIR;
`--profile FILE`: one more window of the last tree under cProfile, bench/profiled.py.)
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pstats
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


#: The server processes, in the order printed.
PARTS = ("redis", "postgres: postmaster, workers, other backends", "postgres: cockpit's backend", "prometheus")


def server_parts(redis_pid: int, postmaster: int, prometheus_pid: int, own: set[int]) -> dict[str, float]:
    """Each server's CPU so far, by process. PostgreSQL is the postmaster (with the children it
    reaped: the shell way's backends exit every second) plus every live child, the backend
    serving the cockpit's persistent connection apart: it is never reaped during a window,
    so counting reaped children only would leave it out. A backend that exits moves from the
    live sum into the postmaster's cutime, so deltas stay exact."""
    kids = children_of(postmaster)
    return {
        PARTS[0]: proc_cpu([redis_pid]),
        PARTS[1]: proc_cpu([postmaster, *(k for k in kids if k not in own)]),
        PARTS[2]: proc_cpu([k for k in kids if k in own]),
        PARTS[3]: proc_cpu([prometheus_pid]),
    }


def threads_cpu(pid: int) -> dict[str, float]:
    """CPU so far of `pid`'s main thread (the event loop) and of its other threads (the
    Prometheus client's worker, Textual's input thread), utime+stime each."""
    out: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = "main thread" if task.name == str(pid) else "other threads"
        fields = stat.rsplit(")", 1)[1].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / TICK
    return out


def last_pid() -> int:
    return int(Path("/proc/sys/kernel/ns_last_pid").read_text())


def spawn(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(env)
        os.environ["TERM"] = "xterm-256color"
        if cwd is not None:
            os.chdir(cwd)  # `python -m cockpit` looks in the working directory first
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


def pg_sessions(pg_dsn: str) -> tuple[int, list[int]]:
    """Sessions opened so far, and the backends serving a cockpit (none for the shell way)."""
    with psycopg.connect(pg_dsn) as c:
        row = c.execute("SELECT sessions FROM pg_stat_database WHERE datname = 'postgres'").fetchone()
        own = c.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'cockpit-suspects'").fetchall()
    return int(row[0]) if row else 0, [pid for (pid,) in own]


def measure(start_children, seconds, servers, r, pg_dsn, warmup: float = 3.0, on_window=None):
    """One window: `start_children()` (may start none), a drained warm-up, then `seconds` of
    every process's CPU, forks, new connections and bytes. `on_window(children, phase)` is
    called at the window's start and end (the profiler's signals)."""
    r0 = r.info("stats")["total_connections_received"]
    s0, _ = pg_sessions(pg_dsn)
    children = start_children()
    run_window(children, warmup)  # connections made, first paint done: output drained, not counted
    r1 = r.info("stats")["total_connections_received"]
    s1, own = pg_sessions(pg_dsn)
    if on_window:
        on_window(children, "start")
    parts0, pid0 = server_parts(*servers(), set(own)), last_pid()
    client0 = proc_cpu([pid for pid, _ in children])
    threads0 = threads_cpu(children[0][0]) if len(children) == 1 else {}
    written = run_window(children, seconds)
    client1 = proc_cpu([pid for pid, _ in children])
    threads1 = threads_cpu(children[0][0]) if len(children) == 1 else {}
    parts1, pid1 = server_parts(*servers(), set(own)), last_pid()
    if on_window:
        on_window(children, "end")
    r2 = r.info("stats")["total_connections_received"]
    s2, _ = pg_sessions(pg_dsn)
    stop(children)
    time.sleep(0.5)  # the cockpit's backend exits and is reaped before the next window
    return {
        "client_cpu": client1 - client0,  # each pane with the children it reaped, over the window only
        "parts": {k: parts1[k] - parts0[k] for k in PARTS},
        "forks": pid1 - pid0,
        "threads": {k: v - threads0.get(k, 0.0) for k, v in threads1.items()},
        "redis_conns": r2 - r1,  # our INFO calls reuse one pooled connection
        "pg_sessions": s2 - s1 - 1,  # less the harness's own pg_sessions() connection
        "bytes": written,
        "warmup_conns": (r1 - r0, s1 - s0),
    }


def add(into: dict | None, m: dict) -> dict:
    if into is None:
        return {**m, "parts": dict(m["parts"]), "threads": dict(m["threads"]), "rounds": [m]}
    for key in ("client_cpu", "forks", "redis_conns", "pg_sessions", "bytes"):
        into[key] += m[key]
    for k, v in m["threads"].items():
        into["threads"][k] = into["threads"].get(k, 0.0) + v
    for k in PARTS:
        into["parts"][k] += m["parts"][k]
    into["rounds"].append(m)
    return into


def cockpit_argv(tree: Path, config: Path, journal: Path) -> tuple[list[str], dict[str, str], Path]:
    argv = [sys.executable, "-m", "cockpit", "run", "--config", str(config), "--journal", str(journal)]
    return argv, {"PYTHONPATH": str(tree.resolve())}, tree.resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", action="append", default=[], metavar="DIR")
    parser.add_argument("--profile", metavar="FILE", help="also profile the last tree's cockpit (cProfile) into FILE")
    args = parser.parse_args()
    trees = [Path(t) for t in args.tree] or [ROOT]
    for tool in ("watch", "redis-cli", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found: apt-get install -y procps redis-tools curl")
    psql = str(pg_bindir() / "psql")
    pg, rd, exporter = PostgresServer().start(), RedisServer().start(), MetricsExporter().start()
    prom = PrometheusServer([f"127.0.0.1:{exporter.port}"]).start()
    tmp = Path(tempfile.mkdtemp())
    labels = ["no client", "shell way (6 watch -n1 panes)", *(f"cockpit run ({t})" for t in trees)]
    totals: dict[str, dict | None] = {label: None for label in labels}
    try:
        with psycopg.connect(pg.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 50000) g")
        r = redis.Redis.from_url(rd.url)
        for key in QUEUES:
            r.rpush(key, *range(20))

        def servers() -> tuple[int, int, int]:
            return rd.proc.pid, pg.proc.pid, prom.proc.pid

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
        ro_dsn = select_only_dsn(pg.dsn())

        def cockpit(tree: Path):
            def start():
                argv, env, cwd = cockpit_argv(tree, config, tmp / f"j-{time.monotonic_ns()}.jsonl")
                return [spawn(argv, {**env, "BENCH_PG": ro_dsn}, cwd)]

            return start

        starters = [lambda: [], shell_panes, *(cockpit(t) for t in trees)]
        for _ in range(args.rounds):
            for label, start in zip(labels, starters, strict=True):
                totals[label] = add(totals[label], measure(start, args.seconds, servers, r, pg.dsn()))
        if args.profile:
            out = Path(args.profile)

            def profiled():
                argv, env, cwd = cockpit_argv(trees[-1], config, tmp / "j-profile.jsonl")
                argv = [argv[0], str(ROOT / "bench" / "profiled.py"), *argv[3:]]
                return [spawn(argv, {**env, "BENCH_PG": ro_dsn, "COCKPIT_PROFILE": str(out)}, cwd)]

            def signal_profiler(children, phase):
                os.kill(children[0][0], signal.SIGUSR2 if phase == "start" else signal.SIGUSR1)
                if phase == "end":
                    deadline = time.monotonic() + 10
                    while not out.exists() and time.monotonic() < deadline:
                        run_window(children, 0.1)

            prof = measure(profiled, args.seconds, servers, r, pg.dsn(), on_window=signal_profiler)
    finally:
        for server in (prom, rd, pg):
            server.stop()
        exporter.stop()
    if args.rounds:
        report(args, labels, totals)
    if args.profile:
        print(
            f"\nprofile of cockpit run ({trees[-1]}) under cProfile: client {1000 * prof['client_cpu'] / args.seconds:.1f} ms per refresh, in {args.profile}"
        )
        stats = pstats.Stats(args.profile)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)


def report(args, labels: list[str], totals: dict) -> None:
    window = args.seconds * args.rounds  # refreshes: one a second
    idle = totals[labels[0]]
    background = idle["forks"] / window

    def ms(x: float) -> str:
        return f"{1000 * x / window:6.1f}"

    print(
        f"{args.rounds} alternating rounds of {args.seconds:g} s windows (after a 3 s warm-up each): "
        f"{', '.join(labels)}; refreshing every second, 80x24 terminals. "
        f"CPU in ms per refresh; 'net' = less the same process's CPU in the no-client windows "
        f"(the fork background with no client: {background:.1f}/s)"
    )
    print(f"{'':48} {'no client':>9}" + "".join(f" {'gross':>7} {'net':>6}" for _ in labels[1:]))
    print(f"{'':48} {'':9}" + "".join(f" {label[:14]:>14}" for label in labels[1:]))
    for k in PARTS:
        print(
            f"{k:48} {ms(idle['parts'][k]):>9}"
            + "".join(
                f" {ms(totals[lb]['parts'][k])} {ms(totals[lb]['parts'][k] - idle['parts'][k])}" for lb in labels[1:]
            )
        )
    idle_servers = sum(idle["parts"].values())

    def servers(lb: str) -> float:
        return sum(totals[lb]["parts"].values())

    print(
        f"{'servers':48} {ms(idle_servers):>9}"
        + "".join(f" {ms(servers(lb))} {ms(servers(lb) - idle_servers)}" for lb in labels[1:])
    )
    print(
        f"{'client (every process, reaped children too)':48} {'':9}"
        + "".join(f" {ms(totals[lb]['client_cpu'])} {'':>6}" for lb in labels[1:])
    )
    gross = {lb: totals[lb]["client_cpu"] + servers(lb) for lb in labels[1:]}
    net = {lb: gross[lb] - idle_servers for lb in labels[1:]}
    print(f"{'TOTAL (client + servers)':48} {'':9}" + "".join(f" {ms(gross[lb])} {ms(net[lb])}" for lb in labels[1:]))
    shell = labels[1]
    for lb in labels[2:]:
        per_round = [
            (m["client_cpu"] + sum(m["parts"].values())) / (s["client_cpu"] + sum(s["parts"].values()))
            for m, s in zip(totals[lb]["rounds"], totals[shell]["rounds"], strict=True)
        ]
        per_round_net = [
            (m["client_cpu"] + sum(m["parts"].values()) - sum(i["parts"].values()))
            / (s["client_cpu"] + sum(s["parts"].values()) - sum(i["parts"].values()))
            for m, s, i in zip(totals[lb]["rounds"], totals[shell]["rounds"], idle["rounds"], strict=True)
        ]
        print(
            f"ratio {lb} / shell way: gross {gross[lb] / gross[shell]:.2f} "
            f"(rounds {', '.join(f'{x:.2f}' for x in per_round)}), "
            f"net of the idle servers {net[lb] / net[shell]:.2f} (rounds {', '.join(f'{x:.2f}' for x in per_round_net)})"
        )
    print(f"\n{'':34} {'forks/refresh':>14} {'new Redis conns':>15} {'new PG sessions':>15} {'bytes/min':>10}")
    for lb in labels[1:]:
        m = totals[lb]
        print(
            f"{lb[:34]:34} {(m['forks'] - idle['forks']) / window:14.1f} {m['redis_conns'] / window:15.2f} "
            f"{m['pg_sessions'] / window:15.2f} {m['bytes'] / window * 60 / 1024:8.1f} KB"
        )
    for lb in labels[2:]:
        threads = sorted(totals[lb]["threads"].items(), key=lambda kv: -kv[1])
        print(f"{lb}: client CPU by thread: " + ", ".join(f"{name} {ms(v).strip()} ms" for name, v in threads if v))


if __name__ == "__main__":
    main()
