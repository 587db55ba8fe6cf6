"""`ShownOnce`'s drops rest on Textual 8.2's order of events: on any other release they are
off, and the cockpit is drawn as Textual draws any screen (more writes, the same screen)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.ui import one_frame
from cockpit.ui.screens import HelpScreen
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text


@pytest.mark.parametrize(("version", "on"), [("8.2.8", True), ("8.3.0", False), ("9.0", False), ("dev", False)])
def test_the_drops_are_on_only_for_the_tested_textual(monkeypatch: pytest.MonkeyPatch, version: str, on: bool) -> None:
    monkeypatch.setattr(one_frame, "_textual_version", lambda: version)
    one_frame.active.cache_clear()
    try:
        assert one_frame.active() is on
    finally:
        one_frame.active.cache_clear()


async def test_with_the_drops_off_the_screens_are_still_drawn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(one_frame, "_textual_version", lambda: "9.0.0")
    one_frame.active.cache_clear()
    try:
        app, _, _ = drill_app(tmp_path / "j.jsonl", speed=0.01)
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_until(pilot, lambda: "Runbook" in screen_text(app), what="the first screen")
            await pilot.press("question_mark")
            await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            await wait_until(pilot, lambda: "what it does" in screen_text(app), what="help drawn")
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
            await wait_until(pilot, lambda: "what it does" not in screen_text(app), what="help gone from the screen")
            assert "Runbook" in screen_text(app)
    finally:
        one_frame.active.cache_clear()
