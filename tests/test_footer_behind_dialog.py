"""Opening a dialog does not rebuild the main screen's footer behind it (each rebuild made
Textual draw the whole dimmed screen again); closing it gives the footer its keys back."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.footer import MainFooter
from cockpit.ui.screens import HelpScreen
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text


async def test_the_footer_stays_put_behind_help_and_is_back_after(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl", speed=1.0)
    async with app.run_test(size=(120, 36)) as pilot:
        footer = app.query_one(MainFooter)
        await wait_until(pilot, lambda: "Declare" in screen_text(app), what="the footer's keys")
        rebuilt: list[int] = []
        real = footer.recompose

        async def counting() -> None:
            rebuilt.append(1)
            await real()

        footer.recompose = counting  # type: ignore[method-assign]
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help open")
        for _ in range(3):
            await pilot.pause()
        assert rebuilt == []
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await wait_until(pilot, lambda: "Declare" in screen_text(app), what="the footer's keys again")
