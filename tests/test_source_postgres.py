"""Suspect-record counts from a real PostgreSQL: read-only, timeouts, no escape, one round trip."""

from __future__ import annotations

import psycopg
import pytest

from cockpit.backends.postgres import PostgresSuspectSource
from cockpit.config import SuspectQuery, loads

pytestmark = pytest.mark.servers

SUSPECTS = """
[[postgres.suspects]]
name = "duplicate discount holds"
sql = "SELECT count(*) FROM (SELECT order_id FROM discount_holds GROUP BY order_id, code HAVING count(*) > 1) d"
[[postgres.suspects]]
name = "paid without captured payment"
sql = "SELECT count(*) FROM orders o WHERE status = 'paid' AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.state = 'captured')"
[[postgres.suspects]]
name = "slow"
sql = "SELECT count(*) FROM pg_sleep(3)"
[[postgres.suspects]]
name = "text, not a count"
sql = "SELECT status FROM orders LIMIT 1"
[[postgres.suspects]]
name = "after the failures"
sql = "SELECT count(*) FROM orders"
"""


def seed(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("""
            CREATE TABLE orders (id int PRIMARY KEY, status text NOT NULL);
            CREATE TABLE payments (order_id int, state text);
            CREATE TABLE discount_holds (id serial, order_id int, code text);
            INSERT INTO orders SELECT g, CASE WHEN g % 10 = 0 THEN 'paid' ELSE 'pending' END FROM generate_series(1, 100) g;
            INSERT INTO payments SELECT g, 'captured' FROM generate_series(1, 100) g WHERE g % 20 = 0;
            INSERT INTO discount_holds (order_id, code) SELECT g % 7, 'SPRING' FROM generate_series(1, 30) g;
        """)


def make_source(
    sql_block: str, env_dsn: str, timeout: str = "500ms", extra: tuple[SuspectQuery, ...] = ()
) -> PostgresSuspectSource:
    cfg = loads(f'''
[incident]
title = "t"
service = "s"
[postgres]
readonly_dsn_env = "TEST_PG_RO"
statement_timeout = "{timeout}"
{sql_block}
''')
    # `extra` skips config validation on purpose: the source must hold the line by itself.
    pg = cfg.postgres._replace(suspects=cfg.postgres.suspects + extra)
    return PostgresSuspectSource(pg, {"TEST_PG_RO": env_dsn})


async def test_counts_timeouts_and_refusals_each_per_query(pg_dsn: str, pg_ro_dsn: str) -> None:
    seed(pg_dsn)
    # The config refuses these two (see test_suspect_sql_safety); the source holds the line by itself too.
    sneaky = SuspectQuery("sneaky delete", "SELECT count(*) FROM orders; DELETE FROM orders")
    cte = SuspectQuery("writes in a CTE", "WITH d AS (DELETE FROM orders RETURNING 1) SELECT count(*) FROM d")
    src = make_source(SUSPECTS, pg_ro_dsn, extra=(sneaky, cte))
    try:
        readings = {r.name: r for r in await src.read()}
    finally:
        await src.close()
    assert readings["duplicate discount holds"].value == 7 and readings["duplicate discount holds"].error is None
    assert readings["paid without captured payment"].value == 5
    assert "timed out after 0.5s" in readings["slow"].error
    assert "more than one statement" in readings["sneaky delete"].error
    assert "read-only" in readings["writes in a CTE"].error
    assert "expected a count" in readings["text, not a count"].error
    assert readings["after the failures"].value == 100  # one bad query does not blind the others
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 100  # nothing deleted


async def test_all_queries_of_a_database_in_one_round_trip(pg_dsn: str, pg_ro_dsn: str) -> None:
    seed(pg_dsn)
    blocks = """
[[postgres.suspects]]
name = "a"
sql = "SELECT count(*) FROM orders"
[[postgres.suspects]]
name = "b"
sql = "SELECT count(*) FROM payments"
[[postgres.suspects]]
name = "c"
sql = "SELECT count(*) FROM discount_holds"
"""
    src = make_source(blocks, pg_ro_dsn)
    try:
        for _ in range(3):
            readings = await src.read()
            assert all(r.error is None for r in readings) and len(readings) == 3
    finally:
        await src.close()
    assert src.round_trips == 3


async def test_missing_dsn_variable_says_which(pg_dsn: str) -> None:
    src = make_source(SUSPECTS, pg_dsn)
    src._environ = {}
    with pytest.raises(LookupError, match="TEST_PG_RO"):
        await src.read()
