"""Guards against real servers: a staged restart guarded by the error rate (Prometheus
scraping the test exporter) halts before its next stage when the 5xx ratio rises, and
pauses for a human when Prometheus cannot be read. A guard never undoes anything."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from pathlib import Path

import pytest
import redis

from cockpit.actions import Preview
from cockpit.config import loads
from cockpit.core.guarded_run import GuardPause
from cockpit.core.readings import ERROR_RATE
from cockpit.core.runbook import StepState
from cockpit.core.session import Session
from cockpit.incident.journal import Entry, Journal, Operator, read
from cockpit.ui.app import CockpitApp
from cockpit.ui.guard_dialog import GuardPauseScreen
from cockpit.ui.screens import ConfirmScreen
from cockpit.wiring import build_live
from tests.drill_helpers import wait_until
from tests.screen import screen_text
from tests.test_fault_actions import proxy_to

pytestmark = pytest.mark.servers

QUERY = "checkout 5xx ratio"
LIMIT = 0.2


def guarded_restart(redis_url: str, prometheus: str, settle: str, prometheus_timeout: str = "1s") -> str:
    """Two home-grown list queues with pause keys, stage 1 and stage 2; the error rate from Prometheus."""
    return f'''
[incident]
title = "guard drill"
service = "checkout"
[redis.jobs]
url = "{redis_url}"
timeout = "1s"
[[queues]]
name = "guard-a"
redis = "jobs"
kind = "list"
queue = "guard-a"
pause_key = "guard-a:paused"
risky = true
stage = 1
[[queues]]
name = "guard-b"
redis = "jobs"
kind = "list"
queue = "guard-b"
pause_key = "guard-b:paused"
risky = true
stage = 2
[actions.restart]
settle = "{settle}"
max_error_rate = {LIMIT}
[prometheus]
url = "{prometheus}"
timeout = "{prometheus_timeout}"
interval = "1s"
[[prometheus.queries]]
name = "{QUERY}"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5s])) / sum(rate(http_requests_total[5s]))'
[gate]
max_error_rate = 0.05
'''


def pause_both(client: redis.Redis) -> None:
    client.rpush("guard-a", *range(3))
    client.rpush("guard-b", *range(3))
    client.set("guard-a:paused", 1)
    client.set("guard-b:paused", 1)


def session_for(text: str, tmp_path: Path) -> Session:
    return Session(build_live(loads(text), {}), Journal.open(tmp_path / "j.jsonl", Operator("alice")))


def entries(tmp_path: Path, kind: str) -> list[Entry]:
    return [e for e in read(tmp_path / "j.jsonl").entries if e.kind == kind]


def result_data(tmp_path: Path) -> dict:
    found = [e for e in entries(tmp_path, "action") if e.data.get("phase") == "result"]
    assert found, "no result entry"
    return dict(found[-1].data)


async def error_rate_low(session: Session) -> None:
    """Earlier tests may have raised the exporter's ratio: wait until Prometheus says it is low again."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        await session.refresh_now()
        value = session.board.value(ERROR_RATE, QUERY)
        if isinstance(value, float) and value < LIMIT / 4:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"the error rate did not come down: {session.board.value(ERROR_RATE, QUERY)}")


async def _yes(preview: Preview) -> Preview:
    return preview


