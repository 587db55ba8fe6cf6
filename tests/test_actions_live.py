"""Rollback actions against real servers: each previewed, executed, verified, journaled —
and the failures: a region that rejects, a repair whose preview no longer matches, a
revert that exits non-zero, a webhook that times out, --dry-run and --read-only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator, read
from cockpit.wiring import build_live
from tests import jobs
from tests.http_apps import FlagEndpointState, black_hole, flag_endpoint_handler, serve
from tests.servers import kill_tree
from tests.test_source_flags_checks import unleash_setup
from tests.waits import until

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent


def config_text(
    redis_url: str,
    *,
    flags_url: str = "http://127.0.0.1:9/flags",
    unleash_url: str | None = None,
    revert: str = "",
    journal: Path | None = None,
    extra: str = "",
) -> str:
    unleash = (
        f'''
[regions.eu-west]
backend = "unleash"
url = "{unleash_url}"
environment = "production"
timeout = "3s"
'''
        if unleash_url
        else ""
    )
    return f'''
[incident]
title = "Checkout failing"
service = "checkout"
journal = "{journal or "incident.jsonl"}"
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
stage = 2
[[queues]]
name = "invoices"
redis = "jobs"
kind = "bullmq"
queue = "invoices"
risky = true
stage = 1
[[queues]]
name = "mailers"
redis = "jobs"
kind = "sidekiq"
queue = "mailers"
[[queues]]
name = "legacy"
redis = "jobs"
kind = "list"
queue = "legacy:jobs"
pause_key = "legacy:paused"
{unleash}
[regions.us-east]
backend = "redis-hash"
redis = "jobs"
key = "flags:us-east"
[regions.ap-south]
backend = "http-json"
url = "{flags_url}"
timeout = "2s"
[[flags]]
name = "new_checkout"
safe = false
[[flags]]
name = "checkout_read_only"
safe = false
[actions.maintenance]
flag = "checkout_read_only"
[[actions.caches]]
name = "cart-totals"
redis = "jobs"
pattern = "cart:total:*"
batch = 7
[actions.restart]
settle = "1s"
{revert}
{extra}
'''


def session_for(text: str, tmp_path: Path, env: dict | None = None, read_only: bool = False) -> Session:
    cfg = loads(text)
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    return Session(build_live(cfg, env or {}), journal, read_only=read_only)


async def yes(preview):
    return preview


def results(tmp_path: Path, action: str) -> list:
    return [
        e
        for e in read(tmp_path / "j.jsonl").entries
        if e.data.get("action") == action and e.data.get("phase") == "result"
    ]


async def test_pause_risky_stops_a_real_rq_worker_and_the_staged_restart_drains_it(
    tmp_path: Path, redis_url: str
) -> None:
    from rq import Queue, Worker
    from rq.registry import StartedJobRegistry

    conn = redis.Redis.from_url(redis_url)
    q = Queue("payment_retry", connection=conn)
    with open(tmp_path / "worker.log", "w") as log:  # the worker keeps its own copy of the descriptor
        worker = subprocess.Popen(
            [str(Path(sys.executable).parent / "rq"), "worker", "payment_retry", "--url", redis_url],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    session = session_for(config_text(redis_url), tmp_path)
    # `rq worker` refuses to start at all while suspended: let it start first.
    await until(lambda: Worker.all(connection=conn), timeout=30, what="the rq worker to register")
    try:
        outcome = await session.run_action("pause_risky", yes)
        assert outcome.status == "done", outcome.message
        assert conn.exists("rq:suspended") and conn.hget("bull:invoices:meta", "paused") == b"1"
        for _ in range(20):
            q.enqueue(jobs.slow_replay, 0.05)
        # A worker already blocked in its dequeue may take one job; then it sees rq:suspended,
        # says so in its state, and takes nothing more until resumed.
        await until(
            lambda: any(w.get_state() == "suspended" for w in Worker.all(connection=conn)),
            timeout=30,
            what="the rq worker to report itself suspended",
        )
        waiting = q.count
        assert waiting >= 19
        await until(lambda: not StartedJobRegistry(queue=q).count, timeout=30, what="the one job it may have taken")
        assert q.count == waiting and any(w.get_state() == "suspended" for w in Worker.all(connection=conn))
        preview = results(tmp_path, "pause_risky")[-1]
        assert preview.data["ok"] and "before" in preview.data
        outcome = await session.run_action("restart_staged", yes)
        assert outcome.status == "done", outcome.message
        assert not conn.exists("rq:suspended") and conn.hget("bull:invoices:meta", "paused") is None
        await until(lambda: q.count == 0, timeout=30, what="the queue drained after the staged restart")
        stages = [
            e.data["line"]
            for e in read(tmp_path / "j.jsonl").entries
            if e.data.get("phase") == "output" and e.data.get("action") == "restart_staged"
        ]
        assert stages[0].startswith("stage 1:") and any(line.startswith("stage 2:") for line in stages)
        restart_preview = next(
            e
            for e in read(tmp_path / "j.jsonl").entries
            if e.data.get("phase") == "preview" and e.data.get("action") == "restart_staged"
        )
        # The rq kind says its pause covers every rq queue on the Redis (asked of the kind, not `if kind == "rq"`).
        assert any("rq queues share one pause" in w for w in restart_preview.data["warnings"])
    finally:
        kill_tree(worker.pid)  # the worker and its work-horse
        worker.wait()
        await session.backends.close()


async def test_pause_one_queue_per_kind_and_what_cannot_be_paused(tmp_path: Path, redis_url: str) -> None:
    conn = redis.Redis.from_url(redis_url)
    session = session_for(config_text(redis_url), tmp_path)
    targeted = session.backends.targeted
    try:
        for name in ("mailers", "legacy"):
            action = targeted("pause_queue", name)
            session.actions[action.name] = action
            outcome = await session.run_action(action.name, yes)
            assert outcome.status == "done", outcome.message
        assert conn.sismember("paused", "mailers") and conn.exists("legacy:paused")
        dialog = session.last_preview
        assert dialog is not None and "home-grown worker pause key" in " ".join(dialog.warnings)
        with pytest.raises(LookupError, match="no queue named 'nope'"):
            targeted("pause_queue", "nope")
    finally:
        await session.backends.close()


async def test_flags_to_safe_in_every_region_and_a_region_that_rejects(
    tmp_path: Path, redis_url: str, unleash_server
) -> None:
    unleash_setup(unleash_server.url, "new_checkout", 25)
    unleash_setup(unleash_server.url, "checkout_read_only", 100)
    with httpx.Client(base_url=unleash_server.url) as c:
        c.post("/api/admin/projects/default/features/checkout_read_only/environments/production/off").raise_for_status()
    r = redis.Redis.from_url(redis_url)
    r.hset("flags:us-east", mapping={"new_checkout": "25", "checkout_read_only": "0"})
    state = FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}, "checkout_read_only": False})
    with serve(flag_endpoint_handler(state)) as url:
        session = session_for(config_text(redis_url, flags_url=url, unleash_url=unleash_server.url), tmp_path)
        try:
            outcome = await session.run_action("flags_safe", yes)
            assert outcome.status == "done", outcome.message
            preview = [e for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "preview"][-1]
            assert "new_checkout@eu-west: 25% -> off" in preview.data["touches"]
            assert r.hget("flags:us-east", "new_checkout") == b"0"
            assert state.flags["new_checkout"] == {"enabled": False}
            with httpx.Client(base_url=unleash_server.url) as c:
                envs = c.get("/api/admin/projects/default/features/new_checkout").json()["environments"]
            assert {e["name"]: e["enabled"] for e in envs}["production"] is False
            readback = results(tmp_path, "flags_safe")[-1].data["readback"]
            assert readback == {"new_checkout@eu-west": 0.0, "new_checkout@us-east": 0.0, "new_checkout@ap-south": 0.0}

            # The maintenance switch is just a configured flag, on in every region, then off again.
            assert (await session.run_action("maintenance", yes)).status == "done"
            assert r.hget("flags:us-east", "checkout_read_only") == b"1"
            assert state.flags["checkout_read_only"] == {"enabled": True}
            assert (await session.run_action("maintenance", yes)).status == "done"
            assert r.hget("flags:us-east", "checkout_read_only") == b"0"
        finally:
            await session.backends.close()
    # ap-south is gone now: it rejects, the others are still set, and the journal says which.
    r.hset("flags:us-east", "new_checkout", "1")
    session = session_for(config_text(redis_url, flags_url="http://127.0.0.1:9/flags"), tmp_path)
    session.actions["flags_safe"].patience = 2.0  # a gone region never catches up
    try:
        outcome = await session.run_action("flags_safe", yes)
    finally:
        await session.backends.close()
    assert outcome.status == "failed"
    assert "new_checkout@ap-south" in outcome.message and "state left" in outcome.message
    assert r.hget("flags:us-east", "new_checkout") == b"0"  # the healthy region was still changed


async def test_cache_clears_only_what_is_named(tmp_path: Path, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(50)})
    r.mset({f"cart:items:{i}": i for i in range(10)})
    r.set("session:abc", "keep")
    session = session_for(config_text(redis_url), tmp_path)
    try:
        outcome = await session.run_action("clear_caches", yes)
    finally:
        await session.backends.close()
    assert outcome.status == "done", outcome.message
    preview = [e for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "preview"][-1]
    assert preview.data["counts"] == {"cart-totals": 50}
    assert not list(r.scan_iter("cart:total:*"))
    assert len(list(r.scan_iter("cart:items:*"))) == 10 and r.get("session:abc") == b"keep"
    assert results(tmp_path, "clear_caches")[-1].data["removed"] == {"cart-totals": 50}


REPAIR = """
[postgres]
readonly_dsn_env = "PG_RO"
repair_dsn_env = "PG_REPAIR"
[[actions.repairs]]
name = "release-duplicate-holds"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "release duplicates"
preview = "SELECT count(*) FROM holds h WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.released IS NULL AND k.id < h.id)"
sql = "UPDATE holds h SET released = now() WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.released IS NULL AND k.id < h.id)"
[[actions.repairs.statements]]
name = "mark unpaid for review"
marks_review = true
preview = "SELECT count(*) FROM orders WHERE status = 'paid' AND NOT captured"
sql = "UPDATE orders SET status = 'needs_review' WHERE status = 'paid' AND NOT captured"
"""


def seed_repair(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("""
            CREATE TABLE holds (id serial PRIMARY KEY, order_id int, released timestamptz);
            INSERT INTO holds (order_id) SELECT g % 10 FROM generate_series(1, 25) g;
            CREATE TABLE orders (id int, status text, captured bool);
            INSERT INTO orders SELECT g, 'paid', g % 4 <> 0 FROM generate_series(1, 20) g;
        """)


async def test_repair_commits_with_matching_counts_and_marks_for_review(
    tmp_path: Path, redis_url: str, pg_dsn: str
) -> None:
    seed_repair(pg_dsn)
    session = session_for(config_text(redis_url, extra=REPAIR), tmp_path, {"PG_RO": pg_dsn, "PG_REPAIR": pg_dsn})
    try:
        outcome = await session.run_action("repair", yes)
    finally:
        await session.backends.close()
    assert outcome.status == "done", outcome.message
    result = results(tmp_path, "repair")[-1].data
    assert result["applied"] == {"release duplicates": 15, "mark unpaid for review": 5}
    assert result["marked_for_review"] == 5 and len(result["sha256"]) == 64 and "UPDATE holds" in result["sql"]
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()[0] == 5


async def test_repair_rolls_back_when_a_row_appears_between_preview_and_run(
    tmp_path: Path, redis_url: str, pg_dsn: str
) -> None:
    seed_repair(pg_dsn)
    session = session_for(config_text(redis_url, extra=REPAIR), tmp_path, {"PG_RO": pg_dsn, "PG_REPAIR": pg_dsn})

    async def confirm_after_a_write(preview):
        with psycopg.connect(pg_dsn) as conn:  # the bad writer is still running
            conn.execute("INSERT INTO orders VALUES (99, 'paid', false)")
        return preview

    try:
        outcome = await session.run_action("repair", confirm_after_a_write)
    finally:
        await session.backends.close()
    assert outcome.status == "failed"
    assert "'mark unpaid for review' touched 6 rows, preview said 5 (+1)" in outcome.message
    assert "nothing changed" in outcome.message
    with psycopg.connect(pg_dsn) as conn:  # statement 1 matched but was rolled back too: one transaction
        assert conn.execute("SELECT count(*) FROM holds WHERE released IS NOT NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()[0] == 0


async def test_revert_streams_output_and_a_non_zero_exit_is_a_failure(tmp_path: Path, redis_url: str) -> None:
    ok = json.dumps([sys.executable, "-c", "print('rolling back checkout'); print('deployment rolled out')"])
    session = session_for(config_text(redis_url, revert=f"[actions.revert]\nargv = {ok}\n"), tmp_path)
    lines: list[str] = []
    try:
        outcome = await session.run_action("revert", yes, lines.append)
    finally:
        await session.backends.close()
    assert outcome.status == "done" and lines == ["rolling back checkout", "deployment rolled out"]
    assert results(tmp_path, "revert")[-1].data["exit_status"] == 0
    bad = json.dumps([sys.executable, "-c", "import sys; print('error: forbidden'); sys.exit(3)"])
    session = session_for(config_text(redis_url, revert=f"[actions.revert]\nargv = {bad}\n"), tmp_path)
    try:
        outcome = await session.run_action("revert", yes)
    finally:
        await session.backends.close()
    assert outcome.status == "failed" and "exited 3" in outcome.message and "state left" in outcome.message
    # No shell: metacharacters in argv are just text.
    shell = json.dumps(["echo", "$(touch /tmp/cockpit-pwned)", ";", "rm", "-rf", "/"])
    session = session_for(config_text(redis_url, revert=f"[actions.revert]\nargv = {shell}\n"), tmp_path)
    lines.clear()
    try:
        assert (await session.run_action("revert", yes, lines.append)).status == "done"
    finally:
        await session.backends.close()
    assert lines == ["$(touch /tmp/cockpit-pwned) ; rm -rf /"] and not Path("/tmp/cockpit-pwned").exists()


async def test_revert_webhook_that_times_out_says_the_state_is_unknown(tmp_path: Path, redis_url: str) -> None:
    with black_hole() as url:
        session = session_for(
            config_text(redis_url, revert=f'[actions.revert]\nwebhook_url = "{url}/rollback"\ntimeout = "1s"\n'),
            tmp_path,
        )
        try:
            outcome = await session.run_action("revert", yes)
        finally:
            await session.backends.close()
    assert outcome.status == "failed"
    assert "did not answer within 1s" in outcome.message and "unknown" in outcome.message


def run_act(tmp_path: Path, config: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "cockpit.toml"
    path.write_text(config)
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "--operator", "bob", "act", "--config", str(path), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_act_dry_run_prints_the_preview_and_changes_nothing(tmp_path: Path, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(12)})
    config = config_text(redis_url, journal=tmp_path / "j.jsonl")
    done = run_act(tmp_path, config, "clear_caches", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "cart-totals: 12 keys match 'cart:total:*'" in done.stdout and "dry run: nothing changed" in done.stdout
    assert len(list(r.scan_iter("cart:total:*"))) == 12
    done = run_act(tmp_path, config, "pause_risky", "--dry-run")
    assert done.returncode == 0 and "stops EVERY rq queue" in done.stdout
    assert not r.exists("rq:suspended")
    entries = read(tmp_path / "j.jsonl").entries
    assert [e.data.get("choice") for e in entries if e.data.get("phase") == "confirm"] == ["dry-run", "dry-run"]
    assert all(e.operator == "bob" for e in entries)


def test_act_takes_the_runbooks_action_instances_not_a_fixed_list(tmp_path: Path, redis_url: str) -> None:
    """The names come from the runbook the action registry built: a release's second cache
    clear (`clear_caches:STEP`) runs headless; a name the runbook lacks is refused with the list."""
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(3)})
    release = tmp_path / "release.toml"
    release.write_text(
        '[release]\nid = "r1"\nowner = "sam"\n'
        '[[changes]]\nid = "cart"\nkind = "cache"\nwhat = "cart totals"\nowner = "lee"\n'
        'undo = [{ action = "clear_caches", caches = ["cart-totals"] }]\n'
        '[[changes]]\nid = "cart-again"\nkind = "cache"\nwhat = "cart totals, second rule"\nowner = "lee"\n'
        'undo = [{ action = "clear_caches", caches = ["cart-totals"] }]\n'
    )
    config = config_text(redis_url, journal=tmp_path / "j.jsonl") + f'\n[release]\nfile = "{release}"\n'
    done = run_act(tmp_path, config, "clear_caches:cart-again", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "cart-totals: 3 keys match" in done.stdout
    done = run_act(tmp_path, config, "clear_cache", "--dry-run")
    assert done.returncode == 2
    assert "no action 'clear_cache' in this runbook (actions: " in done.stderr
    assert "clear_caches:cart-again" in done.stderr and "pause_queue" in done.stderr


def test_act_without_yes_and_without_a_terminal_changes_nothing(tmp_path: Path, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.set("cart:total:1", 1)
    done = run_act(tmp_path, config_text(redis_url, journal=tmp_path / "j.jsonl"), "clear_caches")
    assert done.returncode == 1 and "pass --yes" in done.stderr
    assert r.exists("cart:total:1")
    done = run_act(
        tmp_path, config_text(redis_url, journal=tmp_path / "j.jsonl"), "clear_caches", "cart-totals", "--yes"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not r.exists("cart:total:1")


def test_read_only_act_is_refused_and_writes_nothing(tmp_path: Path, redis_url: str) -> None:
    path = tmp_path / "cockpit.toml"
    path.write_text(config_text(redis_url, journal=tmp_path / "j.jsonl"))
    r = redis.Redis.from_url(redis_url)
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "--read-only", "act", "--config", str(path), "pause_risky", "--yes"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "read-only" in done.stdout
    assert not r.exists("rq:suspended") and r.hget("bull:invoices:meta", "paused") is None


async def test_celery_pause_is_a_real_cancel_consumer(tmp_path: Path, redis_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CELERY_BROKER_URL": redis_url}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "tests.celery_app",
            "worker",
            "-Q",
            "emails,control",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "-n",
            "mailer@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    config = config_text(redis_url) + '[[queues]]\nname = "emails"\nredis = "jobs"\nkind = "celery"\nqueue = "emails"\n'
    session = session_for(config, tmp_path)
    from tests.celery_app import app

    app.conf.broker_url = redis_url  # the test's own Redis, never the machine's
    try:
        await until(lambda: app.control.ping(timeout=0.5), timeout=30, what="the Celery worker to answer a ping")
        action = session.backends.targeted("pause_queue", "emails")
        session.actions[action.name] = action
        outcome = await session.run_action(action.name, yes)
        assert outcome.status == "done", outcome.message
        assert "not durable" in outcome.message
        output = [e.data["line"] for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "output"]
        assert any("acknowledged by mailer@" in line for line in output)
        sent = results(tmp_path, action.name)[-1].data["sent"]
        assert sent == [
            f"celery control cancel_consumer queue=emails via {redis_url}",
            "redis 'jobs': SET cockpit:celery-paused:emails 1",
        ]
        r = redis.Redis.from_url(redis_url)
        for i in range(5):
            app.send_task("shop.send_receipt", args=[i], queue="emails")
        # The worker still consumes its other queue: two pings, one after the other, are each
        # taken (Kombu polls its queues in turn), and meanwhile no receipt is.
        for _ in range(2):
            app.send_task("shop.ping", queue="control")
            await until(lambda: r.llen("control") == 0, timeout=30, what="the worker to take a ping")
        assert r.llen("emails") == 5  # the worker no longer consumes the queue
        action = session.backends.targeted("resume_queue", "emails")
        session.actions[action.name] = action
        assert (await session.run_action(action.name, yes)).status == "done"
        await until(lambda: r.llen("emails") == 0, timeout=30, what="the resumed worker to drain the queue")
    finally:
        worker.terminate()
        worker.wait(15)
        app.close()
        await session.backends.close()


def test_every_action_dry_run_changes_nothing(tmp_path: Path, redis_url: str, pg_dsn: str) -> None:
    seed_repair(pg_dsn)
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(5)})
    r.hset("flags:us-east", mapping={"new_checkout": "1", "checkout_read_only": "0"})
    marker = tmp_path / "reverted"
    revert = json.dumps([sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"])
    extra = REPAIR + '[actions.updates]\nstatus = "s {error_rate}"\ncustomer = "c"\nwebhook_url_env = "HOOK"\n'
    config = config_text(
        redis_url, journal=tmp_path / "j.jsonl", revert=f"[actions.revert]\nargv = {revert}\n", extra=extra
    )

    def snapshot() -> tuple:
        keys = sorted((k, r.type(k)) for k in r.scan_iter("*"))
        values = {
            k: r.get(k) if t == b"string" else r.hgetall(k) if t == b"hash" else r.smembers(k) if t == b"set" else None
            for k, t in keys
        }
        with psycopg.connect(pg_dsn) as conn:
            rows = conn.execute(
                "SELECT (SELECT count(*) FROM holds WHERE released IS NOT NULL),"
                " (SELECT count(*) FROM orders WHERE status = 'needs_review')"
            ).fetchone()
        return values, rows, marker.exists()

    with black_hole() as hook:
        before = snapshot()
        for action, target in [
            ("pause_risky", None),
            ("pause_queue", "mailers"),
            ("resume_queue", "legacy"),
            ("maintenance", None),
            ("flags_safe", None),
            ("revert", None),
            ("clear_caches", None),
            ("repair", None),
            ("restart_staged", None),
            ("status_update", None),
            ("customer_update", None),
        ]:
            args = [action] + ([target] if target else []) + ["--dry-run"]
            done = run_act(tmp_path, config, *args, env={"PG_RO": pg_dsn, "PG_REPAIR": pg_dsn, "HOOK": hook})
            assert done.returncode == 0, (action, done.stdout, done.stderr)
            assert "dry run: nothing changed" in done.stdout, action
        assert snapshot() == before
