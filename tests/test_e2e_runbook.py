"""The whole runbook through the TUI, on real servers: PostgreSQL, Redis with a real rq
worker, Prometheus scraping a checkout app whose error rate follows an Unleash flag."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.readings import ERROR_RATE
from cockpit.core.runbook import StepState
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator, read
from cockpit.ui.app import CockpitApp
from cockpit.wiring import build_live
from tests import jobs
from tests.conftest import select_only_dsn
from tests.drill_helpers import wait_until
from tests.http_apps import ShopState, serve, shop_handler
from tests.screen import screen_text
from tests.servers import kill_tree
from tests.test_drill_tui import confirm_step, declare, send_message
from tests.test_source_flags_checks import unleash_setup

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent
FLAG = "e2e_new_checkout"


class CheckoutApp:
    """The shop: its error rate (exported to Prometheus) and its payment step follow the
    flag in Unleash, until the release is reverted."""

    def __init__(self, unleash_url: str, exporter, shop: ShopState, marker: Path) -> None:
        self.unleash_url, self.exporter, self.shop, self.marker = unleash_url, exporter, shop, marker
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)

    def _follow(self) -> None:
        with httpx.Client(base_url=self.unleash_url, timeout=2) as client:
            while not self._stop.wait(0.3):
                try:
                    envs = client.get(f"/api/admin/projects/default/features/{FLAG}").json()["environments"]
                except (httpx.HTTPError, KeyError, ValueError):
                    continue
                on = any(e["name"] == "production" and e["enabled"] for e in envs)
                broken = on and not self.marker.exists()
                self.exporter.set_error_ratio(0.25 if broken else 0.0)
                self.shop.payments_broken = broken

    def __enter__(self) -> CheckoutApp:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(2)
        self.exporter.set_error_ratio(0.0)


def e2e_config(prom: str, redis_url: str, unleash: str, shop: str, marker: Path, journal: Path) -> str:
    revert = json.dumps(
        [
            sys.executable,
            "-c",
            f"import pathlib; pathlib.Path({str(marker)!r}).write_text('2026.11.2'); "
            "print('deployment.apps/checkout rolled back')",
        ]
    )
    return f'''
[incident]
title = "Checkout failing after release 2026.11.3"
service = "checkout"
journal = "{journal}"
[prometheus]
url = "{prom}"
interval = "1s"
timeout = "2s"
backfill = "1m"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[4s])) / sum(rate(http_requests_total{{service="checkout"}}[4s]))'
warn = 0.02
critical = 0.05
[redis.jobs]
url = "{redis_url}"
interval = "500ms"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
stage = 1
[regions.eu-west]
backend = "unleash"
url = "{unleash}"
environment = "production"
interval = "1s"
timeout = "3s"
[regions.us-east]
backend = "redis-hash"
redis = "jobs"
key = "flags:us-east"
interval = "1s"
[[flags]]
name = "{FLAG}"
safe = false
[postgres]
readonly_dsn_env = "E2E_PG_RO"
repair_dsn_env = "E2E_PG"
interval = "1s"
[[postgres.suspects]]
name = "duplicate discount holds"
sql = "SELECT count(*) FROM holds h WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.released IS NULL AND k.id < h.id)"
[[postgres.suspects]]
name = "paid without captured payment"
sql = "SELECT count(*) FROM orders WHERE status = 'paid' AND NOT captured"
[[checks]]
name = "checkout"
interval = "1s"
[[checks.steps]]
name = "log in"
method = "POST"
url = "{shop}/api/login"
form_env = {{ password = "E2E_PW" }}
[[checks.steps]]
name = "pay"
method = "POST"
url = "{shop}/api/checkout"
expect_text = "order confirmed"
[actions.revert]
argv = {revert}
[[actions.caches]]
name = "cart-totals"
redis = "jobs"
pattern = "cart:total:*"
[[actions.repairs]]
name = "release-duplicate-holds"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "release duplicates"
preview = "SELECT count(*) FROM holds h WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.released IS NULL AND k.id < h.id)"
sql = "UPDATE holds h SET released = now() WHERE released IS NULL AND EXISTS (SELECT 1 FROM holds k WHERE k.order_id = h.order_id AND k.released IS NULL AND k.id < h.id)"
[[actions.repairs.statements]]
name = "mark for review"
marks_review = true
preview = "SELECT count(*) FROM orders WHERE status = 'paid' AND NOT captured"
sql = "UPDATE orders SET status = 'needs_review' WHERE status = 'paid' AND NOT captured"
[actions.restart]
settle = "1s"
max_error_rate = 0.05
[actions.updates]
status = "[{{severity}}] {{title}}: error rate {{error_rate}}, suspects {{suspects_total}}."
customer = "Checkout is back. {{status_sentence}}"
[gate]
window = "3s"
max_error_rate = 0.02
'''


def results(path: Path, action: str) -> list:
    return [e for e in read(path).entries if e.data.get("action") == action and e.data.get("phase") == "result"]


async def test_whole_runbook_on_real_systems(
    tmp_path: Path, prometheus_server, metrics_exporter, redis_url: str, pg_dsn: str, unleash_server
) -> None:
    from rq import Queue, Worker

    unleash_setup(unleash_server.url, FLAG, 25)
    conn = redis.Redis.from_url(redis_url)
    conn.hset("flags:us-east", FLAG, "25")
    conn.mset({**{f"cart:total:{i}": i for i in range(30)}, "cart:items:1": "keep", "session:1": "keep"})
    with psycopg.connect(pg_dsn) as db:
        db.execute("""
            CREATE TABLE holds (id serial PRIMARY KEY, order_id int, released timestamptz);
            INSERT INTO holds (order_id) SELECT g % 6 FROM generate_series(1, 18) g;
            CREATE TABLE orders (id int, status text, captured bool);
            INSERT INTO orders SELECT g, 'paid', g % 5 <> 0 FROM generate_series(1, 20) g;
        """)
    q = Queue("payment_retry", connection=conn)
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "rq"), "worker", "payment_retry", "--url", redis_url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while not Worker.all(connection=conn) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    marker = tmp_path / "reverted"
    shop = ShopState()
    path = tmp_path / "incident.jsonl"
    try:
        with serve(shop_handler(shop)) as shop_url, CheckoutApp(unleash_server.url, metrics_exporter, shop, marker):
            cfg = loads(e2e_config(prometheus_server.url, redis_url, unleash_server.url, shop_url, marker, path))
            journal = Journal.open(path, Operator("alice"))
            app = CockpitApp(
                Session(
                    build_live(cfg, {"E2E_PG": pg_dsn, "E2E_PG_RO": select_only_dsn(pg_dsn), "E2E_PW": "s3cret-pw"}),
                    journal,
                )
            )
            board = app.session.board
            state = app.session.runbook.state
            async with app.run_test(size=(160, 50)) as pilot:
                await wait_until(
                    pilot,
                    lambda: (
                        isinstance(board.value(ERROR_RATE, "checkout 5xx ratio"), float)
                        and board.value(ERROR_RATE, "checkout 5xx ratio") > 0.1
                    ),
                    timeout=40,
                    what="the error rate of the broken release",
                )
                await declare(pilot, "checkout fails for a quarter of payments")
                await send_message(pilot, "a")
                await wait_until(pilot, lambda: state("alert") is StepState.DONE, what="alert")

                await confirm_step(pilot, "s", "stops EVERY rq queue")
                await wait_until(pilot, lambda: state("stop") is StepState.DONE, what="stop")
                for _ in range(10):
                    q.enqueue(jobs.slow_replay, 0.01)
                # It may take the one job its blocked dequeue was waiting for, then it sees
                # rq:suspended and says so; from then on it takes nothing.
                await wait_until(
                    pilot,
                    lambda: any(w.get_state() == "suspended" for w in Worker.all(connection=conn)),
                    timeout=30,
                    what="the rq worker to report itself suspended",
                )
                assert q.count >= 9  # the real worker takes nothing while suspended

                await confirm_step(pilot, "f", f"{FLAG}@eu-west: 25% -> off")
                await wait_until(pilot, lambda: state("flags") is StepState.DONE, timeout=30, what="flags")
                readback = results(path, "flags_safe")[-1].data["readback"]
                assert readback == {f"{FLAG}@eu-west": 0.0, f"{FLAG}@us-east": 0.0}

                await confirm_step(pilot, "r", "run (no shell)")
                await wait_until(pilot, lambda: state("revert") is StepState.DONE, what="revert")
                assert marker.read_text() == "2026.11.2"

                await confirm_step(pilot, "c", "30 keys match")
                await wait_until(pilot, lambda: state("cache") is StepState.DONE, what="cache")
                assert not list(conn.scan_iter("cart:total:*"))
                assert conn.get("cart:items:1") == b"keep" and conn.get("session:1") == b"keep"

                await confirm_step(pilot, "p", "release duplicates: 12 rows")
                await wait_until(pilot, lambda: state("repair") is StepState.DONE, what="repair")
                with psycopg.connect(pg_dsn) as db:
                    assert db.execute("SELECT count(*) FROM holds WHERE released IS NULL").fetchone()[0] == 6
                    assert db.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()[0] == 4

                # The restart's guard halts it while the error rate is over 5%: like the operator,
                # wait until the errors from before the revert have left the rate's window.
                await wait_until(
                    pilot,
                    lambda: (
                        (rate := board.value(ERROR_RATE, "checkout 5xx ratio")) is not None
                        and isinstance(rate, float)
                        and rate < 0.05
                    ),
                    timeout=20,
                    what="the error rate under the restart guard's limit",
                )
                await confirm_step(pilot, "j", "stage 1: payment-retry")
                await wait_until(pilot, lambda: state("restart") is StepState.DONE, timeout=30, what="restart")
                deadline = time.monotonic() + 20
                while q.count and time.monotonic() < deadline:
                    await pilot.pause(0.2)
                assert q.count == 0  # drained after the staged restart

                await pilot.press("v")
                await wait_until(pilot, lambda: state("verify") is StepState.DONE, timeout=20, what="verify")
                await pilot.press("w")
                await wait_until(pilot, lambda: "SERVICE RESTORED" in screen_text(app), timeout=60, what="gate green")
                await send_message(pilot, "u")
                await wait_until(pilot, lambda: state("update") is StepState.DONE, what="customer update")
                await pilot.press("x")
                await wait_until(
                    pilot, lambda: app.focused is not None and app.focused.id == "cancel", what="close dialog"
                )
                await pilot.press("y", "tab")  # y alone never closes: Tab to the Close button, Enter
                await wait_until(pilot, lambda: app.focused is not None and app.focused.id == "close", what="on Close")
                await pilot.press("enter")
                await wait_until(pilot, lambda: state("close") is StepState.DONE, what="closed")
            journal.close()
    finally:
        kill_tree(worker.pid)  # the worker and its work-horse
        worker.wait()
    entries = read(path).entries
    for action in ("pause_risky", "flags_safe", "revert", "clear_caches", "repair", "restart_staged"):
        result = results(path, action)[-1]
        assert result.data["ok"], (action, result.summary)
        assert result.data["before"] and result.data["after"], action
    first = results(path, "pause_risky")[-1]
    closed = next(e for e in entries if e.kind == "close")
    assert first.data["before"]["error_rate"]["checkout 5xx ratio"] > 0.1
    assert closed.data["error_rate"]["checkout 5xx ratio"] < 0.02 and closed.data["gate"] == "RESTORED"
    assert not closed.data["override"]
    gates = [e.data["state"] for e in entries if e.kind == "gate"]
    assert "MITIGATED" in gates and gates.index("RESTORED") > gates.index("MITIGATED")