async def test_a_staged_restart_halts_when_the_error_rate_rises_mid_restart(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    client = redis.Redis.from_url(redis_url)
    pause_both(client)
    metrics_exporter.set_error_ratio(0.0)
    session = session_for(guarded_restart(redis_url, prometheus_server.url, "4s"), tmp_path)

    def errors_after_stage_1(line: str) -> None:
        if line.startswith("stage 1:"):
            metrics_exporter.set_error_ratio(1.0)  # the checkout starts failing once stage 1 runs

    try:
        await error_rate_low(session)
        outcome = await session.run_action("restart_staged", _yes, errors_after_stage_1)
    finally:
        metrics_exporter.set_error_ratio(0.0)
        await session.backends.close()
        session.journal.close()
    assert outcome.status == "failed", outcome.message
    assert "HALTED after stage 1: error_rate" in outcome.message, outcome.message
    assert session.runbook.state("restart") is StepState.HALTED
    # The guard's entry: the reason and the readings that caused it, frozen, and those from before.
    [halt] = entries(tmp_path, "guard")
    assert halt.data["v"] == 1 and halt.data["event"] == "halt" and halt.step == "restart"
    assert f"> {LIMIT:.1%}" in halt.data["reason"] and halt.data["readings"] == [halt.data["reason"]]
    assert halt.data["before"] and f"not > {LIMIT:.1%}" in halt.data["before"][0]
    assert halt.data["guard"] == f"halts if error_rate > {LIMIT:g}"
    # Stage 2 never started and nothing was undone: stage 1 stays resumed.
    data = result_data(tmp_path)
    assert data["resumed"] == ["guard-a"] and data["still_paused"] == ["guard-b"] and data["guard"] == "halted"
    assert "stage 1 (guard-a) resumed (left running" in data["state_left"]
    assert "still paused: guard-b" in data["state_left"]
    assert not client.exists("guard-a:paused") and client.exists("guard-b:paused")
    [step] = [e for e in entries(tmp_path, "step") if e.data["state"] == "halted"]
    assert step.data["reason"].startswith("halted: error_rate")


async def test_an_unreachable_prometheus_pauses_the_step_until_continued_or_aborted(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    client = redis.Redis.from_url(redis_url)
    pause_both(client)
    metrics_exporter.set_error_ratio(0.0)
    prom = proxy_to(prometheus_server.url)
    session = session_for(guarded_restart(redis_url, f"http://{prom.address}", "1s"), tmp_path)
    asked: list[GuardPause] = []

    def prometheus_down_after_stage_1(line: str) -> None:
        if line.startswith("stage 1:"):
            prom.set_mode("down")

    async def go_on(pause: GuardPause) -> bool:
        asked.append(pause)
        assert session.runbook.state("restart") is StepState.PAUSED
        return True

    async def abort(pause: GuardPause) -> bool:
        asked.append(pause)
        return False

    try:
        await error_rate_low(session)
        # Continue: the operator goes on past the blind spot; both stages run.
        first = await session.run_action("restart_staged", _yes, prometheus_down_after_stage_1, decide=go_on)
        assert first.status == "done", first.message
        assert not client.exists("guard-a:paused") and not client.exists("guard-b:paused")
        assert asked[0].label == "the stage after 1" and "unreachable" in asked[0].verdict.reason
        # Abort: Prometheus is down before the first stage; nothing is resumed.
        pause_both(client)
        second = await session.run_action("restart_staged", _yes, decide=abort)
        assert second.status == "failed" and "ABORTED before stage 1" in second.message, second.message
        assert client.exists("guard-a:paused") and client.exists("guard-b:paused")
        assert session.runbook.state("restart") is StepState.HALTED
        aborted = result_data(tmp_path)
        assert "stage 1 (guard-a) still paused; still paused: guard-b" in aborted["state_left"]
        # Headless (`cockpit act`): nobody can answer, so the pause aborts and says why.
        third = await session.run_action("restart_staged", _yes)
        assert "no one to ask (headless)" in third.message and client.exists("guard-a:paused")
    finally:
        prom.stop()
        await session.backends.close()
        session.journal.close()
    events = [(e.data["event"], e.data.get("at")) for e in entries(tmp_path, "guard")]
    assert events == [
        ("pause", "the stage after 1"),
        ("continue", "the stage after 1"),
        ("pause", "stage 1"),
        ("abort", "stage 1"),
        ("pause", "stage 1"),
        ("abort", "stage 1"),
    ]
    pause = entries(tmp_path, "guard")[0]
    assert pause.data["outcome"] == "pause" and "unreachable" in pause.data["readings"][0]
    assert pause.data["before"] and "error_rate" in pause.data["before"][0]


@pytest.mark.parametrize("polling", [False, True], ids=["headless", "poll-loop"])
async def test_a_stale_prometheus_pauses_the_step_before_any_error(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter, polling: bool
) -> None:
    """Prometheus stops answering but the client has not given up yet (timeout 8 s, read
    every 1 s): the last good reading turns STALE (older than 2 s) long before the read
    fails. The guard must not wait for the error: stale is inconclusive, the step pauses.
    Headless (`cockpit act`: the guard reads its sources itself) and with the session's
    poll loop (as under the TUI)."""
    client = redis.Redis.from_url(redis_url)
    metrics_exporter.set_error_ratio(0.0)
    prom = proxy_to(prometheus_server.url)
    config = guarded_restart(redis_url, f"http://{prom.address}", "3s", prometheus_timeout="8s")
    session = session_for(config, tmp_path)
    loop = asyncio.create_task(session.run()) if polling else None
    asked: list[GuardPause] = []
    decisions = [True, False]  # continue the first run, abort the second

    def prometheus_hangs_after_stage_1(line: str) -> None:
        if line.startswith("stage 1:"):
            prom.set_mode("slow")

    async def decide(pause: GuardPause) -> bool:
        asked.append(pause)
        assert session.runbook.state("restart") is StepState.PAUSED
        slot = session.board.slot(ERROR_RATE, QUERY)
        assert slot is not None and slot.latest.error is None, "the read has failed already: not the stale case"
        return decisions[len(asked) - 1]

    try:
        for _ in decisions:
            prom.set_mode("pass")
            await error_rate_low(session)
            pause_both(client)
            assert session.running is polling
            await session.run_action("restart_staged", _yes, prometheus_hangs_after_stage_1, decide=decide)
    finally:
        if loop is not None:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        prom.stop()
        await session.backends.close()
        session.journal.close()
    assert [p.label for p in asked] == ["the stage after 1", "the stage after 1"]
    for pause in asked:
        assert pause.verdict.reason.startswith(f"inconclusive: {QUERY}: stale ("), pause.verdict.reason
    # Continued: both stages ran. Aborted: stage 1 left running, stage 2 still paused, nothing undone.
    first, second = [e.data for e in entries(tmp_path, "action") if e.data.get("phase") == "result"]
    assert first["resumed"] == ["guard-a", "guard-b"] and "guard" not in first, first
    assert second["resumed"] == ["guard-a"] and second["still_paused"] == ["guard-b"], second
    assert second["guard"] == "aborted" and "stage 1 (guard-a) resumed (left running" in second["state_left"]
    assert not client.exists("guard-a:paused") and client.exists("guard-b:paused")
    guard = entries(tmp_path, "guard")
    assert [e.data["event"] for e in guard] == ["pause", "continue", "pause", "abort"]
    pause = guard[0].data
    assert pause["outcome"] == "pause" and pause["at"] == "the stage after 1"
    assert re.fullmatch(rf"{QUERY}: stale \(\d+s old\)", pause["readings"][0]), pause["readings"]
    assert "not >" in pause["before"][0]


async def test_the_cockpit_shows_a_paused_then_halted_step(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    """In the TUI: the pause asks on screen (c / a), the runbook and status bar say PAUSED,
    then HALTED after abort, each with its symbol."""
    client = redis.Redis.from_url(redis_url)
    pause_both(client)
    prom = proxy_to(prometheus_server.url)
    session = session_for(guarded_restart(redis_url, f"http://{prom.address}", "1s"), tmp_path)
    app = CockpitApp(session)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_until(pilot, lambda: session.board.value(ERROR_RATE, QUERY) is not None, what="a first reading")
            prom.set_mode("down")
            await wait_until(
                pilot,
                lambda: (slot := session.board.slot(ERROR_RATE, QUERY)) is not None and slot.latest.error is not None,
                what="Prometheus unreachable",
            )
            await pilot.press("j")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the restart's preview")
            assert "guard: halts if error_rate > 0.2" in screen_text(app)
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(app.screen, GuardPauseScreen), what="the guard pause")
            assert "GUARD PAUSED" in screen_text(app) and "unreachable" in screen_text(app)
            assert session.runbook.state("restart") is StepState.PAUSED
            await pilot.press("a")
            await wait_until(
                pilot, lambda: session.runbook.state("restart") is StepState.HALTED, timeout=15, what="halted"
            )
            app.refresh_view()
            await wait_until(pilot, lambda: "■ HALTED Restart jobs" in screen_text(app), what="the status bar")
            runbook_row = next(line for line in screen_text(app).splitlines() if "Restart jobs in stages" in line)
            assert "■" in runbook_row and "HALTED" in runbook_row, runbook_row
    finally:
        prom.stop()
        await session.backends.close()
        session.journal.close()
    assert client.exists("guard-a:paused") and client.exists("guard-b:paused")
