"""Typed readings and action outcomes keep the JSON/journal shape older versions wrote, and
old shapes read back into the records."""

from __future__ import annotations

from datetime import UTC, datetime

from cockpit.actions import Result
from cockpit.actions.data import UpdateSent, Writes, data_dict, sent_of
from cockpit.core.details import (
    CheckResult,
    FlagCell,
    QueueDetail,
    QueueState,
    SuspectCount,
    check_result,
    detail_dict,
    flag_cell,
    queue_detail,
    suspect_count,
)
from cockpit.core.readings import FLAGS, Reading

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def test_details_write_the_old_keys_and_read_them_back() -> None:
    queue = QueueDetail(QueueState(5, in_flight=2, paused=True), kind="rq", server="jobs", queue="q", redis="jobs")
    old = detail_dict(queue)
    assert old == {
        "in_flight": 2,
        "failed": None,
        "retrying": None,
        "scheduled": None,
        "oldest_age": None,
        "paused": True,
        "kind": "rq",
        "server": "jobs",
        "queue": "q",
        "risky": False,
        "stage": 1,
        "age_warn": 60.0,
        "age_critical": 300.0,
        "redis": "jobs",
    }
    assert queue_detail({**old, "depth": 5}) == queue
    cell = FlagCell("new_checkout", "eu", "redis-hash", False, missing_reason="hash 'f' does not exist")
    assert detail_dict(cell) == {
        "flag": "new_checkout",
        "region": "eu",
        "backend": "redis-hash",
        "safe": False,
        "missing": True,
        "missing_reason": "hash 'f' does not exist",
    }
    assert flag_cell(detail_dict(cell)) == cell and cell.reads_missing
    assert suspect_count({"expect": "falling", "target": 5}) == SuspectCount("falling", 5.0)
    assert check_result({"ok": False, "reason": "HTTP 502"}, "checkout/pay") == CheckResult(
        "checkout", "pay", False, None, "HTTP 502"
    )


def test_shown_safely_neutralises_backend_text_in_a_typed_detail() -> None:
    cell = FlagCell("f", "eu", missing_reason="gone\x1b]0;pwned\x07")
    shown = Reading(FLAGS, "f@eu", None, T0, None, cell).shown_safely()
    assert isinstance(shown.detail, FlagCell) and "\x1b" not in (shown.detail.missing_reason or "")


def test_action_outcomes_journal_as_before() -> None:
    ok = Writes("written", ("f@eu",), ("f@eu: HSET flags f 0",))
    assert data_dict(ok) == {"sent": ["f@eu: HSET flags f 0"]}
    failed = Writes("paused", ("a",), ("SET x",), ("b: timeout",), (), ("b",))
    assert data_dict(failed) == {
        "paused": ["a"],
        "failed": ["b: timeout"],
        "not_changed": [],
        "unknown": ["b"],
        "sent": ["SET x"],
    }
    assert Writes.from_dict("paused", data_dict(failed)) == failed
    assert sent_of(failed) == sent_of(data_dict(failed)) == ("SET x",)
    update = UpdateSent("status", "all good", "stdout", ("to stdout",), {"error_rate": ("7%", "0.4%")})
    assert UpdateSent.from_dict(data_dict(update)) == update
    assert UpdateSent.from_dict({"audience": "status", "text": "t"}).sent_to == ""  # an older entry
    shown = Result(True, "ok", data=Writes("written", (), ("f@eu: PUT http://x/\x1b[2Jf",))).shown_safely()
    assert "\x1b" not in sent_of(shown.data)[0]


def test_a_repair_entry_of_any_version_reads_back() -> None:
    from cockpit.actions.data_long import RepairRun

    run = RepairRun("fix-holds", "dana", "UPDATE x", "ab" * 32, {"release": 3}, ("BEGIN", "COMMIT"))
    done = RepairRun(**{**run.__dict__, "applied": {"release": 3}, "marked_for_review": 1})
    assert data_dict(run)["applied"] == {} and "marked_for_review" not in data_dict(run)
    assert RepairRun.from_dict(data_dict(done)) == done and done.committed
    old = {"script": "fix-holds", "applied": {"release": 3}, "commit_unknown": True}  # no sha256, no sent
    back = RepairRun.from_dict(old)
    assert back.applied == {"release": 3} and not back.committed and back.sent == ()
