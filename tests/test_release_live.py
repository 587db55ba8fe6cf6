"""A release file over real systems: a real Unleash flag, a PostgreSQL migration with its
reviewed down-script, a Redis cache and an RQ queue. The release file validates against
the config, the undo steps come out in the right order, and the preconditions and verify
conditions are judged on readings from the real sources (UNKNOWN until read, FAILS while
the release's state is live, HOLDS once it is undone)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.config.release import load_release
from cockpit.core.conditions import Condition, Truth
from cockpit.core.readings import Board
from cockpit.core.release_plan import plan
from cockpit.wiring import build_sources
from tests.test_source_flags_checks import unleash_setup

pytestmark = pytest.mark.servers

FLAG = "release_live_checkout"

#: The migration (up) the release ran; its down-script is the reviewed repair below.
MIGRATION_UP = """
CREATE TABLE holds (id serial PRIMARY KEY, order_id int, code text, released timestamptz);
INSERT INTO holds (order_id, code) SELECT g % 10, 'SPRING' FROM generate_series(1, 25) g;
"""


def config_text(redis_url: str, unleash_url: str) -> str:
    return f'''
[incident]
title = "Checkout failing"
service = "checkout"
[release]
require_owner = true
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
[regions.eu-west]
backend = "unleash"
url = "{unleash_url}"
environment = "production"
timeout = "3s"
[[flags]]
name = "{FLAG}"
safe = false
[postgres]
readonly_dsn_env = "PG_RO"
repair_dsn_env = "PG_REPAIR"
[[postgres.suspects]]
name = "duplicate holds"
sql = "SELECT count(*) FROM holds h WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.code = h.code AND k.released IS NULL AND k.id < h.id)"
[[actions.caches]]
name = "cart-totals"
redis = "jobs"
pattern = "cart:total:*"
[[actions.repairs]]
name = "holds-down"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "release duplicates"
preview = "SELECT count(*) FROM holds h WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.code = h.code AND k.released IS NULL AND k.id < h.id)"
sql = "UPDATE holds h SET released = now() WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.code = h.code AND k.released IS NULL AND k.id < h.id)"
'''


RELEASE = f'''
[release]
id = "2026.11.3"
owner = "sam"

[[changes]]
id = "holds-migration"
kind = "migration"
what = "holds table; duplicates written under payment timeouts"
owner = "dana"
undo = [{{ action = "repair", script = "holds-down" }}]
precondition = ["queue payment-retry paused", 'suspect "duplicate holds" not rising']
verify = ['suspect "duplicate holds" at target']

[[changes]]
id = "cart-cache"
kind = "cache"
what = "cart totals cached under the new rule"
owner = "lee"
after = ["checkout-flag"]
undo = [{{ action = "clear_caches", caches = ["cart-totals"] }}]
precondition = ["flag {FLAG} safe"]

[[changes]]
id = "retry-job"
kind = "job"
what = "payment retries every 10 s"
owner = "ravi"
undo = [{{ action = "restart_staged" }}, {{ action = "pause_queues", queues = ["payment-retry"] }}]
verify = ["queue payment-retry paused"]

[[changes]]
id = "checkout-flag"
kind = "flag"
what = "{FLAG} at 25 %"
owner = "kim"
undo = [{{ action = "set_flags", flags = ["{FLAG}"] }}]
verify = ["flag {FLAG} safe"]
'''


async def read_all(config, env: dict[str, str], board: Board) -> None:  # type: ignore[no-untyped-def]
    sources = build_sources(config, env)
    try:
        results = await asyncio.gather(*(s.read() for s in sources), return_exceptions=True)
    finally:
        for s in sources:
            await s.close()
    for source, result in zip(sources, results, strict=True):
        if isinstance(result, BaseException):
            board.fail(source.kind, source.expected_names(), str(result))
        else:
            board.update(result)


def judged(conditions: tuple[Condition, ...], board: Board) -> dict[str, Truth]:
    now = board.clock()
    return {c.text: c.judge(board, now).truth for c in conditions}


async def test_a_release_over_real_systems_orders_its_undo_and_judges_real_readings(
    tmp_path: Path, redis_url: str, unleash_server, pg_dsn: str, pg_ro_dsn: str
) -> None:
    from rq import Queue

    unleash_setup(unleash_server.url, FLAG, 25)
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(MIGRATION_UP)
    r = redis.Redis.from_url(redis_url)
    for i in range(12):
        r.set(f"cart:total:{i}", "99.00")
    Queue("payment_retry", connection=r).enqueue("tests.jobs.replay_payment", 1)

    config = loads(config_text(redis_url, unleash_server.url))
    path = tmp_path / "release.toml"
    path.write_text(RELEASE)
    release_map = load_release(path, config)

    steps = plan(release_map)
    assert [s.step_id for s in steps] == [
        "retry-job:pause_queues",  # stop the damage first
        "checkout-flag",  # the flag off in every region
        "cart-cache",  # after the flag
        "holds-migration",  # the reviewed down-script
        "retry-job:restart_staged",  # jobs only once the data is repaired
    ]

    env = {"PG_RO": pg_ro_dsn, "PG_REPAIR": pg_dsn}
    board = Board()
    migration, cache, job, flag = (
        release_map.change(c) for c in ("holds-migration", "cart-cache", "retry-job", "checkout-flag")
    )
    assert set(judged(migration.precondition, board).values()) == {Truth.UNKNOWN}  # nothing read yet

    await read_all(config, env, board)
    assert judged(cache.precondition, board) == {f"flag {FLAG} safe": Truth.FAILS}  # 25 % in production
    assert judged(migration.precondition, board)["queue payment-retry paused"] is Truth.FAILS
    assert judged(migration.verify, board) == {'suspect "duplicate holds" at target': Truth.FAILS}  # 15 duplicates
    # One sample of the suspect count: its trend is not known yet, and that is no pass.
    assert judged(migration.precondition, board)['suspect "duplicate holds" not rising'] is Truth.UNKNOWN

    # Undo, in the plan's order, by hand on the real systems.
    r.set("rq:suspended", 1)  # what `rq suspend` writes
    with httpx.Client(base_url=unleash_server.url) as c:
        c.post(f"/api/admin/projects/default/features/{FLAG}/environments/production/off").raise_for_status()
    r.delete(*r.keys("cart:total:*"))
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(config.actions.repairs[0].statements[0].sql)

    await read_all(config, env, board)
    assert judged(job.verify, board) == {"queue payment-retry paused": Truth.HOLDS}
    assert judged(flag.verify, board) == {f"flag {FLAG} safe": Truth.HOLDS}
    assert judged(migration.verify, board) == {'suspect "duplicate holds" at target': Truth.HOLDS}
    # Two samples of the suspect count (15, then 0): falling, so "not rising" holds.
    assert judged(migration.precondition, board)['suspect "duplicate holds" not rising'] is Truth.HOLDS
