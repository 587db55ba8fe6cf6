"""Queue kinds beyond Redis at scale: requests/round trips per tick, tick wall time and CPU.

- RabbitMQ: 300 queues in one vhost (a private rabbitmq-server node) -> requests per tick.
- PostgreSQL: 300 Procrastinate jobs over 30 queue names, plus 30 Solid Queue queues, in
  one database -> round trips per tick.
- Sidekiq: the per-queue counting of the shared retry/schedule/dead sets (a server-side
  script per set per tick) against ZCARD of each set, for sets of 1k, 10k and 100k jobs;
  Redis's own time per command from INFO commandstats.

Run: .venv/bin/python bench/queue_kinds.py [--ticks N] [--skip rabbitmq,postgres,sidekiq]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402

from cockpit.backends.queues.source import build_queue_sources  # noqa: E402
from cockpit.config import loads  # noqa: E402
from tests.servers import PostgresServer, RabbitMQServer, RedisServer  # noqa: E402

HEAD = '[incident]\ntitle = "bench"\nservice = "checkout"\n'


async def ticks(source, n: int, counter: str) -> dict[str, float]:
    await source.read()  # connects; loads scripts
    walls, cpus, counts = [], [], []
    for _ in range(n):
        before = getattr(source, counter)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        readings = await source.read()
        cpus.append(time.process_time() - cpu0)
        walls.append(time.perf_counter() - wall0)
        counts.append(getattr(source, counter) - before)
        assert not [r for r in readings if r.error], [r.error for r in readings if r.error][:3]
    return {
        "queues": len(readings),
        "per_tick": statistics.mean(counts),
        "wall_ms": statistics.median(walls) * 1000,
        "cpu_ms": statistics.median(cpus) * 1000,
    }


async def rabbitmq(n: int) -> None:
    server = RabbitMQServer().start()
    try:
        async with httpx.AsyncClient(base_url=server.api_url, auth=("guest", "guest"), timeout=30) as api:
            for i in range(300):
                (await api.put(f"/api/queues/%2F/q{i}", json={"durable": False})).raise_for_status()
            for i in range(0, 300, 10):
                await api.post(
                    "/api/exchanges/%2F/amq.default/publish",
                    json={"properties": {}, "routing_key": f"q{i}", "payload": "x", "payload_encoding": "string"},
                )
        text = (
            HEAD + f'[rabbitmq.main]\nurl = "{server.api_url}"\nuser = "guest"\npassword_env = "PW"\ntimeout = "10s"\n'
        )
        text += "".join(f'[[queues]]\nname = "q{i}"\nkind = "rabbitmq"\nrabbitmq = "main"\n' for i in range(300))
        [source] = build_queue_sources(loads(text), {"PW": "guest"})
        try:
            got = await ticks(source, n, "requests")
        finally:
            await source.close()
        print(
            f"RabbitMQ, {got['queues']} queues in one vhost: {got['per_tick']:.1f} HTTP request(s) per tick; "
            f"tick wall {got['wall_ms']:.1f} ms, CPU {got['cpu_ms']:.1f} ms"
        )
    finally:
        server.stop()


async def postgres(n: int) -> None:
    import procrastinate

    server = PostgresServer().start()
    try:
        dsn = server.dsn()
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=dsn))
        for q in range(30):
            app.task(name=f"t{q}", queue=f"queue{q}")(lambda: None)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            for i in range(300):
                await app.tasks[f"t{i % 30}"].defer_async()
        with psycopg.connect(dsn, autocommit=True) as conn:
            from tests.test_queues_postgres import SOLID_QUEUE_SCHEMA

            conn.execute(SOLID_QUEUE_SCHEMA)
            for i in range(300):
                job = conn.execute(
                    "INSERT INTO solid_queue_jobs (queue_name, class_name, created_at, updated_at) "
                    "VALUES (%s, 'J', now(), now()) RETURNING id",
                    [f"sq{i % 30}"],
                ).fetchone()[0]
                conn.execute(
                    "INSERT INTO solid_queue_ready_executions (job_id, queue_name, created_at) VALUES (%s, %s, now())",
                    [job, f"sq{i % 30}"],
                )
        text = HEAD + '[databases.jobs]\ndsn_env = "DSN"\nstatement_timeout = "5s"\n'
        text += "".join(
            f'[[queues]]\nname = "queue{q}"\nkind = "procrastinate"\ndatabase = "jobs"\n' for q in range(30)
        )
        text += "".join(f'[[queues]]\nname = "sq{q}"\nkind = "solid-queue"\ndatabase = "jobs"\n' for q in range(30))
        [source] = build_queue_sources(loads(text), {"DSN": dsn})
        try:
            got = await ticks(source, n, "round_trips")
        finally:
            await source.close()
        print(
            f"PostgreSQL, 300 Procrastinate jobs over 30 queues + 300 Solid Queue rows over 30 queues "
            f"({got['queues']} queues, one database): {got['per_tick']:.1f} round trip(s) per tick; "
            f"tick wall {got['wall_ms']:.1f} ms, CPU {got['cpu_ms']:.1f} ms"
        )
    finally:
        server.stop()


async def sidekiq(n: int) -> None:
    server = RedisServer().start()
    try:
        r = redis.Redis.from_url(server.url)
        queues = ("mailers", "billing", "default")
        text = HEAD + f'[redis.jobs]\nurl = "{server.url}"\ntimeout = "10s"\n'
        text += "".join(f'[[queues]]\nname = "{q}"\nredis = "jobs"\nkind = "sidekiq"\nqueue = "{q}"\n' for q in queues)
        for size in (1_000, 10_000, 100_000):
            r.flushall()
            for zset in ("retry", "schedule", "dead"):
                pipe = r.pipeline(transaction=False)
                for i in range(size):
                    job = {
                        "class": "MailJob",
                        "queue": queues[i % 3],
                        "jid": f"{zset}{i:08x}",
                        "args": [i],
                        "retry_count": 1,
                        "error_message": "payment provider timed out after 30 s",
                    }
                    pipe.zadd(zset, {json.dumps(job, separators=(",", ":")): time.time() + i})
                pipe.execute()
            r.config_resetstat()
            [source] = build_queue_sources(loads(text), {})
            try:
                got = await ticks(source, n, "round_trips")
            finally:
                await source.close()
            stats = r.info("commandstats")
            evalsha = stats.get("cmdstat_evalsha", {})
            per_call = evalsha.get("usec_per_call", 0.0)
            # ZCARD of the same sets (what showing each set's whole size costs) for comparison.
            r.config_resetstat()
            for _ in range(n):
                r.zcard("retry"), r.zcard("schedule"), r.zcard("dead")
            zcard = r.info("commandstats").get("cmdstat_zcard", {}).get("usec_per_call", 0.0)
            [source] = build_queue_sources(loads(text), {})
            try:
                counted = {r.name: r.detail.state.retrying for r in await source.read()}
            finally:
                await source.close()
            exact = {q: size // 3 + (1 if i < size % 3 else 0) for i, q in enumerate(queues)}
            print(
                f"Sidekiq, 3 queues, retry/schedule/dead sets of {size:,} jobs each: {got['per_tick']:.1f} round "
                f"trip(s) per tick; Redis time per script call {per_call / 1000:.2f} ms (3 sets + busy per tick) "
                f"vs ZCARD {zcard / 1000:.3f} ms; tick wall {got['wall_ms']:.1f} ms, CPU {got['cpu_ms']:.1f} ms; "
                f"retry per queue {counted} (exact {exact})"
            )
        r.close()
    finally:
        server.stop()


async def run(args) -> None:
    skip = set(args.skip.split(",")) if args.skip else set()
    for name, bench in (("rabbitmq", rabbitmq), ("postgres", postgres), ("sidekiq", sidekiq)):
        if name not in skip:
            await bench(args.ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=10)
    parser.add_argument("--skip", default="")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
