"""The fault suite, for actions: a backend fails between the preview and the confirmation
(or in the middle of the work), and the action must not silently do half its work. Each
test checks the three places the truth must agree: what the operator is told, what the
journal records, and what the real backend now holds."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.readings import ERROR_RATE
from cockpit.core.runbook import StepState
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator, read
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens import ConfirmScreen
from cockpit.wiring import build_live
from tests.drill_helpers import wait_until
from tests.faults import FaultProxy
from tests.http_apps import FlagEndpointState, flag_endpoint_handler, serve
from tests.screen import screen_text
from tests.test_actions_live import REPAIR, seed_repair

pytestmark = pytest.mark.servers

HEAD = '[incident]\ntitle = "fault drill"\nservice = "checkout"\n'


def session_for(text: str, tmp_path: Path, env: dict[str, str] | None = None) -> Session:
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    return Session(build_live(loads(HEAD + text), env or {}), journal)


def result_entry(tmp_path: Path, action: str):
    found = [
        e
        for e in read(tmp_path / "j.jsonl").entries
        if e.data.get("action") == action and e.data.get("phase") == "result"
    ]
    assert found, f"no result entry for {action}"
    return found[-1]


async def finish(session: Session, *proxies: FaultProxy) -> None:
    for proxy in proxies:
        proxy.stop()
    await session.backends.close()
    session.journal.close()


def proxy_to(url: str) -> FaultProxy:
    target = urlsplit(url)
    return FaultProxy(target.hostname or "127.0.0.1", target.port or 0).start()


def databases(redis_url: str) -> tuple[redis.Redis, redis.Redis]:
    """Clients for database 0 (the "jobs" Redis) and 1 (the "edge" Redis behind the proxy)."""
    base = redis_url.rsplit("/", 1)[0]
    return redis.Redis.from_url(f"{base}/0"), redis.Redis.from_url(f"{base}/1")


def two_redis_queues(redis_url: str, proxy: FaultProxy) -> str:
    """payment-retry (rq) on a Redis reached directly, webhooks (a home-grown list with a
    pause key) on one reached through the fault proxy: database 1 of the same server."""
    return f'''
[redis.jobs]
url = "{redis_url}"
timeout = "1s"
[redis.edge]
url = "redis://{proxy.address}/1"
timeout = "1s"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
stage = 1
[[queues]]
name = "webhooks"
redis = "edge"
kind = "list"
queue = "webhooks"
pause_key = "webhooks:paused"
risky = true
stage = 2
[actions.restart]
settle = "1s"
'''


async def test_pausing_with_one_redis_gone_after_the_preview_says_what_paused(tmp_path: Path, redis_url: str) -> None:
    """Through the TUI: preview, the edge Redis dies, confirm; one queue pauses, one cannot."""
    direct, edge = databases(redis_url)
    direct.rpush("rq:queue:payment_retry", *range(5))
    edge.rpush("webhooks", *range(3))
    proxy = proxy_to(redis_url)
    session = session_for(two_redis_queues(redis_url, proxy), tmp_path)
    app = CockpitApp(session)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:  # toasts on, as for a user
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirmation with preview")
            assert "webhooks" in screen_text(app) and "payment-retry" in screen_text(app)
            proxy.set_mode("down")  # between the preview and the operator's "y"
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: session.runbook.state("stop") is StepState.FAILED,
                timeout=15,
                what="the stop step marked failed",
            )
            await wait_until(
                pilot,
                lambda: "State left: paused: payment-retry" in screen_text(app),
                what="the operator is told what state the queues are in",
            )
    finally:
        await finish(session, proxy)
    entry = result_entry(tmp_path, "pause_risky")
    assert entry.data["ok"] is False
    assert entry.data["paused"] == ["payment-retry"] and entry.data["not_changed"] == ["webhooks"]
    assert "paused: payment-retry" in entry.data["state_left"] and "NOT paused: webhooks" in entry.data["state_left"]
    # The backends agree with what the operator was told.
    assert direct.exists("rq:suspended") == 1
    assert edge.exists("webhooks:paused") == 0


async def test_a_pause_that_times_out_after_sending_is_unknown_not_undone(tmp_path: Path, redis_url: str) -> None:
    proxy = proxy_to(redis_url)
    session = session_for(two_redis_queues(redis_url, proxy), tmp_path)

    async def hang_then_confirm(preview):
        proxy.set_mode("slow")  # connections are accepted, nothing ever answers
        return preview

    try:
        outcome = await session.run_action("pause_risky", hang_then_confirm)
    finally:
        await finish(session, proxy)
    assert outcome.status == "failed"
    entry = result_entry(tmp_path, "pause_risky")
    assert entry.data["unknown"] == ["webhooks"], entry.data
    assert "unknown (the command may have landed" in entry.data["state_left"]
    assert "could not read back" in entry.data["verify"]  # the read-back failed too, and says so


async def test_flags_to_safe_with_one_region_down_and_one_hanging(tmp_path: Path, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.hset("flags:us-east", "new_checkout", "25")
    down_state = FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}})
    hung_state = FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}})
    with serve(flag_endpoint_handler(down_state)) as down_url, serve(flag_endpoint_handler(hung_state)) as hung_url:
        down, hung = proxy_to(down_url), proxy_to(hung_url)
        session = session_for(
            f'''
[redis.jobs]
url = "{redis_url}"
[regions.us-east]
backend = "redis-hash"
redis = "jobs"
key = "flags:us-east"
[regions.ap-south]
backend = "http-json"
url = "http://{down.address}/flags"
timeout = "1s"
[regions.eu-west]
backend = "http-json"
url = "http://{hung.address}/flags"
timeout = "1s"
[[flags]]
name = "new_checkout"
safe = false
''',
            tmp_path,
        )

        async def fail_then_confirm(preview):
            assert "new_checkout@ap-south: 25% -> off" in preview.touches
            down.set_mode("down")
            hung.set_mode("slow")
            return preview

        session.actions["flags_safe"].patience = 2.0  # down and hung never catch up
        try:
            outcome = await session.run_action("flags_safe", fail_then_confirm)
        finally:
            await finish(session, down, hung)
    assert outcome.status == "failed"
    data = result_entry(tmp_path, "flags_safe").data
    assert data["written"] == ["new_checkout@us-east"]
    assert data["not_changed"] == ["new_checkout@ap-south"]  # refused: it never got the write
    assert data["unknown"] == ["new_checkout@eu-west"]  # timed out: it may have
    assert "NOT changed (still serve their old value): new_checkout@ap-south" in data["state_left"]
    assert "new_checkout@ap-south unreadable" in data["verify"] and "new_checkout@eu-west unreadable" in data["verify"]
    # The regions hold what the journal says.
    assert r.hget("flags:us-east", "new_checkout") == b"0"
    assert down_state.flags["new_checkout"] == {"enabled": True, "rollout": 25}
    assert hung_state.flags["new_checkout"] == {"enabled": True, "rollout": 25}


@pytest.mark.parametrize("deliver", [False, True], ids=["commit-lost-on-the-way", "reply-lost-after-commit"])
async def test_a_repair_whose_connection_dies_at_commit_finds_out_what_happened(
    tmp_path: Path, redis_url: str, pg_dsn: str, deliver: bool
) -> None:
    seed_repair(pg_dsn)
    proxy = proxy_to(pg_dsn)
    repair_dsn = f"postgresql://postgres@{proxy.address}{urlsplit(pg_dsn).path}"
    session = session_for(
        f'[redis.jobs]\nurl = "{redis_url}"\n' + REPAIR, tmp_path, {"PG_RO": pg_dsn, "PG_REPAIR": repair_dsn}
    )

    async def cut_at_commit(preview):
        proxy.cut(b"COMMIT", deliver=deliver)
        return preview

    try:
        outcome = await session.run_action("repair", cut_at_commit)
    finally:
        await finish(session, proxy)
    assert proxy.cuts == 1
    data = result_entry(tmp_path, "repair").data
    lines = [e.data["line"] for e in read(tmp_path / "j.jsonl").entries if e.data.get("phase") == "output"]
    assert any("connection lost during COMMIT" in line for line in lines)
    with psycopg.connect(pg_dsn) as conn:
        released = conn.execute("SELECT count(*) FROM holds WHERE released IS NOT NULL").fetchone()[0]
        review = conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()[0]
    if deliver:  # the server committed; only the answer was lost
        assert outcome.status == "done", outcome.message
        assert data["commit_lost_in_transit"] is True and (released, review) == (15, 5)
    else:  # the COMMIT never arrived: the server rolled the whole transaction back
        assert outcome.status == "failed"
        assert "server rolled back" in outcome.message and data["state_left"].startswith("nothing changed")
        assert (released, review) == (0, 0)


async def test_a_staged_restart_does_not_go_on_blind(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    direct, edge = databases(redis_url)
    direct.set("rq:suspended", 1)
    edge.set("webhooks:paused", 1)
    metrics_exporter.set_error_ratio(0.0)
    redis_proxy, prom_proxy = proxy_to(redis_url), proxy_to(prometheus_server.url)
    session = session_for(
        two_redis_queues(redis_url, redis_proxy)
        + f"""
