"""Tick cost at scale: round trips per backend per tick, tick wall time and CPU.

3 Redis instances x 300 queues (rq), 10 regions x 100 flags (Redis hashes), 20 suspect
queries on one PostgreSQL, 5 PromQL queries; plus one Unleash region and one HTTP JSON
region with 100 flags each, for their request counts. Servers are throwaway ones on
loopback, started here (tests/servers.py).

Then the whole TUI: `cockpit run` on the same config in a real pty (200x50), CPU per
second of that process (utime+stime from /proc) against the reads alone *as a process*
(bench/poll_only.py: the same sources and pollers, no screen), alternating in each of
`--rounds` rounds with the same warm-up and window; medians and their ratio. (The older
in-process estimate, each source's CPU per read / its interval, is printed too.) `--tree DIR`
(repeatable) runs another checkout's cockpit (PYTHONPATH=DIR) for before/after in one run.

Run: .venv/bin/python bench/tick_cost.py [--ticks N] [--no-unleash] [--tui-seconds S] [--warmup S]
     [--rounds N] [--tree DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pstats
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
import redis.asyncio.connection as aio_connection  # noqa: E402

from cockpit.config import loads  # noqa: E402
from cockpit.wiring import build_sources  # noqa: E402
from tests.http_apps import FlagEndpointState, flag_endpoint_handler, serve  # noqa: E402
from tests.servers import (  # noqa: E402
    MetricsExporter,
    PostgresServer,
    PrometheusServer,
    RedisServer,
    UnleashServer,
    select_only_dsn,
)

QUEUES_PER_REDIS, FLAGS, REGIONS, SUSPECTS, PROMQL = 300, 100, 10, 20, 5


def build_config(redis_urls, pg_env, prom_url, http_url, unleash_url) -> str:
    parts = [
        '[incident]\ntitle = "bench"\nservice = "checkout"\n',
        f'[prometheus]\nurl = "{prom_url}"\ntimeout = "5s"\n',
    ]
    for i in range(PROMQL):
        parts.append(
            f'[[prometheus.queries]]\nname = "q{i}"\nquery = \'sum(rate(http_requests_total{{code=~"5.."}}[1m])) '
            f"/ sum(rate(http_requests_total[1m]))'\n"
        )
    for i, url in enumerate(redis_urls):
        parts.append(f'[redis.r{i}]\nurl = "{url}"\ntimeout = "5s"\n')
    for i in range(len(redis_urls)):
        for q in range(QUEUES_PER_REDIS):
            parts.append(f'[[queues]]\nname = "r{i}-q{q}"\nredis = "r{i}"\nkind = "rq"\nqueue = "q{q}"\n')
    for i in range(REGIONS):
        parts.append(
            f'[regions.region{i}]\nbackend = "redis-hash"\nredis = "r{i % len(redis_urls)}"\n'
            f'key = "flags:region{i}"\ntimeout = "5s"\n'
        )
    parts.append(f'[regions.http-json]\nbackend = "http-json"\nurl = "{http_url}"\ntimeout = "5s"\n')
    if unleash_url:
        parts.append(
            f'[regions.unleash]\nbackend = "unleash"\nurl = "{unleash_url}"\nenvironment = "production"\n'
            f'timeout = "10s"\n'
        )
    for f in range(FLAGS):
        parts.append(f'[[flags]]\nname = "flag{f}"\nsafe = false\n')
    parts.append('[postgres]\nreadonly_dsn_env = "BENCH_PG"\nstatement_timeout = "5s"\n')
    for s in range(SUSPECTS):
        parts.append(f'[[postgres.suspects]]\nname = "s{s}"\nsql = "SELECT count(*) FROM orders WHERE id % 20 = {s}"\n')
    return "\n".join(parts)


async def run(args) -> None:
    pg, exporter = PostgresServer().start(), MetricsExporter().start()
    reds = [RedisServer().start() for _ in range(3)]
    prom = PrometheusServer([f"127.0.0.1:{exporter.port}"]).start()
    unleash = UnleashServer(pg).start() if not args.no_unleash else None
    try:
        with psycopg.connect(pg.dsn(), autocommit=True) as c:
            c.execute("CREATE TABLE orders AS SELECT g AS id FROM generate_series(1, 10000) g")
        for i, server in enumerate(reds):
            r = redis.Redis.from_url(server.url)
            for q in range(QUEUES_PER_REDIS):
                r.rpush(f"rq:queue:q{q}", *range(q % 5 + 1))
            for region in range(i, REGIONS, 3):
                r.hset(f"flags:region{region}", mapping={f"flag{f}": f % 2 for f in range(FLAGS)})
        if unleash:
            with httpx.Client(base_url=unleash.url, timeout=30) as c:
                for f in range(FLAGS):
                    c.post("/api/admin/projects/default/features", json={"name": f"flag{f}"})
        with serve(flag_endpoint_handler(FlagEndpointState({f"flag{f}": True for f in range(FLAGS)}))) as http_url:
            cfg = loads(build_config([s.url for s in reds], None, prom.url, http_url, unleash.url if unleash else None))
            sources = build_sources(cfg, {"BENCH_PG": select_only_dsn(pg.dsn())})
            await asyncio.gather(*(s.read() for s in sources))  # connect everything once (steady state)
            writes = {"n": 0}
            original = aio_connection.AbstractConnection.send_packed_command

            async def counting(self, command, check_health=True):
                writes["n"] += 1
                return await original(self, command, check_health)

            aio_connection.AbstractConnection.send_packed_command = counting
            by_kind = {}
            for s in sources:
                by_kind.setdefault(type(s).__name__, []).append(s)
            pg_source = by_kind["PostgresSuspectSource"][0]
            flag_sources = by_kind["FlagRegionSource"]
            walls, cpus = [], []
            before = {
                "pg": pg_source.round_trips,
                "redis": 0,
                "http": {s.ident: s.requests for s in flag_sources if s.region.backend != "redis-hash"},
                "prom": by_kind["PrometheusSource"][0].requests,
            }
            with psycopg.connect(pg.dsn()) as c:
                xact_before = c.execute(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'"
                ).fetchone()[0]
            for _ in range(args.ticks):
                cpu0, wall0 = time.process_time(), time.perf_counter()
                await asyncio.gather(*(s.read() for s in sources))
                walls.append(time.perf_counter() - wall0)
                cpus.append(time.process_time() - cpu0)
            with psycopg.connect(pg.dsn()) as c:
                xact_after = c.execute(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'"
                ).fetchone()[0]
            ticks = args.ticks
            redis_sources = len(by_kind["RedisQueueSource"]) + sum(
                1 for s in flag_sources if s.region.backend == "redis-hash"
            )
            print(
                f"setup: 3 Redis x {QUEUES_PER_REDIS} queues, {REGIONS} Redis-hash regions x {FLAGS} flags, "
                f"{SUSPECTS} suspect queries, {PROMQL} PromQL queries, +1 http-json and "
                f"{'+1 Unleash' if unleash else 'no Unleash'} region x {FLAGS} flags; {ticks} ticks"
            )
            print(
                f"Redis round trips per tick:       {writes['n'] / ticks:.1f} over {redis_sources} sources "
                f"(3 queue instances + {REGIONS} flag regions: one pipeline/HMGET each)"
            )
            print(
                f"PostgreSQL round trips per tick:  {(pg_source.round_trips - before['pg']) / ticks:.1f} "
                f"(server-side transactions per tick incl. the stats query: {(xact_after - xact_before) / ticks:.1f})"
            )
            for s in flag_sources:
                if s.region.backend != "redis-hash":
                    print(
                        f"HTTP requests per tick, {s.region.backend:<9}: {(s.requests - before['http'][s.ident]) / ticks:.0f}"
                        f" for {FLAGS} flags"
                    )
            print(
                f"Prometheus requests per tick:     {(by_kind['PrometheusSource'][0].requests - before['prom']) / ticks:.0f}"
                f" ({PROMQL} queries)"
            )
            print(f"tick wall time: median {statistics.median(walls) * 1000:.1f} ms, max {max(walls) * 1000:.1f} ms")
            print(f"tick CPU (this process): median {statistics.median(cpus) * 1000:.1f} ms")
            per_kind: dict[str, list[float]] = {}
            per_source: dict[str, float] = {}
            for s in sources:  # one source at a time, to see where a tick's CPU goes (median of the ticks)
                spent = []
                for _ in range(ticks):
                    cpu0 = time.process_time()
                    await s.read()
                    spent.append(time.process_time() - cpu0)
                per_source[s.ident] = statistics.median(spent)
                per_kind.setdefault(
                    f"{type(s).__name__}" + (f"({s.region.backend})" if hasattr(s, "region") else ""), []
                ).append(statistics.median(spent))
            for kind, values in sorted(per_kind.items()):
                print(f"  CPU per tick, {kind:<36} {sum(values) * 1000:7.1f} ms over {len(values)} source(s)")
            reads_per_second = sum(per_source[s.ident] / s.interval for s in sources)
            print(
                f"reads alone, CPU per second (each source's CPU per read / its interval): "
                f"{reads_per_second * 1000:.1f} ms"
            )
            if args.tui_seconds > 0:
                tmp = Path(tempfile.mkdtemp())
                config = write_config(
                    tmp,
                    build_config(
                        [s.url for s in reds], "BENCH_PG", prom.url, http_url, unleash.url if unleash else None
                    ),
                )
                env = {"BENCH_PG": select_only_dsn(pg.dsn())}
                whole_app(args, config, tmp, env, reads_per_second)
                if args.profile:
                    out = Path(args.profile)
                    tree = Path(args.tree[-1]) if args.tree else ROOT
                    cpu = process_cpu_per_second(
                        tree, tui_argv(config, tmp), env, args.tui_seconds, args.warmup, profile=out
                    )
                    print(f"profile of the whole TUI ({tree}, under cProfile: {cpu * 1000:.1f} ms CPU/s) in {out}:")
                    stats = pstats.Stats(str(out))
                    stats.sort_stats("cumulative").print_stats(30)
                    stats.sort_stats("tottime").print_stats(20)
            for s in sources:
                await s.close()
    finally:
        for server in [*reds, prom]:
            server.stop()
        if unleash:
            unleash.stop()
        exporter.stop()
        pg.stop()


def write_config(tmp: Path, text: str) -> Path:
    config = tmp / "bench.toml"
    config.write_text(text)
    return config


def whole_app(args, config: Path, tmp: Path, env: dict[str, str], in_process: float) -> None:
    """The whole TUI against the reads alone, both as processes on the same config, side by
    side: per round and per tree, `bench/poll_only.py` (the same sources and pollers, no
    screen, no gate) then `cockpit run`, the same warm-up and window; each round printed,
    then the medians and their ratio."""
    trees = [Path(t) for t in args.tree] or [ROOT]
    reads: dict[Path, list[float]] = {t: [] for t in trees}
    tuis: dict[Path, list[float]] = {t: [] for t in trees}
    print(
        f"whole app vs reads process: {args.rounds} round(s), warm-up {args.warmup:g} s, "
        f"window {args.tui_seconds:g} s each (CPU = utime+stime from /proc, ms per second)"
    )
    for round_no in range(1, args.rounds + 1):
        for tree in trees:
            r = process_cpu_per_second(tree, poll_argv(config), env, args.tui_seconds, args.warmup)
            t = process_cpu_per_second(tree, tui_argv(config, tmp), env, args.tui_seconds, args.warmup)
            reads[tree].append(r)
            tuis[tree].append(t)
            load = os.getloadavg()[0]
            print(
                f"  round {round_no} {tree}: reads {r * 1000:6.1f}  TUI {t * 1000:6.1f}  "
                f"= {t / r:4.2f}x  (load {load:.1f})",
                flush=True,
            )
    for tree in trees:
        r, t = statistics.median(reads[tree]), statistics.median(tuis[tree])
        ratios = [b / a for a, b in zip(reads[tree], tuis[tree], strict=True)]
        print(
            f"whole TUI ({tree}): median {t * 1000:.1f} ms CPU/s vs reads process {r * 1000:.1f} ms CPU/s "
            f"= {t / r:.2f}x (per-round ratios {', '.join(f'{x:.2f}' for x in ratios)}; "
            f"{t / in_process:.2f}x the in-process reads estimate above)"
        )


def tui_argv(config: Path, tmp: Path) -> list[str]:
    journal = tmp / f"j-{time.monotonic_ns()}.jsonl"
    return ["-m", "cockpit", "run", "--config", str(config), "--journal", str(journal)]


def poll_argv(config: Path) -> list[str]:
    return [str(ROOT / "bench" / "poll_only.py"), "--config", str(config)]


def process_cpu_per_second(
    tree: Path,
    argv: list[str],
    env: dict[str, str],
    seconds: float,
    warmup: float = 10.0,
    profile: Path | None = None,
) -> float:
    """CPU seconds per second of `python ARGV` (`cockpit run`, or the reads process) in a
    200x50 pty, after a warm-up (start-up and the first reads are not steady state); its
    output is read and thrown away. With `profile` (cockpit only), it runs under cProfile
    (bench/profiled.py: steady state only, and slower)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({**env, "TERM": "xterm-256color", "PYTHONPATH": str(tree.resolve())})
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
        os.chdir(tree.resolve())  # `python -m cockpit` looks in the working directory first
        if profile is not None:
            os.environ["COCKPIT_PROFILE"] = str(profile)
            os.execv(sys.executable, [sys.executable, str(ROOT / "bench" / "profiled.py"), *argv[2:]])
        os.execv(sys.executable, [sys.executable, *argv])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))

    def cpu() -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    started, mark = time.monotonic(), None
    try:
        while time.monotonic() - started < warmup + seconds:
            if mark is None and time.monotonic() - started >= warmup:
                mark = (time.monotonic(), cpu())
                if profile is not None:
                    os.kill(pid, signal.SIGUSR2)  # profile the steady state only
            if select.select([fd], [], [], 0.1)[0]:
                os.read(fd, 65536)
        assert mark is not None
        spent = (cpu() - mark[1]) / (time.monotonic() - mark[0])
        if profile is not None:
            os.kill(pid, signal.SIGUSR1)
            deadline = time.monotonic() + 10
            while not profile.exists() and time.monotonic() < deadline:
                if select.select([fd], [], [], 0.1)[0]:
                    try:
                        os.read(fd, 65536)
                    except OSError:
                        break
        return spent
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tui-seconds", type=float, default=30, help="measured window of each process run")
    parser.add_argument("--warmup", type=float, default=10, help="seconds before each window (start-up, first reads)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating reads-process/TUI rounds")
    parser.add_argument("--tree", action="append", default=[], metavar="DIR")
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--no-unleash", action="store_true")
    parser.add_argument(
        "--profile", metavar="FILE", help="also profile the whole TUI (cProfile) into FILE and print it"
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
