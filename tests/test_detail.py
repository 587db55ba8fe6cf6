"""The detail of a log entry tells the whole story of its action; a panel row shows every field."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.detail_text import entry_detail, words
from cockpit.core.readings import QUEUES
from tests.drill_helpers import drill_app, journal_entries, wait_until
from tests.screen import screen_text
from tests.test_drill_tui import confirm_step, declare


def test_words_never_show_a_raw_dict() -> None:
    assert words({"duplicate discount holds": 3, "orders": 0}) == "duplicate discount holds 3, orders 0"
    assert words([1, "a\x1b[2J"]) == "1; a␛[2J"


async def test_the_revert_entry_carries_its_command_output_and_readings(tmp_path: Path) -> None:
    path = tmp_path / "revert.jsonl"
    app, _, _ = drill_app(path, speed=60)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await declare(pilot)
        await confirm_step(pilot, "r", "run (no shell)")
        await wait_until(
            pilot,
            lambda: any(
                e.data.get("action") == "revert" and e.data.get("phase") == "result" for e in journal_entries(path)
            ),
            timeout=30,
            what="revert result",
        )
        await pilot.press("t")  # the log, focused; Enter on the newest entry would be the step change
        log = app.query_one("#log")
        result = next(i for i, e in enumerate(log.shown) if e.data.get("phase") == "result")
        log.cursor = result
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Command log" in screen_text(app), what="detail")
        text = screen_text(app)
        assert "exec (no shell):" in text
        assert "Output, as it streamed:" in text and "successfully rolled out" in text
        assert "Readings before → after:" in text and "operator: alice" in text
    lines = entry_detail(journal_entries(path)[-1], journal_entries(path))
    assert lines[0].startswith("#")


async def test_enter_on_a_runbook_step_lists_what_happened_in_it(tmp_path: Path) -> None:
    from cockpit.panels.runbook import RunbookPanel

    path = tmp_path / "step.jsonl"
    app, _, _ = drill_app(path, speed=30)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await declare(pilot)
        runbook = app.query_one(RunbookPanel)
        runbook.focus()
        await pilot.press("down", "up", "enter")  # the cursor starts on step 1, Declare
        await wait_until(pilot, lambda: "Runbook step: declare" in screen_text(app), what="step detail")
        text = screen_text(app)
        assert "[d] Declare the incident — DONE" in text and "declared SEV2" in text
        await pilot.press("q")
        await wait_until(pilot, lambda: "Runbook step" not in screen_text(app), what="closed")


@pytest.mark.servers
async def test_the_detail_of_a_queue_pause_and_a_repair_shows_what_was_sent(
    tmp_path: Path, redis_url: str, pg_dsn: str
) -> None:
    from cockpit.incident.journal import read
    from tests.test_actions_live import REPAIR, config_text, seed_repair, session_for, yes

    seed_repair(pg_dsn)
    session = session_for(config_text(redis_url, extra=REPAIR), tmp_path, {"PG_RO": pg_dsn, "PG_REPAIR": pg_dsn})
    try:
        action = session.backends.targeted("pause_queue", "payment-retry")
        session.actions[action.name] = action
        assert (await session.run_action(action.name, yes)).status == "done"
        assert (await session.run_action("repair", yes)).status == "done"
    finally:
        await session.backends.close()
    entries = read(tmp_path / "j.jsonl").entries

    def detail(action: str) -> list[str]:
        entry = next(e for e in entries if e.data.get("action") == action and e.data.get("phase") == "result")
        lines = entry_detail(entry, entries)
        return lines[lines.index("Command log (what was sent; do it by hand if the cockpit cannot):") :]

    assert "  redis 'jobs': SET rq:suspended 1" in detail(action.name)
    sent = detail("repair")
    where = "postgres (DSN from $PG_REPAIR)"
    assert f"  {where}: BEGIN" in sent and f"  {where}: COMMIT" in sent
    assert f"  {where}: mark unpaid for review (no parameters; must touch exactly 5 rows, else ROLLBACK):" in sent
    assert "      UPDATE orders SET status = 'needs_review' WHERE status = 'paid' AND NOT captured" in sent
    assert not any(pg_dsn in line for line in sent)  # the DSN (its password) never reaches the log


async def test_the_drills_pause_shows_what_a_real_rq_would_be_sent(tmp_path: Path) -> None:
    path = tmp_path / "pause.jsonl"
    app, _, _ = drill_app(path, speed=60)
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: app.session.board.names(QUEUES), what="first readings")
        await declare(pilot)
        await confirm_step(pilot, "s", "payment-retry (rq on redis 'jobs')")
        await wait_until(
            pilot,
            lambda: any(
                e.data.get("action") == "pause_risky" and e.data.get("phase") == "result" for e in journal_entries(path)
            ),
            timeout=30,
            what="pause result",
        )
        await pilot.press("t")
        log = app.query_one("#log")
        log.cursor = next(
            i
            for i, e in enumerate(log.shown)
            if e.data.get("action") == "pause_risky" and e.data.get("phase") == "result"
        )
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Command log" in screen_text(app), what="detail")
        assert "redis 'jobs': SET rq:suspended 1" in screen_text(app)


def test_a_command_log_url_keeps_its_user_and_drops_its_password() -> None:
    from cockpit.backends.queues.base import redacted_url

    assert redacted_url("amqp://guest:s3cret@rabbit:5672/vhost") == "amqp://guest:***@rabbit:5672/vhost"
    assert redacted_url("redis://:s3cret@jobs/0") == "redis://:***@jobs/0"
    assert redacted_url("redis://jobs:6379/0") == "redis://jobs:6379/0"
