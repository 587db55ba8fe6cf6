"""No false "safe" readings, against real servers: a deleted Redis flag hash or a missing
field reads missing (and fails flags_safe verify), an Unleash project without the flag reads
missing in that cell only, a PromQL selector that matches nothing reads NO DATA and keeps the
gate closed, and check-config --env names an unset variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import redis

from cockpit.actions import Preview, Result
from cockpit.actions.flags import SetFlags
from cockpit.backends.flags import FlagRegionSource
from cockpit.backends.prometheus import PrometheusSource
from cockpit.config import loads
from cockpit.core.flagmatrix import build_matrix
from cockpit.core.gate import NOT_RESTORED, Gate
from cockpit.core.readings import ERROR_RATE, FLAGS, Board

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent


def redis_flags(redis_url: str, missing: str = "") -> str:
    return f'''
[incident]
title = "t"
service = "checkout"
[redis.flags]
url = "{redis_url}"
[regions.us-east]
backend = "redis-hash"
redis = "flags"
key = "flags:us-east"
[[flags]]
name = "new_checkout"
safe = false
{missing}
[[flags]]
name = "checkout_read_only"
safe = false
'''


async def read_board(sources: list[FlagRegionSource]) -> Board:
    board = Board()
    for source in sources:
        board.update(await source.read())
    return board


async def test_a_deleted_flag_hash_and_a_missing_field_read_missing_and_fail_verify(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.hset("flags:us-east", mapping={"new_checkout": "0"})  # checkout_read_only: no such field
    cfg = loads(redis_flags(redis_url))
    source = FlagRegionSource(cfg.regions[0], cfg.flags, cfg, {})
    action = SetFlags(
        [source],
        {"new_checkout": False, "checkout_read_only": False},
        name="flags_safe",
        title="flags safe",
        step="flags",
        patience=0,
    )
    try:
        board = await read_board([source])
        field = board.slot(FLAGS, "checkout_read_only@us-east").latest
        assert field.value is None and field.detail.missing
        assert "field 'checkout_read_only' not in hash 'flags:us-east'" in field.detail.missing_reason
        assert board.value(FLAGS, "new_checkout@us-east") == 0.0
        assert build_matrix(board).cells[("checkout_read_only", "us-east")].missing
        verified = await action.verify(Preview("flags_safe", "flags safe", ()), Result(True, "written"))
        assert not verified.ok and "checkout_read_only@us-east unreadable: MISSING" in verified.summary

        client.delete("flags:us-east")  # e.g. Flipper's disable DELs the whole hash
        board = await read_board([source])
        for flag in ("new_checkout", "checkout_read_only"):
            reading = board.slot(FLAGS, f"{flag}@us-east").latest
            assert reading.value is None and "hash 'flags:us-east' does not exist" in reading.detail.missing_reason
        verified = await action.verify(Preview("flags_safe", "flags safe", ()), Result(True, "written"))
        assert not verified.ok and "new_checkout@us-east unreadable: MISSING" in verified.summary
        status = Gate(cfg, board).evaluate()
        flags = next(c for c in status.conditions if c.name == "flags")
        assert not flags.ok and flags.word == "missing" and status.state == NOT_RESTORED
    finally:
        await source.close()


async def test_missing_off_is_the_one_way_an_absent_flag_reads_off(redis_url: str) -> None:
    cfg = loads(redis_flags(redis_url, 'missing = "off"'))
    source = FlagRegionSource(cfg.regions[0], cfg.flags, cfg, {})
    action = SetFlags([source], {"new_checkout": False}, name="flags_safe", title="t", step="flags", patience=0)
    try:
        board = await read_board([source])
        assert board.value(FLAGS, "new_checkout@us-east") == 0.0  # configured: absent means off
        assert board.value(FLAGS, "checkout_read_only@us-east") is None  # not configured: missing
        assert (await action.verify(Preview("flags_safe", "t", ()), Result(True, "written"))).ok
    finally:
        await source.close()


async def test_an_unleash_project_without_the_flag_reads_missing_in_that_cell_only(unleash_server) -> None:
    with httpx.Client(base_url=unleash_server.url, timeout=10) as c:
        created = c.post("/api/admin/projects/default/features", json={"name": "present_flag"})
        assert created.status_code in (201, 409), created.text
    cfg = loads(f'''
[incident]
title = "t"
service = "checkout"
[regions.eu-west]
backend = "unleash"
url = "{unleash_server.url}"
environment = "development"
timeout = "3s"
[[flags]]
name = "present_flag"
safe = false
[[flags]]
name = "never_created_flag"
safe = false
''')
    source = FlagRegionSource(cfg.regions[0], cfg.flags, cfg, {})
    try:
        board = await read_board([source])
    finally:
        await source.close()
    present = board.slot(FLAGS, "present_flag@eu-west").latest
    absent = board.slot(FLAGS, "never_created_flag@eu-west").latest
    assert present.error is None and present.value == 0.0 and not present.detail.missing
    assert absent.error is None and absent.value is None and absent.detail.missing
    assert "never_created_flag" in absent.detail.missing_reason  # the API's own message names it
    cell = build_matrix(board).cells[("never_created_flag", "eu-west")]
    assert cell.missing and cell.observed is None


PROMETHEUS = """
[incident]
title = "t"
service = "checkout"
[prometheus]
url = "{url}"
timeout = "2s"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{service="no-such-service"}}[1m]))'
{no_data}
[gate]
window = "1s"
"""


async def test_a_promql_selector_matching_nothing_reads_no_data_and_keeps_the_gate_closed(
    prometheus_server, tmp_path: Path
) -> None:
    cfg = loads(PROMETHEUS.format(url=prometheus_server.url, no_data=""))
    source = PrometheusSource(cfg.prometheus)
    try:
        readings = await source.read()
    finally:
        await source.close()
    assert readings[0].value == "no data" and readings[0].error is None
    board = Board()
    board.update(readings)
    status = Gate(cfg, board).evaluate()
    error_rate = next(c for c in status.conditions if c.name == "error rate")
    assert not error_rate.ok and error_rate.word == "NO DATA" and status.state == NOT_RESTORED
    assert status.reason.startswith("error rate: checkout 5xx ratio: NO DATA")

    path = tmp_path / "nodata.toml"
    path.write_text(PROMETHEUS.format(url=prometheus_server.url, no_data=""))
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "snapshot", "--config", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    import json

    snap = json.loads(done.stdout)
    assert snap["gate"]["state"] == NOT_RESTORED and snap["ok"] is False
    assert any(
        c["name"] == "error rate" and not c["ok"] and "NO DATA" in c["detail"] for c in snap["gate"]["conditions"]
    )
    assert snap[ERROR_RATE][0]["value"] == "no data"

    path.write_text(PROMETHEUS.format(url=prometheus_server.url, no_data='no_data = "zero"'))
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "snapshot", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✔ error rate" in done.stdout


def test_check_config_env_names_an_unset_variable_and_a_backend_that_does_not_answer(
    redis_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "env.toml"
    path.write_text(f'''
[incident]
title = "t"
service = "checkout"
[redis.jobs]
url_env = "GATE_TEST_JOBS_URL"
[redis.cache]
url = "{redis_url}"
[[queues]]
name = "emails"
redis = "jobs"
kind = "list"
[[queues]]
name = "carts"
redis = "cache"
kind = "list"
''')
    env = {k: v for k, v in os.environ.items() if k != "GATE_TEST_JOBS_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(path), "--env"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "  GATE_TEST_JOBS_URL: NOT SET" in lines
    assert any(line.startswith("  FAIL backend queues@jobs") and "GATE_TEST_JOBS_URL" in line for line in lines), lines
    assert any(line.startswith("  OK   backend queues@cache") for line in lines), lines
    env["GATE_TEST_JOBS_URL"] = redis_url
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(path), "--env"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  GATE_TEST_JOBS_URL: set" in done.stdout and "OK   backend queues@jobs" in done.stdout


def test_a_flag_without_a_regions_list_lives_in_every_region() -> None:
    cfg = loads("""
