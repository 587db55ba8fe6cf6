"""Guards in the other long actions, against real servers: a batched cache clear stops
before its next batch, a repair stopped before COMMIT rolls back (nothing changed), and a
revert with a watch period halts when the error rate rises after it. The action-level
tests drive the action's checkpoint directly (the interface the runner gives it); the
session-level ones use a real guard over Prometheus scraping the test exporter."""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
import redis

from cockpit.actions.cache import ClearCaches
from cockpit.actions.data import data_dict
from cockpit.actions.guarded import Halted
from cockpit.actions.repair import RepairData
from cockpit.config import loads
from cockpit.core.conditions import parse_condition
from cockpit.core.guard import GuardSpec
from cockpit.core.readings import ERROR_RATE
from cockpit.core.runbook import StepState, default_steps
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator
from cockpit.wiring import build_live
from tests.test_actions_live import REPAIR, seed_repair
from tests.test_guards import LIMIT, QUERY, _yes, entries, error_rate_low, result_data

pytestmark = pytest.mark.servers


def halt_at(label: str, seen: list[str]):
    """A checkpoint that says go on, until `label`, where the guard has halted."""

    async def checkpoint(at: str, *, fresh: bool = False, can_wait: bool = True) -> None:
        seen.append(at)
        if at == label:
            raise Halted(at, "error_rate checkout 5xx ratio 40.0% > 20.0% (1s old)", ("error_rate 40.0% > 20.0%",))

    return checkpoint


def cache_config(redis_url: str) -> str:
    return f'''
[incident]
title = "guard drill"
service = "checkout"
[redis.jobs]
url = "{redis_url}"
[[actions.caches]]
name = "cart-totals"
redis = "jobs"
pattern = "cart:total:*"
batch = 7
'''


async def test_a_halt_between_cache_batches_stops_before_the_next_batch(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(50)})
    cfg = loads(cache_config(redis_url))
    action = ClearCaches(cfg, cfg.actions.caches, {})
    seen: list[str] = []
    preview = await action.preview()
    result = await action.execute_guarded(preview, lambda line: None, halt_at("cart-totals batch 3", seen))
    assert seen == ["cache cart-totals", "cart-totals batch 2", "cart-totals batch 3"]
    assert not result.ok and result.summary.startswith("HALTED before cart-totals batch 3: error_rate")
    data = data_dict(result.data)
    assert data["removed"] == {"cart-totals": 14} and data["guard"] == "halted" and data["not_started"] == []
    assert "cart-totals: stopped after 14 keys" in result.state_left and "nothing is put back" in result.state_left
    assert len(list(r.scan_iter("cart:total:*"))) == 36  # two batches went, the rest is still there


async def test_a_repair_halted_before_commit_is_rolled_back(redis_url: str, pg_dsn: str) -> None:
    seed_repair(pg_dsn)
    cfg = loads(cache_config(redis_url) + REPAIR)
    assert cfg.postgres is not None
    action = RepairData(cfg.actions.repairs[0], cfg.postgres, {"PG_REPAIR": pg_dsn})
    preview = await action.preview()
    seen: list[str] = []
    result = await action.execute_guarded(preview, lambda line: None, halt_at("COMMIT", seen))
    assert seen == ["the repair", "statement mark unpaid for review", "COMMIT"]
    assert not result.ok and result.summary.startswith("rolled back: HALTED before COMMIT")
    data = data_dict(result.data)
    assert result.state_left.startswith("nothing changed") and data["applied"] == {} and data["guard"] == "halted"
    assert data["sent"][-1].endswith("ROLLBACK")
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute("SELECT count(*) FROM holds WHERE released IS NOT NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM orders WHERE status = 'needs_review'").fetchone()[0] == 0


def guarded_session(text: str, tmp_path: Path, steps: tuple[str, ...], env: dict[str, str] | None = None) -> Session:
    """A session whose `steps` carry the guard `error_rate > LIMIT` (as a release file's would)."""
    cfg = loads(text)
    backends = build_live(cfg, env or {})
    guard = GuardSpec((parse_condition(f"error_rate > {LIMIT}"),))
    backends.steps = tuple(replace(s, guard=guard) if s.id in steps else s for s in default_steps(cfg))
    return Session(backends, Journal.open(tmp_path / "j.jsonl", Operator("alice")))


def prometheus(url: str) -> str:
    return f'''
[prometheus]
url = "{url}"
timeout = "1s"
interval = "1s"
[[prometheus.queries]]
name = "{QUERY}"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5s])) / sum(rate(http_requests_total[5s]))'
'''


async def test_a_guarded_cache_step_halts_before_it_starts_while_errors_are_high(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    r = redis.Redis.from_url(redis_url)
    r.mset({f"cart:total:{i}": i for i in range(20)})
    session = guarded_session(cache_config(redis_url) + prometheus(prometheus_server.url), tmp_path, ("cache",))
    try:
        await error_rate_low(session)  # a rate exists (the exporter's series are scraped)
        metrics_exporter.set_error_ratio(1.0)
        await error_rate_over(session, LIMIT)
        outcome = await session.run_action("clear_caches", _yes)
    finally:
        metrics_exporter.set_error_ratio(0.0)
        await session.backends.close()
        session.journal.close()
    assert outcome.status == "failed" and "HALTED before cache cart-totals" in outcome.message, outcome.message
    assert session.runbook.state("cache") is StepState.HALTED
    assert len(list(r.scan_iter("cart:total:*"))) == 20
    assert [e.data["event"] for e in entries(tmp_path, "guard")] == ["halt"]
    assert result_data(tmp_path)["not_started"] == []


async def error_rate_over(session: Session, limit: float) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        await session.refresh_now()
        value = session.board.value(ERROR_RATE, QUERY)
        if isinstance(value, float) and value > limit:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"the error rate did not rise: {session.board.value(ERROR_RATE, QUERY)}")


def revert_config(redis_url: str, prom: str, watch: str) -> str:
    argv = [sys.executable, "-c", "print('deployment.apps/checkout rolled back')"]
    quoted = ", ".join(f'"{a}"' for a in argv)
    return cache_config(redis_url) + prometheus(prom) + f'[actions.revert]\nargv = [{quoted}]\nwatch = "{watch}"\n'


async def test_a_revert_with_a_watch_period_holds_or_halts_on_the_error_rate(
    tmp_path: Path, redis_url: str, prometheus_server, metrics_exporter
) -> None:
    session = guarded_session(revert_config(redis_url, prometheus_server.url, "6s"), tmp_path, ("revert",))

    def errors_once_watching(line: str) -> None:
        if line.startswith("watching the guard"):
            metrics_exporter.set_error_ratio(1.0)

    try:
        await error_rate_low(session)
        held = await session.run_action("revert", _yes)
        assert held.status == "done" and "the guard held for 6s" in held.message, held.message
        halted = await session.run_action("revert", _yes, errors_once_watching)
    finally:
        metrics_exporter.set_error_ratio(0.0)
        await session.backends.close()
        session.journal.close()
    assert halted.status == "failed" and "HALTED during the watch period: error_rate" in halted.message
    assert halted.state_left.startswith("the release IS reverted")
    assert session.runbook.state("revert") is StepState.HALTED
    [halt] = entries(tmp_path, "guard")
    assert halt.data["event"] == "halt" and f"> {LIMIT:.1%}" in halt.data["reason"]
