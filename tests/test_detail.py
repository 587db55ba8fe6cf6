"""The detail of a log entry tells the whole story of its action; a panel row shows every field."""

from __future__ import annotations

from pathlib import Path

from cockpit.detail_text import entry_detail, words
from cockpit.readings import QUEUES
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
