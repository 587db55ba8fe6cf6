"""Suspect SQL cannot change anything: a role with more than SELECT is refused at connect
(checked against the real server with a superuser, a role that can write, and a
SELECT-only role), session-level state never outlives a tick, and side-effecting SQL is
refused at config time with the reason."""

from __future__ import annotations

import psycopg
import pytest

from cockpit.config import ConfigError, SuspectQuery, loads
from cockpit.core.source import ReadError
from tests.conftest import select_only_dsn
from tests.test_source_postgres import make_source, seed

pytestmark = pytest.mark.servers

COUNT = '[[postgres.suspects]]\nname = "paid"\nsql = "SELECT count(*) FROM orders WHERE status = \'paid\'"\n'


def _orders(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT count(*) FROM orders").fetchone()[0]


async def test_a_superuser_is_refused_and_dblink_exec_cannot_delete(pg_dsn: str) -> None:
    seed(pg_dsn)
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS dblink")
    before = _orders(pg_dsn)
    # Config validation would refuse this query; the source must hold the line by itself too.
    sneaky = SuspectQuery("sneaky", f"SELECT count(*) FROM dblink_exec('{pg_dsn}', 'DELETE FROM orders')")
    src = make_source(COUNT, pg_dsn, extra=(sneaky,))
    try:
        with pytest.raises(ReadError, match="REFUSED: role 'postgres' is a superuser"):
            await src.read()
    finally:
        await src.close()
    assert _orders(pg_dsn) == before


async def test_a_role_that_can_write_is_refused_and_a_select_only_role_reads(pg_dsn: str) -> None:
    seed(pg_dsn)
    writer = select_only_dsn(pg_dsn)
    role = writer.split("://", 1)[1].split("@", 1)[0]
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        conn.execute(f'GRANT DELETE ON orders TO "{role}"')
    src = make_source(COUNT, writer)
    try:
        with pytest.raises(ReadError, match=r"can write to public\.orders"):
            await src.read()
    finally:
        await src.close()
    src = make_source(COUNT, select_only_dsn(pg_dsn))
    try:
        readings = await src.read()
        assert readings[0].value == 10 and readings[0].error is None
        assert src.role is not None and src.role.problem is None
    finally:
        await src.close()


async def test_session_level_state_does_not_outlive_a_tick(pg_dsn: str, pg_ro_dsn: str) -> None:
    seed(pg_dsn)
    lockers = (
        SuspectQuery("locker", "SELECT count(*) FROM (SELECT pg_advisory_lock(4242)) x"),
        SuspectQuery("setter", "SELECT count(*) FROM (SELECT set_config('work_mem', '7777kB', false)) x"),
    )
    failing = SuspectQuery(
        "lock then fail",
        "SELECT count(*) FROM (SELECT pg_advisory_lock(4343)) x WHERE 1 / (SELECT count(*) - count(*) FROM orders) > 0",
    )
    for extra in (lockers, (failing,)):
        src = make_source(COUNT, pg_ro_dsn, extra=extra)
        try:
            await src.read()
            assert src._conn is not None
            cursor = await src._conn.execute("SHOW work_mem")
            assert (await cursor.fetchone())[0] != "7777kB"
            await src._conn.rollback()
            with psycopg.connect(pg_dsn) as admin:
                held = admin.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()[0]
            assert held == 0, f"{extra[0].name}: an advisory lock outlived the tick"
        finally:
            await src.close()


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("SELECT count(*) FROM dblink_exec('dbname=shop', 'DELETE FROM orders')", "dblink_exec"),
        ("COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", "must be a SELECT"),
        ("SELECT count(*) FROM (SELECT lo_import('/etc/passwd')) x", "lo_import"),
        ("SELECT count(*) FROM (SELECT pg_advisory_lock(1)) x", "session-level advisory lock"),
        ("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity) x", "pg_terminate_backend"),
        ("SELECT count(*) FROM (SELECT pg_cancel_backend(1)) x", "pg_cancel_backend"),
        ("SELECT count(*) FROM (SELECT set_config('work_mem', '1MB', false)) x", "set_config"),
        ("WITH gone AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM gone", "'delete'"),
        ("SELECT count(*) FROM \"dblink\"('x', 'y') AS t(a int)", "dblink"),
    ],
)
def test_side_effecting_suspect_sql_is_refused_at_config_time(sql: str, reason: str) -> None:
    text = (
        f'[incident]\ntitle = "t"\nservice = "s"\n[postgres]\nreadonly_dsn_env = "RO"\n'
        f'[[postgres.suspects]]\nname = "q"\nsql = """{sql}"""\n'
    )
    with pytest.raises(ConfigError) as caught:
        loads(text)
    lines = caught.value.lines()
    assert len(lines) == 1 and "postgres.suspects[0].sql" in lines[0] and reason in lines[0], lines


def test_ordinary_suspect_sql_is_accepted() -> None:
    for sql in (
        "SELECT count(*) FROM orders WHERE note = 'pg_terminate_backend; DELETE'",
        "SELECT count(*) FROM jobs j WHERE j.lock IS NULL -- not: DELETE",
        "WITH x AS (SELECT 1 AS n) SELECT count(*) FROM x",
        "SELECT count(*) FROM (SELECT pg_advisory_xact_lock(1)) x",
    ):
        loads(
            f'[incident]\ntitle = "t"\nservice = "s"\n[postgres]\nreadonly_dsn_env = "RO"\n'
            f'[[postgres.suspects]]\nname = "q"\nsql = """{sql}"""\n'
        )


def test_check_config_env_shows_the_suspect_role(tmp_path, pg_dsn: str, pg_ro_dsn: str) -> None:
    import os
    import subprocess
    import sys

    seed(pg_dsn)
    config = tmp_path / "c.toml"
    config.write_text(f'[incident]\ntitle = "t"\nservice = "s"\n[postgres]\nreadonly_dsn_env = "RO"\n{COUNT}')
    argv = [sys.executable, "-m", "cockpit", "check-config", str(config), "--env"]
    good = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, "RO": pg_ro_dsn})
    assert good.returncode == 0 and "SELECT only" in good.stdout, good.stdout + good.stderr
    bad = subprocess.run(argv, capture_output=True, text=True, timeout=60, env={**os.environ, "RO": pg_dsn})
    assert bad.returncode == 1 and "REFUSED: role 'postgres' is a superuser" in bad.stdout, bad.stdout + bad.stderr
    unset = subprocess.run(
        argv, capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "RO"}
    )
    assert unset.returncode == 1 and "RO: NOT SET" in unset.stdout