[prometheus]
url = "http://{prom_proxy.address}"
timeout = "1s"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5s])) / sum(rate(http_requests_total[5s]))'
[gate]
max_error_rate = 0.5
""",
        tmp_path,
    )

    async def prometheus_down_at_confirm(preview):
        prom_proxy.set_mode("down")
        return preview

    def prometheus_down_after_stage_1(line: str) -> None:
        if line.startswith("stage 1: DEL") or line.startswith("stage 1: payment-retry"):
            prom_proxy.set_mode("down")

    try:
        # A Prometheus just started has no rate yet (NO DATA: the guard could not judge either).
        await until_error_rate(session)
        # Prometheus unreadable before anything starts: the guard cannot judge, nobody can be
        # asked (headless), so the step aborts and nothing is resumed.
        first = await session.run_action("restart_staged", prometheus_down_at_confirm)
        assert first.status == "failed" and "ABORTED before stage 1" in first.message, first.message
        assert "unreachable" in first.message
        assert direct.exists("rq:suspended") and edge.exists("webhooks:paused")
        # Prometheus goes away once stage 1 is resumed: stage 2 stays paused, and the journal says so.
        prom_proxy.set_mode("pass")
        second = await session.run_action("restart_staged", _yes, prometheus_down_after_stage_1)
    finally:
        await finish(session, redis_proxy, prom_proxy)
    assert second.status == "failed", second.message
    assert "ABORTED after stage 1" in second.message and "unreachable" in second.message, second.message
    data = result_entry(tmp_path, "restart_staged").data
    assert data["still_paused"] == ["webhooks"] and data["stopped_at"] == 1, data
    assert "stage 1 (payment-retry) resumed (left running" in data["state_left"]
    assert not direct.exists("rq:suspended") and edge.exists("webhooks:paused")


async def until_error_rate(session: Session) -> None:
    deadline = time.monotonic() + 30
    while not isinstance(session.board.value(ERROR_RATE, "checkout 5xx ratio"), float):
        assert time.monotonic() < deadline, "Prometheus never gave an error rate"
        await asyncio.sleep(0.5)
        await session.refresh_now()


async def _yes(preview):
    return preview
