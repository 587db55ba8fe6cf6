"""The condition language of release files: parsing with clear errors, and judging against
a board filled with the readings the real sources produce (shapes copied from them), plus
one condition judged on a real Redis queue paused the way `rq suspend` pauses it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from cockpit.core.conditions import ConditionError, Truth, parse_condition, parse_conditions
from cockpit.core.readings import CHECKS, ERROR_RATE, FLAGS, QUEUES, SUSPECTS, Board, Reading

T0 = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def board() -> tuple[Board, Clock]:
    clock = Clock()
    b = Board(clock)
    for source in (ERROR_RATE, QUEUES, FLAGS, SUSPECTS, CHECKS):
        b.set_interval(source, 5.0)
    return b, clock


def queue(name: str, depth: float | None, paused: bool | None, at: datetime = T0, error: str | None = None) -> Reading:
    detail: dict[str, Any] = {"in_flight": 0, "failed": 0, "paused": paused, "kind": "rq", "server": "jobs"}
    return Reading(QUEUES, name, depth, at, error, detail)


def flag(name: str, region: str, value: float | None, safe: bool = False, **extra: Any) -> Reading:
    detail = {"flag": name, "region": region, "backend": "unleash", "safe": safe, **extra}
    return Reading(FLAGS, f"{name}@{region}", value, extra.pop("at", T0), None, detail)


def judge(b: Board, text: str, now: datetime = T0) -> tuple[Truth, str]:
    j = parse_condition(text).judge(b, now)
    return j.truth, j.detail


# -- parsing --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "subject", "name", "test", "bound"),
    [
        ("error_rate < 0.05", ERROR_RATE, "", "<", 0.05),
        ("error_rate > 5%", ERROR_RATE, "", ">", 0.05),
        ('error_rate "checkout 5xx" >= 2%', ERROR_RATE, "checkout 5xx", ">=", 0.02),
        ("queue payment-retry paused", QUEUES, "payment-retry", "paused", None),
        ("queue payment-retry not growing", QUEUES, "payment-retry", "not growing", None),
        ("queue emails depth < 100", QUEUES, "emails", "<", 100.0),
        ('suspect "duplicate holds" not rising', SUSPECTS, "duplicate holds", "not rising", None),
        ('suspect "duplicate holds" at target', SUSPECTS, "duplicate holds", "at target", None),
        ('suspect "duplicate holds" < 10', SUSPECTS, "duplicate holds", "<", 10.0),
        ("flag new_checkout safe", FLAGS, "new_checkout", "safe", None),
        ("check checkout passing", CHECKS, "checkout", "passing", None),
    ],
)
def test_parse_each_form(text: str, subject: str, name: str, test: str, bound: float | None) -> None:
    c = parse_condition(text)
    assert (c.text, c.subject, c.name, c.test, c.bound) == (text, subject, name, test, bound)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty condition"),
        ("latency < 3", "unknown condition 'latency'"),
        ("error_rate < lots", "'lots' is not a number"),
        ("error_rate", "expected a comparison"),
        ("queue", "queue needs a name"),
        ("queue q sleeping", "a queue is 'paused'"),
        ('suspect "dupes', "No closing quotation"),
        ("suspect dupes falling fast", "a suspect count is"),
        ("flag f maybe", "a flag is 'safe'"),
        ("check c green", "a check is 'passing'"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConditionError, match=says.replace("(", r"\(")):
        parse_condition(text)


def test_parse_conditions_names_the_key_path() -> None:
    assert len(parse_conditions(["error_rate < 5%", "queue q paused"], "changes[0].verify")) == 2
    assert len(parse_conditions("queue q paused", "changes[0].verify")) == 1
    with pytest.raises(ConditionError, match=r"^changes\[2\]\.precondition\[1\]: 'queue q asleep'"):
        parse_conditions(["queue q paused", "queue q asleep"], "changes[2].precondition")
    with pytest.raises(ConditionError, match=r"^changes\[0\]\.verify: expected a list"):
        parse_conditions(3, "changes[0].verify")


# -- error rate -----------------------------------------------------------------------------
def test_error_rate_value_and_age_in_the_detail() -> None:
    b, _ = board()
    b.update([Reading(ERROR_RATE, "checkout", 0.072, T0, None, {"warn": 0.01})])
    now = T0 + timedelta(seconds=4)
    assert judge(b, "error_rate > 0.05", now) == (Truth.HOLDS, "error_rate checkout 7.2% > 5.0% (4s old)")
    assert judge(b, "error_rate < 5%", now) == (Truth.FAILS, "error_rate checkout 7.2% not < 5.0% (4s old)")
    assert judge(b, "error_rate checkout < 10%", now)[0] is Truth.HOLDS


def test_error_rate_no_data_nan_stale_unreachable_and_missing_are_unknown() -> None:
    b, clock = board()
    assert judge(b, "error_rate < 5%")[0] is Truth.UNKNOWN  # nothing read yet
    b.update([Reading(ERROR_RATE, "checkout", "no data", T0, None, {"state": "no data"})])
    assert judge(b, "error_rate < 5%") == (Truth.UNKNOWN, "checkout: NO DATA (the query returned no series)")
    assert judge(b, "error_rate > 5%")[0] is Truth.UNKNOWN  # never a pass, never a clean guard
    b.update([Reading(ERROR_RATE, "checkout", float("nan"), T0 + timedelta(seconds=1))])
    assert "no traffic" in judge(b, "error_rate < 5%")[1]
    b.update([Reading(ERROR_RATE, "checkout", 0.01, T0 + timedelta(seconds=2))])
    assert judge(b, "error_rate < 5%", T0 + timedelta(seconds=3))[0] is Truth.HOLDS
    stale = judge(b, "error_rate < 5%", T0 + timedelta(seconds=40))
    assert stale == (Truth.UNKNOWN, "checkout: stale (38s old)")
    clock.now = T0 + timedelta(seconds=50)
    b.fail(ERROR_RATE, ["checkout"], "connection refused")
    truth, detail = judge(b, "error_rate < 5%", clock.now)
    assert truth is Truth.UNKNOWN and "unreachable (connection refused; last good 48s ago)" in detail
    assert judge(b, "error_rate other < 5%")[0] is Truth.UNKNOWN


def test_error_rate_one_query_over_the_line_is_a_breach_even_if_another_is_unknown() -> None:
    b, _ = board()
    b.update([Reading(ERROR_RATE, "eu", 0.2, T0), Reading(ERROR_RATE, "us", "no data", T0)])
    assert judge(b, "error_rate > 5%")[0] is Truth.HOLDS
    assert judge(b, "error_rate < 5%")[0] is Truth.FAILS
    b.update([Reading(ERROR_RATE, "eu", 0.01, T0 + timedelta(seconds=1))])
    assert judge(b, "error_rate > 5%", T0 + timedelta(seconds=1))[0] is Truth.UNKNOWN


# -- queues ---------------------------------------------------------------------------------
def test_queue_paused_running_and_unknown() -> None:
    b, _ = board()
    b.update([queue("payment-retry", 12.0, True), queue("emails", 3.0, False), queue("odd", 3.0, None)])
    assert judge(b, "queue payment-retry paused") == (Truth.HOLDS, "queue payment-retry paused (0s old)")
    assert judge(b, "queue emails paused") == (Truth.FAILS, "queue emails running (0s old)")
    assert judge(b, "queue emails running")[0] is Truth.HOLDS
    assert judge(b, "queue odd paused")[0] is Truth.UNKNOWN
    assert judge(b, "queue nosuch paused") == (Truth.UNKNOWN, "queue nosuch: no reading yet")
    assert judge(b, "queue emails depth < 5") == (Truth.HOLDS, "queue emails depth 3 < 5 (0s old)")
    assert judge(b, "queue payment-retry depth < 5")[0] is Truth.FAILS


def test_queue_growing_over_the_trend_window_and_unknown_with_one_sample() -> None:
    b, _ = board()
    b.update([queue("retry", 100.0, False)])
    assert judge(b, "queue retry growing")[0] is Truth.UNKNOWN
    for i in range(1, 12):
        b.update([queue("retry", 100.0 + 40 * i, False, T0 + timedelta(seconds=5 * i))])
    now = T0 + timedelta(seconds=55)
    truth, detail = judge(b, "queue retry growing", now)
    assert truth is Truth.HOLDS and "rising (+440 in 5m)" in detail
    assert judge(b, "queue retry not growing", now)[0] is Truth.FAILS


# -- suspects -------------------------------------------------------------------------------
def test_suspect_rising_not_rising_at_target_and_bound() -> None:
    b, _ = board()
    b.update([Reading(SUSPECTS, "duplicate holds", 40.0, T0, None, {"expect": "zero"})])
    assert judge(b, 'suspect "duplicate holds" not rising')[0] is Truth.UNKNOWN  # one sample
    b.update([Reading(SUSPECTS, "duplicate holds", 55.0, T0 + timedelta(seconds=5), None, {"expect": "zero"})])
    now = T0 + timedelta(seconds=5)
    assert judge(b, 'suspect "duplicate holds" rising', now)[0] is Truth.HOLDS
    assert judge(b, 'suspect "duplicate holds" not rising', now) == (
        Truth.FAILS,
        'suspect "duplicate holds" 55, rising (+15 in 5m) (0s old)',
    )
    assert judge(b, 'suspect "duplicate holds" at target', now) == (
        Truth.FAILS,
        'suspect "duplicate holds" 55 (target 0; 0s old)',
    )
    assert judge(b, 'suspect "duplicate holds" < 100', now)[0] is Truth.HOLDS
    b.update([Reading(SUSPECTS, "late", 4.0, now, None, {"expect": "falling", "target": 5})])
    assert judge(b, 'suspect "late" at target', now)[0] is Truth.HOLDS
    b.update([Reading(SUSPECTS, "vague", 4.0, now, None, {"expect": "falling"})])
    assert judge(b, "suspect vague at target", now)[0] is Truth.UNKNOWN  # baseline not on the board
    b.update([Reading(SUSPECTS, "dead", None, now, "canceling statement due to statement timeout", {})])
    assert judge(b, "suspect dead < 5", now)[0] is Truth.UNKNOWN


# -- flags ----------------------------------------------------------------------------------
def test_flag_safe_in_every_region() -> None:
    b, _ = board()
    b.update([flag("new_checkout", "eu", 0.0), flag("new_checkout", "us", 25.0)])
    assert judge(b, "flag new_checkout safe") == (
        Truth.FAILS,
        "flag new_checkout@us 25% (want off; 0s old)",
    )
    b.update([flag("new_checkout", "us", 0.0, at=T0 + timedelta(seconds=1))])
    now = T0 + timedelta(seconds=1)
    assert judge(b, "flag new_checkout safe", now)[0] is Truth.HOLDS
    assert judge(b, "flag new_checkout off", now)[0] is Truth.HOLDS
    assert judge(b, "flag new_checkout on", now)[0] is Truth.FAILS
    assert judge(b, "flag nosuch safe", now) == (Truth.UNKNOWN, "flag nosuch: no reading yet")


def test_flag_region_unreachable_or_missing_is_unknown_not_safe() -> None:
    b, _ = board()
    b.update([flag("new_checkout", "eu", 0.0), flag("new_checkout", "us", 0.0)])
    b.fail(FLAGS, ["new_checkout@us"], "us flag API timed out")
    truth, detail = judge(b, "flag new_checkout safe")
    assert truth is Truth.UNKNOWN and "new_checkout@us: unreachable (us flag API timed out" in detail
    b.update([flag("new_checkout", "us", None, missing=True, missing_reason="no such toggle")])
    assert judge(b, "flag new_checkout safe") == (
        Truth.UNKNOWN,
        "flag new_checkout@us MISSING (no such toggle; 0s old)",
    )
    # A region serving the unsafe value wins over an unknown one: the answer is known to be no.
    b.update([flag("new_checkout", "eu", 100.0, at=T0 + timedelta(seconds=1))])
    assert judge(b, "flag new_checkout safe", T0 + timedelta(seconds=1))[0] is Truth.FAILS


# -- checks ---------------------------------------------------------------------------------
def test_check_passing_every_step() -> None:
    b, _ = board()

    def step(name: str, ok: bool, reason: str = "") -> Reading:
        return Reading(CHECKS, f"checkout/{name}", 0.2, T0, None, {"check": "checkout", "ok": ok, "reason": reason})

    b.update([step("log in", True), step("pay", False, "HTTP 502, expected 200")])
    assert judge(b, "check checkout passing") == (
        Truth.FAILS,
        "check checkout/pay failing: HTTP 502, expected 200 (0s old)",
    )
    assert judge(b, "check checkout failing")[0] is Truth.HOLDS
    assert judge(b, 'check "checkout/log in" passing')[0] is Truth.HOLDS
    b.update([step("pay", True)])
    assert judge(b, "check checkout passing")[0] is Truth.HOLDS
    assert judge(b, "check checkout failing")[0] is Truth.FAILS
    assert judge(b, "check checkout passing", T0 + timedelta(seconds=30))[0] is Truth.UNKNOWN


# -- a real source --------------------------------------------------------------------------
@pytest.mark.servers
async def test_queue_paused_judged_on_a_real_rq_queue(redis_url: str) -> None:
    from rq import Queue

    from tests.test_source_queues import queue_source

    conn = redis.Redis.from_url(redis_url)
    Queue("payment_retry", connection=conn).enqueue("tests.jobs.replay_payment", 1)
    toml = '[[queues]]\nname = "payment-retry"\nredis = "jobs"\nkind = "rq"\nqueue = "payment_retry"\n'
    b = Board()
    condition = parse_condition("queue payment-retry paused")
    for suspended, want in ((False, Truth.FAILS), (True, Truth.HOLDS)):
        if suspended:
            conn.set("rq:suspended", 1)  # what `rq suspend` writes
        src = queue_source(redis_url, toml)
        try:
            b.update(await src.read())
        finally:
            await src.close()
        judged = condition.judge(b, b.clock())
        assert judged.truth is want, judged.detail
        assert "queue payment-retry" in judged.detail and "old)" in judged.detail
    assert parse_condition("queue payment-retry depth < 2").judge(b, b.clock()).truth is Truth.HOLDS
