"""What the user sees when a source stops answering: its panel says STALE once its last
reading is older than the source allows (two intervals), while the read still hangs,
without waiting for a reading or an error to redraw it: the 1 s tick does."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from cockpit.core.readings import QUEUES, Reading
from cockpit.panels.queues import QueuesPanel
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text


async def test_a_source_that_stops_answering_shows_stale_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, backends, _ = drill_app(tmp_path / "j.jsonl", speed=1.0)
    (queues,) = [s for s in backends.sources if s.kind == QUEUES]
    answering = asyncio.Event()
    answering.set()
    read = queues.read

    async def read_until_it_hangs() -> list[Reading]:
        await answering.wait()
        return await read()

    monkeypatch.setattr(queues, "read", read_until_it_hangs)
    # Longer than the wait below: the read hangs without failing, so the panel can only
    # turn STALE by its age (a failed read would say UNREACHABLE instead).
    monkeypatch.setattr(queues, "timeout", 120.0)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.query_one(QueuesPanel)
        await wait_until(pilot, lambda: str(panel.border_subtitle).startswith("age"), what="a fresh queue reading")
        assert "STALE" not in screen_text(app)
        answering.clear()  # the source stops answering (threshold: 2 x its 2 s interval)
        await wait_until(pilot, lambda: "STALE" in screen_text(app), timeout=60, what="STALE on screen")
        assert "STALE" in str(panel.border_subtitle)
