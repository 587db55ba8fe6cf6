"""PostgreSQL-backed queues on the harness's PostgreSQL: a real Procrastinate (its own schema,
its own worker writing real rows), Solid Queue's published schema with rows as Solid Queue
writes them (its Ruby runtime is not installable here), and the generic `sql` kind. Every
queue of a database is read in one round trip, through a read-only role."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads
from cockpit.core.polling import Poller
from cockpit.core.readings import QUEUES, Board, Freshness
from cockpit.core.session import Session
from cockpit.core.timebase import Timebase
from cockpit.incident.journal import Journal, Operator, read
from cockpit.wiring import build_live

pytestmark = pytest.mark.servers


def readonly_dsn(dsn: str) -> str:
    """A login role that may only SELECT, read-only by default (what the cockpit is given)."""
    role = f"ro_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{role}"')
        conn.execute(f'ALTER ROLE "{role}" SET default_transaction_read_only = on')
    return dsn.replace("postgresql://postgres@", f"postgresql://{role}@")


def config(queues: str, *, pause: bool = False) -> str:
    return f"""
[incident]
title = "t"
service = "s"
[databases.jobs]
dsn_env = "JOBS_RO"
{"pause_dsn_env = 'JOBS_PAUSE'" if pause else ""}
statement_timeout = "2s"
interval = "1s"
{queues}
"""


def queue(name: str, kind: str, extra: str = "") -> str:
    return f'[[queues]]\nname = "{name}"\nkind = "{kind}"\ndatabase = "jobs"\nqueue = "{name}"\n{extra}\n'


async def read_all(text: str, env: dict[str, str]):
    [source] = build_queue_sources(loads(text), env)
    try:
        return {r.name: r for r in await source.read()}, source
    finally:
        await source.close()


async def test_procrastinate_figures_equal_its_own_job_manager(pg_dsn: str) -> None:
    import procrastinate
    from procrastinate import PsycopgConnector, RetryStrategy

    app = procrastinate.App(connector=PsycopgConnector(conninfo=pg_dsn))
    release = asyncio.Event()

    @app.task(name="ok", queue="mail")
    async def ok() -> None:
        return None

    @app.task(name="boom", queue="fail", retry=0)
    async def boom() -> None:
        raise RuntimeError("poisoned")

    @app.task(name="flaky", queue="fail", retry=RetryStrategy(max_attempts=5, wait=600))
    async def flaky() -> None:
        raise RuntimeError("try later")

    @app.task(name="hold", queue="slow")
    async def hold() -> None:
        await release.wait()

    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        deferred_at = time.time()
        for _ in range(3):
            await ok.defer_async()
        for _ in range(2):
            await ok.configure(schedule_in={"minutes": 10}).defer_async()
        for _ in range(2):
            await boom.defer_async()
        await flaky.defer_async()
        for _ in range(3):
            await hold.defer_async()
        await app.run_worker_async(queues=["fail"], wait=False)  # Procrastinate's own worker: 2 fail, 1 retries
        worker = asyncio.create_task(app.run_worker_async(queues=["slow"], concurrency=2))
        env = {"JOBS_RO": readonly_dsn(pg_dsn)}
        text = config(queue("mail", "procrastinate") + queue("fail", "procrastinate") + queue("slow", "procrastinate"))
        try:

            async def two_held():
                stats = {q["name"]: q for q in await app.job_manager.list_queues_async()}
                return stats.get("slow", {}).get("doing") == 2

            deadline = time.monotonic() + 30
            while not await two_held():
                assert time.monotonic() < deadline, "the worker did not take two jobs"
                await asyncio.sleep(0.1)
            got, source = await read_all(text, env)
            own = {q["name"]: q for q in await app.job_manager.list_queues_async()}
        finally:
            release.set()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
    mail, fail, slow = got["mail"], got["fail"], got["slow"]
    assert all(r.error is None for r in got.values()), {n: r.error for n, r in got.items()}
    assert (
        mail.value == 3
        and mail.detail.state.scheduled == 2
        and mail.value + mail.detail.state.scheduled == own["mail"]["todo"]
    )
    assert fail.detail.state.failed == own["fail"]["failed"] == 2
    assert fail.detail.state.retrying == own["fail"]["todo"] == 1 and fail.value == 0
    assert slow.detail.state.in_flight == own["slow"]["doing"] == 2 and slow.value == own["slow"]["todo"] == 1
    assert 0 <= mail.detail.state.oldest_age <= time.time() - deferred_at + 1
    assert mail.detail.state.paused is None  # Procrastinate has no pause: unknown, not "running"
    assert source.round_trips == 1  # three queues, one round trip


SOLID_QUEUE_SCHEMA = """
CREATE TABLE solid_queue_jobs (id bigserial PRIMARY KEY, queue_name varchar NOT NULL, class_name varchar NOT NULL,
  arguments text, priority integer DEFAULT 0 NOT NULL, active_job_id varchar, scheduled_at timestamp(6),
  finished_at timestamp(6), concurrency_key varchar, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
CREATE TABLE solid_queue_pauses (id bigserial PRIMARY KEY, queue_name varchar NOT NULL, created_at timestamp(6) NOT NULL);
CREATE UNIQUE INDEX index_solid_queue_pauses_on_queue_name ON solid_queue_pauses (queue_name);
CREATE TABLE solid_queue_ready_executions (id bigserial PRIMARY KEY, job_id bigint NOT NULL REFERENCES solid_queue_jobs ON DELETE CASCADE,
  queue_name varchar NOT NULL, priority integer DEFAULT 0 NOT NULL, created_at timestamp(6) NOT NULL);
CREATE TABLE solid_queue_claimed_executions (id bigserial PRIMARY KEY, job_id bigint NOT NULL REFERENCES solid_queue_jobs ON DELETE CASCADE,
  process_id bigint, created_at timestamp(6) NOT NULL);
CREATE TABLE solid_queue_failed_executions (id bigserial PRIMARY KEY, job_id bigint NOT NULL REFERENCES solid_queue_jobs ON DELETE CASCADE,
  error text, created_at timestamp(6) NOT NULL);
CREATE TABLE solid_queue_scheduled_executions (id bigserial PRIMARY KEY, job_id bigint NOT NULL REFERENCES solid_queue_jobs ON DELETE CASCADE,
  queue_name varchar NOT NULL, priority integer DEFAULT 0 NOT NULL, scheduled_at timestamp(6) NOT NULL, created_at timestamp(6) NOT NULL);
"""


def solid_queue_rows(dsn: str) -> None:
    """Rows as Solid Queue writes them: a job, then one execution row for its state."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SOLID_QUEUE_SCHEMA)

        def job(queue: str, state: str, age: float = 0.0) -> None:
            job_id = conn.execute(
                "INSERT INTO solid_queue_jobs (queue_name, class_name, created_at, updated_at) "
                "VALUES (%s, 'ReceiptJob', now() - make_interval(secs => %s), now()) RETURNING id",
                [queue, age],
            ).fetchone()[0]
            if state == "ready":
                conn.execute(
                    "INSERT INTO solid_queue_ready_executions (job_id, queue_name, created_at) "
                    "VALUES (%s, %s, now() - make_interval(secs => %s))",
                    [job_id, queue, age],
                )
            elif state == "claimed":
                conn.execute(
                    "INSERT INTO solid_queue_claimed_executions (job_id, process_id, created_at) VALUES (%s, 1, now())",
                    [job_id],
                )
            elif state == "failed":
                conn.execute(
                    "INSERT INTO solid_queue_failed_executions (job_id, error, created_at) VALUES (%s, 'boom', now())",
                    [job_id],
                )
            else:
                conn.execute(
                    "INSERT INTO solid_queue_scheduled_executions (job_id, queue_name, scheduled_at, created_at) "
                    "VALUES (%s, %s, now() + interval '1 hour', now())",
                    [job_id, queue],
                )

        for age in (400.0, 20.0, 5.0):
            job("receipts", "ready", age)
        job("receipts", "claimed")
        job("receipts", "failed")
        job("receipts", "scheduled")
        job("exports", "ready", 3.0)


async def test_solid_queue_figures_and_pause_row(pg_dsn: str, tmp_path: Path) -> None:
    solid_queue_rows(pg_dsn)
    env = {"JOBS_RO": readonly_dsn(pg_dsn), "JOBS_PAUSE": pg_dsn}
    text = config(queue("receipts", "solid-queue", "risky = true") + queue("exports", "solid-queue"), pause=True)
    got, _ = await read_all(text, env)
    receipts = got["receipts"]
    # What SolidQueue::Queue#size and #latency compute: ready executions of the queue, and now − the oldest.
    with psycopg.connect(pg_dsn) as conn:
        size, latency = conn.execute(
            "SELECT count(*), extract(epoch FROM now() - min(created_at)) "
            "FROM solid_queue_ready_executions WHERE queue_name = 'receipts'"
        ).fetchone()
    assert receipts.value == size == 3
    assert abs(receipts.detail.state.oldest_age - float(latency)) < 2 and receipts.detail.state.oldest_age >= 400
    assert (
        receipts.detail.state.in_flight == 1
        and receipts.detail.state.failed == 1
        and receipts.detail.state.scheduled == 1
    )
    assert receipts.detail.state.paused is False and got["exports"].value == 1

    session = Session(build_live(loads(text), env), Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview):
        return preview

    try:
        preview = await session.actions["pause_risky"].preview()
        assert any("solid_queue_pauses" in w for w in preview.warnings)
        outcome = await session.run_action("pause_risky", yes)
        assert outcome.status == "done", outcome.message
        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute("SELECT queue_name FROM solid_queue_pauses").fetchall() == [("receipts",)]
        sent = sent_lines(tmp_path, "pause_risky")  # the command log: the statement and its parameter
        assert len(sent) == 1 and "INSERT INTO" in sent[0] and "solid_queue_pauses" in sent[0], sent
        assert sent[0].endswith("-- params ['receipts']") and pg_dsn not in sent[0]
        resume = session.backends.targeted("resume_queue", "receipts")
        session.actions[resume.name] = resume
        assert (await session.run_action(resume.name, yes)).status == "done"
        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute("SELECT count(*) FROM solid_queue_pauses").fetchone()[0] == 0
    finally:
        await session.backends.close()


async def test_generic_sql_kind_a_missing_library_and_a_smuggled_statement(pg_dsn: str) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE jobs (id serial, state text, created_at timestamptz DEFAULT now())")
        conn.execute(
            "INSERT INTO jobs (state, created_at) VALUES ('ready', now() - interval '90 seconds'), "
            "('ready', now()), ('running', now()), ('dead', now())"
        )
    sql_queue = queue(
        "homegrown",
        "sql",
        '''depth_sql = "SELECT count(*) FROM jobs WHERE state = 'ready'"
in_flight_sql = "SELECT count(*) FROM jobs WHERE state = 'running'"
failed_sql = "SELECT count(*) FROM jobs WHERE state = 'dead'"
oldest_age_sql = "SELECT extract(epoch FROM now() - min(created_at)) FROM jobs WHERE state = 'ready'"''',
    )
    sneaky = queue(
        "sneaky",
        "sql",
        '''depth_sql = "SELECT count(*) FROM jobs WHERE state = 'ready' UNION ALL SELECT 1 FROM (SELECT pg_sleep(0)) x; DELETE FROM jobs"''',
    )
    text = config(sql_queue + queue("mail", "procrastinate"))
    env = {"JOBS_RO": readonly_dsn(pg_dsn)}
    got, _ = await read_all(text, env)
    home = got["homegrown"]
    assert home.error is None and home.value == 2 and home.detail.state.in_flight == 1 and home.detail.state.failed == 1
    assert 89 <= home.detail.state.oldest_age < 100 and home.detail.state.scheduled is None
    # Procrastinate's tables do not exist in this database: only its queue says so.
    assert "procrastinate tables" in got["mail"].error and "does not exist" in got["mail"].error
    from cockpit.config import ConfigError

    with pytest.raises(ConfigError, match=r"depth_sql: must be a single SELECT"):
        loads(config(sneaky))
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 4


async def test_unreachable_and_unknown_role_are_named_and_other_queues_keep_updating(
    pg_dsn: str, redis_url: str
) -> None:
    import redis

    redis.Redis.from_url(redis_url).rpush("legacy", "a")
    text = (
        config(queue("mail", "sql", 'depth_sql = "SELECT 1"'))
        + f'''
[databases.down]
dsn_env = "DOWN"
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "elsewhere"
kind = "sql"
database = "down"
depth_sql = "SELECT 1"
[[queues]]
name = "legacy"
kind = "list"
redis = "jobs"
'''
    )
    board = Board()
    env = {
        "JOBS_RO": pg_dsn.replace("postgresql://postgres@", "postgresql://nobody_here@"),
        "DOWN": "postgresql://postgres@127.0.0.1:9/x",
    }
    sources = build_queue_sources(loads(text), env)
    try:
        for source in sources:
            await Poller(source, board, Timebase()).tick()
        slots = dict(board.slots(QUEUES))
        assert board.freshness(QUEUES, "mail") is Freshness.UNREACHABLE
        assert 'role "nobody_here" does not exist' in slots["mail"].latest.error
        assert board.freshness(QUEUES, "elsewhere") is Freshness.UNREACHABLE
        assert "PostgreSQL 'down'" in slots["elsewhere"].latest.error
        assert board.freshness(QUEUES, "legacy") is Freshness.OK and board.value(QUEUES, "legacy") == 1.0
    finally:
        for source in sources:
            await source.close()


PGBOSS = Path(__file__).resolve().parent / "pgboss"


async def test_pgboss_figures_equal_its_own_queue_sizes(pg_dsn: str) -> None:
    import json
    import shutil
    import subprocess

    if not (PGBOSS / "node_modules" / "pg-boss").exists() or not shutil.which("node"):
        pytest.fail("pg-boss is not installed: run scripts/install-servers (npm install in tests/pgboss)")
    # pg-boss itself creates its schema, sends, fetches and fails the jobs, and says what it counts.
    done = subprocess.run(["node", str(PGBOSS / "fill.js"), pg_dsn], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    own = json.loads(done.stdout.strip().splitlines()[-1])
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # the read-only role may read pg-boss's schema
        role_dsn = readonly_dsn(pg_dsn)
        role = role_dsn.split("//")[1].split("@")[0]
        conn.execute(f'GRANT USAGE ON SCHEMA pgboss TO "{role}"')
        conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO "{role}"')
    text = config(queue("mail", "pg-boss") + queue("fail", "pg-boss") + queue("busy", "pg-boss"))
    got, source = await read_all(text, {"JOBS_RO": role_dsn})
    assert all(r.error is None for r in got.values()), {n: r.error for n, r in got.items()}
    for name in ("mail", "fail", "busy"):
        r = got[name]
        waiting = int(r.value) + r.detail.state.retrying + r.detail.state.scheduled
        assert waiting == own[name]["queued"], (name, r.detail, own[name])  # pg-boss's getQueueSize
        assert r.detail.state.in_flight == own[name]["upToActive"] - own[name]["queued"]
    assert got["mail"].value == 4 and got["mail"].detail.state.scheduled == 2
    assert got["fail"].detail.state.failed == 2 and got["fail"].detail.state.retrying == 1
    assert got["busy"].detail.state.in_flight == 2 and got["busy"].value == 1
    assert 0 <= got["mail"].detail.state.oldest_age < 120 and got["mail"].detail.state.paused is None
    assert source.round_trips == 1


async def test_a_queue_without_a_pause_runs_the_configured_command_instead(pg_dsn: str, tmp_path: Path) -> None:
    import sys

    from cockpit.config import ConfigError

    marker = tmp_path / "workers-stopped"
    stop = (
        f"pause_argv = [\"{sys.executable}\", \"-c\", \"open('{marker}', 'w').write('x'); print('workers stopped')\"]"
    )
    start = f'resume_argv = ["{sys.executable}", "-c", "import os; os.remove(\'{marker}\')"]'
    broken = f'pause_argv = ["{sys.executable}", "-c", "import sys; print(\'no such unit\'); sys.exit(3)"]'
    text = config(
        queue("mail", "procrastinate", f"{stop}\n{start}")
        + queue("other", "sql", f'depth_sql = "SELECT 1"\n{broken}\n{start}')
    )
    env = {"JOBS_RO": readonly_dsn(pg_dsn)}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE procrastinate_jobs (queue_name text, id bigint, status text, attempts int, "
            "scheduled_at timestamptz); CREATE TABLE procrastinate_events (job_id bigint, type text, at timestamptz)"
        )
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC")
    session = Session(build_live(loads(text), env), Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview):
        return preview

    try:
        pause = session.backends.targeted("pause_queue", "mail")
        preview = await pause.preview()
        assert any("runs " in w and "the cockpit cannot read back" in w for w in preview.warnings)
        session.actions[pause.name] = pause
        outcome = await session.run_action(pause.name, yes)
        assert outcome.status == "done", outcome.message
        assert marker.exists() and "not read back" in outcome.message
        resume = session.backends.targeted("resume_queue", "mail")
        session.actions[resume.name] = resume
        assert (await session.run_action(resume.name, yes)).status == "done"
        assert not marker.exists()
        failing = session.backends.targeted("pause_queue", "other")
        session.actions[failing.name] = failing
        outcome = await session.run_action(failing.name, yes)
        assert outcome.status != "done" and "exited with status 3: no such unit" in outcome.message
    finally:
        await session.backends.close()
    with pytest.raises(ConfigError, match=r"resume_argv: set pause_argv and resume_argv together"):
        loads(config(queue("mail", "procrastinate", stop)))


RIVER_SCHEMA = """
CREATE TYPE river_job_state AS ENUM ('available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable',
  'running', 'scheduled');
CREATE TABLE river_job (id bigserial PRIMARY KEY, state river_job_state NOT NULL DEFAULT 'available',
  attempt smallint NOT NULL DEFAULT 0, max_attempts smallint NOT NULL, attempted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(), finalized_at timestamptz,
  scheduled_at timestamptz NOT NULL DEFAULT now(), priority smallint NOT NULL DEFAULT 1, args jsonb NOT NULL DEFAULT '{}',
  attempted_by text[], errors jsonb[], kind text NOT NULL, metadata jsonb NOT NULL DEFAULT '{}',
  queue text NOT NULL DEFAULT 'default', tags varchar(255)[] NOT NULL DEFAULT '{}');
CREATE TABLE river_queue (name text PRIMARY KEY NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  metadata jsonb NOT NULL DEFAULT '{}', paused_at timestamptz, updated_at timestamptz NOT NULL);
"""


async def test_river_figures_and_its_own_pause(pg_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(RIVER_SCHEMA)
        conn.execute("INSERT INTO river_queue (name, updated_at) VALUES ('payouts', now())")
        for state, age in (
            ("available", 200),
            ("available", 10),
            ("running", 0),
            ("running", 0),
            ("retryable", 0),
            ("discarded", 0),
            ("scheduled", -600),
            ("completed", 0),
        ):
            conn.execute(
                "INSERT INTO river_job (state, max_attempts, kind, queue, scheduled_at) "
                "VALUES (%s, 25, 'payout', 'payouts', now() - make_interval(secs => %s))",
                [state, age],
            )
    env = {"JOBS_RO": readonly_dsn(pg_dsn), "JOBS_PAUSE": pg_dsn}
    text = config(queue("payouts", "river", "risky = true"), pause=True)
    got, _ = await read_all(text, env)
    payouts = got["payouts"]
    with psycopg.connect(pg_dsn) as conn:  # what River's own JobList/QueueGet would count
        own = dict(conn.execute("SELECT state::text, count(*) FROM river_job WHERE queue = 'payouts' GROUP BY state"))
    assert payouts.error is None
    assert payouts.value == own["available"] == 2 and payouts.detail.state.in_flight == own["running"] == 2
    assert payouts.detail.state.failed == own["discarded"] and payouts.detail.state.retrying == own["retryable"] == 1
    assert payouts.detail.state.scheduled == own["scheduled"] == 1 and 199 <= payouts.detail.state.oldest_age < 230
    assert payouts.detail.state.paused is False
    session = Session(build_live(loads(text), env), Journal.open(tmp_path / "j.jsonl", Operator("alice")))

    async def yes(preview):
        return preview

    try:
        async with await psycopg.AsyncConnection.connect(pg_dsn, autocommit=True) as listener:
            await listener.execute("LISTEN river_control")
            outcome = await session.run_action("pause_risky", yes)
            assert outcome.status == "done", outcome.message
            notice = await asyncio.wait_for(anext(listener.notifies()), 10)
            assert json.loads(notice.payload) == {"action": "pause", "queue": "payouts"}
        sent = sent_lines(tmp_path, "pause_risky")
        assert "params ['payouts']" in sent[0] and "pg_notify('river_control'" in sent[1], sent
        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute("SELECT paused_at IS NOT NULL FROM river_queue WHERE name = 'payouts'").fetchone()[0]
        resume = session.backends.targeted("resume_queue", "payouts")
        session.actions[resume.name] = resume
        assert (await session.run_action(resume.name, yes)).status == "done"
        with psycopg.connect(pg_dsn) as conn:
            assert conn.execute("SELECT paused_at FROM river_queue WHERE name = 'payouts'").fetchone()[0] is None
    finally:
        await session.backends.close()


def sent_lines(tmp_path: Path, action: str) -> list[str]:
    """The command log of the action's last run (what the journal recorded as sent)."""
    result = [
        e
        for e in read(tmp_path / "j.jsonl").entries
        if e.data.get("action") == action and e.data.get("phase") == "result"
    ][-1]
    return list(result.data.get("sent", []))
