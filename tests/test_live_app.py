"""`cockpit run` and `cockpit snapshot` on real servers: the same screen, fed by real backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.readings import QUEUES
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens import NoteScreen
from cockpit.wiring import build_live
from tests.conftest import select_only_dsn
from tests.drill_helpers import wait_until
from tests.http_apps import FlagEndpointState, ShopState, flag_endpoint_handler, serve, shop_handler
from tests.screen import screen_text

pytestmark = pytest.mark.servers


def live_config_text(prom_url: str, redis_url: str, flags_url: str, shop_url: str, journal: Path) -> str:
    return f'''
[incident]
title = "Checkout failing after release 2026.11.3"
service = "checkout"
journal = "{journal}"

[prometheus]
url = "{prom_url}"
interval = "1s"
timeout = "10s"  # generous: a loaded test machine must not turn a slow first read into a failure
backfill = "1m"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[5s])) / sum(rate(http_requests_total{{service="checkout"}}[5s]))'

[redis.jobs]
url = "{redis_url}"
interval = "500ms"
timeout = "10s"

[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true

[regions.us-east]
backend = "redis-hash"
redis = "jobs"
key = "flags:us-east"
interval = "1s"
[regions.ap-south]
backend = "http-json"
url = "{flags_url}"
interval = "1s"

[[flags]]
name = "new_checkout"
safe = false

[postgres]
readonly_dsn_env = "TEST_PG_RO"
interval = "1s"
[[postgres.suspects]]
name = "paid without captured payment"
sql = "SELECT count(*) FROM orders WHERE status = 'paid'"

[[checks]]
name = "checkout"
interval = "1s"
[[checks.steps]]
name = "log in"
method = "POST"
url = "{shop_url}/api/login"
form_env = {{ password = "SYNTH_PW" }}
[[checks.steps]]
name = "pay"
method = "POST"
url = "{shop_url}/api/checkout"
expect_text = "order confirmed"
'''


def seed(dsn: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE orders (id int, status text)")
        conn.execute("INSERT INTO orders SELECT g, 'paid' FROM generate_series(1, 12) g")


async def test_the_screen_on_real_backends_survives_redis_going_away(
    tmp_path: Path, prometheus_server, metrics_exporter, redis_server, redis_url: str, pg_dsn: str
) -> None:
    seed(pg_dsn)
    r = redis.Redis.from_url(redis_url)
    r.rpush("rq:queue:payment_retry", *[f"job-{i}" for i in range(42)])
    r.hset("flags:us-east", "new_checkout", "25")
    with (
        serve(shop_handler(ShopState())) as shop_url,
        serve(
            flag_endpoint_handler(FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}}))
        ) as flags_url,
    ):
        cfg = loads(live_config_text(prometheus_server.url, redis_url, flags_url, shop_url, tmp_path / "j.jsonl"))
        env = {"TEST_PG_RO": select_only_dsn(pg_dsn), "SYNTH_PW": "s3cret-pw"}
        journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
        app = CockpitApp(Session(build_live(cfg, env), journal))
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(
                pilot,
                lambda: all(w in screen_text(app) for w in ("payment-retry", "42", "12", "25%◐", "✔PASS", "LIVE")),
                timeout=30,
                what="live values on screen",
            )
            redis_server.stop(remove=False)
            # The panel turns UNREACHABLE and keeps showing the last good value (under load the
            # repaint may come a frame after the border's state).
            await wait_until(
                pilot,
                lambda: "UNREACHABLE" in (text := screen_text(app)) and "42" in text,
                timeout=15,
                what="queues unreachable, the last good depth still shown",
            )
            assert app.session.board.value(QUEUES, "payment-retry") == 42.0  # last good value kept
            await pilot.press("n")  # the UI still answers keys while Redis is down
            await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="note dialog")
            await pilot.press("escape")
            redis_server.start()  # same port, empty data
            redis.Redis.from_url(redis_url).rpush("rq:queue:payment_retry", "job-a", "job-b")
            await wait_until(
                pilot,
                lambda: app.session.board.value(QUEUES, "payment-retry") == 2.0,
                timeout=20,
                what="queues recovered by themselves",
            )
            await wait_until(pilot, lambda: "UNREACHABLE" not in screen_text(app), timeout=10, what="panel recovered")
        journal.close()


def test_snapshot_prints_every_panel_as_json(tmp_path: Path, prometheus_server, redis_url: str, pg_dsn: str) -> None:
    seed(pg_dsn)
    redis.Redis.from_url(redis_url).rpush("rq:queue:payment_retry", "a", "b", "c")
    with (
        serve(shop_handler(ShopState())) as shop_url,
        serve(flag_endpoint_handler(FlagEndpointState({"new_checkout": False}))) as flags_url,
    ):
        path = tmp_path / "cockpit.toml"
        path.write_text(live_config_text(prometheus_server.url, redis_url, flags_url, shop_url, tmp_path / "j.jsonl"))
        env = {**os.environ, "TEST_PG_RO": select_only_dsn(pg_dsn), "SYNTH_PW": "s3cret-pw"}
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", "snapshot", "--config", str(path), "--json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert done.returncode in (0, 1), done.stderr
        snap = json.loads(done.stdout)
        assert set(snap) >= {"error_rate", "queues", "flags", "suspects", "checks", "taken_at", "ok"}
        queue = snap["queues"][0]
        assert queue["source"] == "queues@jobs" and queue["name"] == "payment-retry" and queue["value"] == 3
        assert set(queue) >= {"source", "name", "value", "age_s", "error"}
        assert snap["suspects"][0]["value"] == 12
        assert {f["name"]: f["value"] for f in snap["flags"]}["new_checkout@ap-south"] == 0
        assert [c["detail"]["ok"] for c in snap["checks"]] == [True, True]
        text = subprocess.run(
            [sys.executable, "-m", "cockpit", "snapshot", "--config", str(path)],
            capture_output=True,
            text=True,
            env={**env, "SYNTH_PW": "wrong"},
            timeout=60,
        )
        assert text.returncode == 1  # a failing check makes the snapshot fail, for scripts
        assert "FAIL HTTP 401" in text.stdout and "payment-retry" in text.stdout
