"""Behind a dialog the panels are frozen (Textual repaints the whole dimmed background for any
change behind a modal); when it closes, one catch-up repaint shows what changed meanwhile."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from cockpit.core.readings import QUEUES, SUSPECTS
from cockpit.ui.screens import HelpScreen, NoteScreen
from tests.drill_helpers import drill_app, wait_until


def background_text(app) -> str:
    """What the main screen (under any dialog) shows, as plain text."""
    strips = app.screen_stack[0]._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)


async def refreshes(pilot, count: int) -> None:
    """Wait until the view refresh has run `count` more times (it evaluates the gate each time)."""
    app = pilot.app
    for _ in range(count):
        before = app.session.gate_status
        await wait_until(pilot, lambda before=before: app.session.gate_status is not before, what="a view refresh")


async def test_a_panel_behind_a_dialog_does_not_change_and_catches_up_when_it_closes(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl", speed=60)
    async with app.run_test(size=(120, 36)) as pilot:
        board = app.session.board
        await wait_until(pilot, lambda: board.names(SUSPECTS) and board.names(QUEUES), what="first readings")
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        await pilot.pause(0.1)
        frozen = background_text(app)
        readings_before = board.key_readings()
        app.session.record("note", "behind help")
        await refreshes(pilot, 3)  # readings keep coming (speed 60: the clock and rates move)
        await wait_until(pilot, lambda: board.key_readings() != readings_before, what="new readings")
        assert background_text(app) == frozen
        assert "behind help" not in frozen
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await wait_until(pilot, lambda: "behind help" in background_text(app), what="the held log entry shown")
        assert background_text(app) != frozen


async def test_text_fields_in_dialogs_do_not_blink(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="note dialog")
        await pilot.pause(0.1)
        field = app.screen.query_one("#note", Input)
        assert field.has_focus and field.cursor_blink is False
