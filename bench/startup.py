"""Start-up: launch to the first frame showing live values, through a real pty.

Compares, in one run, a minimal Textual app that paints one frame (the floor) with
`cockpit drill` and with `cockpit run` on a config whose every source is a throwaway
loopback server (Prometheus scraping an exporter, Redis queues and a flag region,
PostgreSQL suspect queries). `cockpit run` must load three client libraries (redis-py,
psycopg, prometheus-api-client with requests) that together cost about as much as the
floor itself, so it is also compared with a second floor: the same minimal app importing
those libraries first. Runs alternate, so a noisy machine slows all of them alike.
`cockpit run` is timed twice in each launch: its first frame (drawn before any client
library loads) and the moment every panel shows a live value.
`--tree DIR` (repeatable) times `cockpit drill` of other checkouts in the same alternating
runs (`python -m cockpit` with PYTHONPATH=DIR, started in DIR), for a before/after in one run.
Run: .venv/bin/python bench/startup.py [--runs N] [--no-servers] [--tree DIR ...]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
FLOOR_APP = """
from textual.app import App
from textual.widgets import Static
class Floor(App):
    def compose(self):
        yield Static("FLOOR-READY")
Floor().run()
"""
#: The floor plus the client libraries a live config cannot do without.
LIBRARY_FLOOR_APP = "import redis.asyncio, psycopg, prometheus_api_client.prometheus_connect\n" + FLOOR_APP


def time_to_markers(
    argv: list[str],
    markers: tuple[bytes, ...],
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    cwd: Path | None = None,
) -> float:
    """Seconds from fork until every marker has appeared in what the program writes to its terminal."""
    return time_to_stages(argv, [markers], env, timeout, cwd)[0]


def time_to_stages(
    argv: list[str],
    stages: list[tuple[bytes, ...]],
    env: dict[str, str] | None = None,
    timeout: float = 20.0,
    cwd: Path | None = None,
) -> list[float]:
    """For each stage (a tuple of markers), seconds from fork until all its markers have
    appeared in what the program writes to its terminal (one launch, several moments)."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36", **(env or {})})
        if cwd is not None:
            os.chdir(cwd)
        os.execv(argv[0], argv)
    seen = b""
    times: list[float | None] = [None] * len(stages)
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen += chunk
                for index, markers in enumerate(stages):
                    if times[index] is None and all(marker in seen for marker in markers):
                        times[index] = time.perf_counter() - started
                if all(t is not None for t in times):
                    LAST_CPU[0] = process_cpu(pid)
                    return [t for t in times if t is not None]
        raise RuntimeError(f"{argv} never showed all of {stages!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


#: The CPU seconds (user + system) the last timed program had used when its last marker showed:
#: less disturbed by other work on a shared machine than the wall time (10 ms resolution).
LAST_CPU = [0.0]


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LoopbackSystems:
    """Throwaway servers and a config that reads every one of them."""

    def __init__(self, tmp: Path) -> None:
        from tests.servers import MetricsExporter, PostgresServer, PrometheusServer, RedisServer, select_only_dsn

        self.pg, self.redis = PostgresServer().start(), RedisServer().start()
        self.exporter = MetricsExporter().start()
        self.exporter.set_error_ratio(0.4)
        self.prom = PrometheusServer([f"127.0.0.1:{self.exporter.port}"]).start()
        self.config = tmp / "loopback.toml"
        self.env = {"BENCH_PG": select_only_dsn(self.pg.dsn())}
        self._seed()
        self.config.write_text(f'''
[incident]
title = "start-up bench"
service = "checkout"
journal = "{tmp / "loopback.jsonl"}"
[prometheus]
url = "{self.prom.url}"
backfill = "1m"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5s])) / sum(rate(http_requests_total[5s]))'
warn = 0.02
critical = 0.05
[redis.jobs]
url = "{self.redis.url}"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
[regions.eu-west]
backend = "redis-hash"
redis = "jobs"
key = "flags:eu-west"
[[flags]]
name = "new_checkout"
safe = false
[postgres]
readonly_dsn_env = "BENCH_PG"
[[postgres.suspects]]
name = "paid without capture"
sql = "SELECT count(*) FROM orders WHERE status = 'paid'"
''')

    def _seed(self) -> None:
        import psycopg
        import redis

        from tests.servers import wait_for

        with psycopg.connect(self.pg.dsn(), autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE orders AS SELECT g AS id, 'paid'::text AS status FROM generate_series(1, 1717) g"
            )
        r = redis.Redis.from_url(self.redis.url)
        r.rpush("rq:queue:payment_retry", *range(4242))
        r.hset("flags:eu-west", "new_checkout", "25")
        r.close()
        # Prometheus needs two scrapes before rate() has a value.
        import httpx

        query = 'sum(rate(http_requests_total{code=~"5.."}[5s])) / sum(rate(http_requests_total[5s]))'
        wait_for(
            lambda: httpx.get(f"{self.prom.url}/api/v1/query", params={"query": query}).json()["data"]["result"],
            30,
            "a first error-rate value in Prometheus",
        )

    def stop(self) -> None:
        for server in (self.prom, self.exporter, self.redis, self.pg):
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-servers", action="store_true", help="only the floor and the drill")
    parser.add_argument("--tree", action="append", default=[], metavar="DIR", help="time this checkout's drill too")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.tree]
    tree_drill: dict[Path, list[float]] = {t: [] for t in trees}
    tree_cpu: dict[Path, list[float]] = {t: [] for t in trees}
    floor_cpu: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        systems = None if args.no_servers else LoopbackSystems(Path(tmp))
        try:
            floor_script = Path(tmp) / "floor.py"
            floor_script.write_text(FLOOR_APP)
            library_floor_script = Path(tmp) / "library_floor.py"
            library_floor_script.write_text(LIBRARY_FLOOR_APP)
            floor, library_floor, drill, live, live_frame = [], [], [], [], []
            for run in range(args.runs):
                floor.append(time_to_markers([sys.executable, str(floor_script)], (b"FLOOR-READY",)))
                floor_cpu.append(LAST_CPU[0])
                # "CRIT" appears only once the error-rate panel shows a live value.
                drill.append(
                    time_to_markers(
                        [str(VENV_BIN / "cockpit"), "drill", "--journal", f"{tmp}/d{run}.jsonl"], (b"CRIT",)
                    )
                )
                for index, tree in enumerate(trees):
                    tree_drill[tree].append(
                        time_to_markers(
                            [
                                sys.executable,
                                "-m",
                                "cockpit",
                                "drill",
                                "--journal",
                                f"{tmp}/t{index}-{run}.jsonl",
                            ],
                            (b"CRIT",),
                            {"PYTHONPATH": str(tree)},
                            cwd=tree,
                        )
                    )
                    tree_cpu[tree].append(LAST_CPU[0])
                if systems is not None:
                    library_floor.append(
                        time_to_markers([sys.executable, str(library_floor_script)], (b"FLOOR-READY",))
                    )
                    # The first frame (the status bar's title and the panels' borders), then
                    # every panel live: the error rate (CRIT), the queue depth, the suspect
                    # count, the flag.
                    frame, values = time_to_stages(
                        [
                            str(VENV_BIN / "cockpit"),
                            "run",
                            "--config",
                            str(systems.config),
                            "--journal",
                            f"{tmp}/l{run}.jsonl",
                        ],
                        [(b"start-up bench", b"Error rate"), (b"CRIT", b"4,242", b"1,717", b"25%")],
                        systems.env,
                    )
                    live_frame.append(frame)
                    live.append(values)
        finally:
            if systems is not None:
                systems.stop()
    f = statistics.median(floor)
    print(f"{args.runs} alternating runs, 120x36 pty")
    report("minimal Textual app, first frame", floor)
    if library_floor:
        report("the same + redis, psycopg, prometheus", library_floor)
    report("cockpit drill, first live values", drill)
    if live:
        report("cockpit run (loopback servers), frame", live_frame)
        report("cockpit run (loopback servers), live", live)
    print(f"ratio drill / floor: {statistics.median(drill) / f:.2f}x")
    for tree, runs in tree_drill.items():
        report(f"drill of {tree}", runs)
        print(f"ratio drill of {tree} / floor: {statistics.median(runs) / f:.2f}x")
    if trees:
        fc = statistics.median(floor_cpu)
        print(f"CPU to the first frame (user+system), floor: median {fc * 1000:.0f} ms")
        for tree, cpu in tree_cpu.items():
            c = statistics.median(cpu)
            print(f"CPU to the first frame, drill of {tree}: median {c * 1000:.0f} ms = {c / fc:.2f}x the floor's")
    if live:
        lib = statistics.median(library_floor)
        frame, values = statistics.median(live_frame), statistics.median(live)
        print(
            f"ratio run first frame / floor: {frame / f:.2f}x;  / floor with the client libraries: {frame / lib:.2f}x"
        )
        print(
            f"ratio run live values / floor: {values / f:.2f}x;  / floor with the client libraries: {values / lib:.2f}x"
        )


def report(label: str, runs: list[float]) -> None:
    print(
        f"{label + ':':40} median {statistics.median(runs) * 1000:6.0f} ms  "
        f"(runs: {', '.join(f'{x * 1000:.0f}' for x in runs)})"
    )


if __name__ == "__main__":
    main()
