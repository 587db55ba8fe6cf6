"""What "undone" means in readings (issue 15): after a release step's action passes its own
read-back, the change's `verify` conditions are judged on real readings. Holding: the step
is done and the change counts as undone. Not holding: the step is not done, the journal
says which reading, and only a typed reason accepts it (journaled as an override); an
`after` waits until then. Through the session, against a real Redis with a real RQ queue."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import redis

from cockpit.actions import Preview
from cockpit.config import loads
from cockpit.config.release import load_release
from cockpit.core import step_checks
from cockpit.core.release_plan import release_record
from cockpit.core.release_steps import release_steps
from cockpit.core.release_view import release_view
from cockpit.core.runbook import StepState
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator, read
from cockpit.wiring import build_live

pytestmark = pytest.mark.servers


def config_text(redis_url: str) -> str:
    return f'''
[incident]
title = "Checkout failing"
service = "checkout"
[redis.jobs]
url = "{redis_url}"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "verify_payment_retry"
risky = true
[[actions.caches]]
name = "cart-totals"
redis = "jobs"
pattern = "cart:total:*"
'''


RELEASE = """
[release]
id = "2026.11.3"
owner = "sam"

[[changes]]
id = "retry-job"
kind = "job"
what = "payment retries every 10 s"
owner = "ravi"
undo = [{ action = "pause_queues", queues = ["payment-retry"] }]
verify = ["queue payment-retry paused"]

[[changes]]
id = "cart-cache"
kind = "cache"
what = "cart totals cached under the new rule"
owner = "lee"
after = ["retry-job"]
undo = [{ action = "clear_caches", caches = ["cart-totals"] }]
verify = ["queue payment-retry depth < 1"]

[[changes]]
id = "late"
kind = "customer_visible"
what = "banner"
owner = "kim"
after = ["cart-cache"]
undo = [{ action = "status_update" }]
"""


def answering(reason: str):  # type: ignore[no-untyped-def]
    """A confirmation that confirms everything, typing `reason` where one is asked."""
    asked: list[Preview] = []

    async def confirm(preview: Preview) -> Preview | None:
        asked.append(preview)
        return replace(preview, reason=reason)

    return confirm, asked


async def test_an_undo_counts_only_when_its_readings_say_so(tmp_path: Path, redis_url: str) -> None:
    from rq import Queue

    r = redis.Redis.from_url(redis_url)
    r.set("cart:total:1", "99.00")
    Queue("verify_payment_retry", connection=r).enqueue("tests.jobs.replay_payment", 1)  # depth 1, no worker
    config = loads(config_text(redis_url))
    path = tmp_path / "release.toml"
    path.write_text(RELEASE)
    release_map = load_release(path, config)
    steps = release_steps(release_map, config)
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    session = Session(build_live(config, {}, steps=steps), journal)
    session.record("release", "release 2026.11.3", data=release_record(release_map))  # as `run` and `act` do
    book = session.runbook
    pause, clear = book.step("retry-job").action_name, book.step("cart-cache").action_name
    assert pause and clear
    try:
        await session.refresh_now()
        assert step_checks.waiting_on(session, "cart-cache") == [book.step("retry-job").title]

        # A real pause, read back from Redis: "queue payment-retry paused" holds.
        confirm, _ = answering("")
        outcome = await session.run_action(pause, confirm)
        assert outcome.status == "done", outcome.message
        assert book.state("retry-job") is StepState.DONE
        assert step_checks.waiting_on(session, "cart-cache") == []
        row = {r.id: r for r in release_view(book, journal.entries).rows}["retry-job"]
        assert row.verified.startswith("✔ verified: ✔ queue payment-retry paused")

        # The cache is cleared (its own read-back passes), but the queue still holds a job:
        # not undone, and nothing accepts it without a typed reason.
        confirm, asked = answering("")
        outcome = await session.run_action(clear, confirm)
        assert outcome.status == "failed"
        assert "undo NOT verified: ✖ queue payment-retry depth < 1" in outcome.message
        assert r.exists("cart:total:1") == 0  # the action itself did run
        assert book.state("cart-cache") is StepState.FAILED
        assert asked[-1].failing and "depth < 1" in asked[-1].failing[0]  # asked for a reason, none given
        assert asked[-1].failing_what == "verify"
        assert step_checks.waiting_on(session, "late") == [book.step("cart-cache").title]
        row = {r.id: r for r in release_view(book, journal.entries).rows}["cart-cache"]
        assert row.verified.startswith("✖ not verified: ✖ queue payment-retry depth < 1: ")
        assert "1" in row.verified  # the reading's value

        # A typed reason accepts it: journaled as an override with the readings.
        confirm, _ = answering("the retry drains after the banner goes up")
        outcome = await session.run_action(clear, confirm)
        assert outcome.status == "done", outcome.message
        assert book.state("cart-cache") is StepState.DONE
        assert step_checks.waiting_on(session, "late") == []
        row = {r.id: r for r in release_view(book, journal.entries).rows}["cart-cache"]
        assert row.verified.endswith("(accepted: the retry drains after the banner goes up)")
    finally:
        await session.backends.close()
        journal.close()

    entries = read(tmp_path / "j.jsonl").entries
    verdicts = [e for e in entries if e.kind == "undo_verify"]
    assert [(e.step, e.data["ok"]) for e in verdicts] == [
        ("retry-job", True),
        ("cart-cache", False),
        ("cart-cache", False),
    ]
    assert verdicts[1].data["readings"][0]["condition"] == "queue payment-retry depth < 1"
    assert verdicts[1].data["readings"][0]["truth"] == "fails"
    overrides = [e for e in entries if e.kind == "override"]
    assert len(overrides) == 1 and overrides[0].step == "cart-cache"
    assert overrides[0].data["accepts"] == "verify"
    assert overrides[0].data["readings"][0]["truth"] == "fails"
    # The report: the first, unverified try is a failed step with the reading; the acceptance an override.
    from cockpit.incident.report import build, from_file

    section = build(from_file(tmp_path / "j.jsonl")).release
    assert section is not None
    stop = next(s for s in section.stops if s.what == "override")
    assert stop.step == "cart-cache" and stop.reason == "the retry drains after the banner goes up"
    assert any("depth < 1" in r for r in stop.readings)
    assert {n.change for n in section.not_undone} == {"late"}