[incident]
title = "t"
service = "checkout"
[regions.eu]
backend = "http-json"
url = "http://127.0.0.1:1/flags"
[regions.us]
backend = "http-json"
url = "http://127.0.0.1:1/flags"
[[flags]]
name = "read_only"
safe = false
regions = []
[actions.maintenance]
flag = "read_only"
""")
    assert cfg.flags[0].regions == ("eu", "us")


async def test_cockpit_run_shows_preflight_failures_on_screen(redis_url: str, tmp_path: Path) -> None:
    from cockpit.cli.preflight import preflight
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, Operator
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.close_dialog import PreflightScreen
    from cockpit.wiring import build_live
    from tests.drill_helpers import wait_until
    from tests.screen import screen_text

    cfg = loads(f'''
[incident]
title = "t"
service = "checkout"
[redis.jobs]
url_env = "GATE_TEST_UNSET_URL"
[redis.cache]
url = "{redis_url}"
[[queues]]
name = "emails"
redis = "jobs"
kind = "list"
[[queues]]
name = "carts"
redis = "cache"
kind = "list"
''')

    async def check() -> list[str]:
        return [c.line() for c in await preflight(cfg, {}) if not c.ok]

    journal = Journal.open(tmp_path / "run.jsonl", Operator("alice"))
    app = CockpitApp(Session(build_live(cfg, {}), journal), preflight=check)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, PreflightScreen), what="preflight dialog")
        await wait_until(pilot, lambda: "Preflight" in screen_text(app), what="preflight drawn")
        text = screen_text(app)
        assert "FAIL env GATE_TEST_UNSET_URL (redis.jobs.url_env): NOT SET or empty" in text
        assert "FAIL backend queues@jobs" in text and "OK   backend" not in text
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, PreflightScreen), what="dismissed")
    journal.close()
