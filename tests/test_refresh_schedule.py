"""Readings redraw the view once per REFRESH_GAP: a redraw that runs sooner (a key, the 1 s
tick) stops the scheduled one, and the tick does not redraw when one is already due or one
ran less than TICK_SKIP ago (live sources redraw every second by themselves)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.core.readings import QUEUES
from cockpit.ui.refresh import TICK_SKIP
from tests.drill_helpers import drill_app


async def test_a_redraw_that_runs_sooner_stops_the_scheduled_one_and_the_tick_waits_for_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl")
    async with app.run_test(size=(160, 50)) as pilot:
        app.workers.cancel_all()  # no readings of their own: this test delivers the changes
        await pilot.pause()
        redraws: list[int] = []
        real = app._refresh_view
        monkeypatch.setattr(app, "_refresh_view", lambda: (redraws.append(1), real())[1])

        app.refresh_view()  # a key: the gap starts now
        app._on_change(QUEUES)  # a reading within the gap: one redraw scheduled at its end
        timer = app._refresh_timer
        assert timer is not None and app._refresh_pending
        app.tick_view()  # the 1 s tick: the scheduled redraw shows the same, soon
        assert redraws == [1]
        app.refresh_view()  # another key before the scheduled one lands
        assert redraws == [1, 1] and app._refresh_timer is None and timer._task is None
        assert not app._refresh_pending
        app.tick_view()  # nothing scheduled, but a redraw just ran: nothing new to show
        assert redraws == [1, 1]
        app._last_refresh -= TICK_SKIP  # the last redraw is TICK_SKIP old
        app.tick_view()  # the tick redraws (the clock and the ages move)
        assert redraws == [1, 1, 1]
