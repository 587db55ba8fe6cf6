"""Readings redraw the view once per REFRESH_GAP: a redraw that runs sooner (a key, the 1 s
tick) stops the scheduled one, and the tick does not redraw when one is already due or one
ran in the same second of the board's clock (live sources redraw every second by
themselves); in the next second it does, however recent that redraw (the ages move)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.core.readings import QUEUES
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
        board = app.session.board
        start = board.clock().replace(microsecond=100_000)
        clock = [start]
        monkeypatch.setattr(board, "clock", lambda: clock[0])

        app.refresh_view()  # a key: the gap starts now
        app._on_change(QUEUES)  # a reading within the gap: one redraw scheduled at its end
        timer = app._refresh_timer
        assert timer is not None
        app.tick_view()  # the 1 s tick: the scheduled redraw shows the same, soon
        assert redraws == [1]
        app.refresh_view()  # another key before the scheduled one lands
        assert redraws == [1, 1] and app._refresh_timer is None and timer._task is None
        clock[0] = start + timedelta(milliseconds=800)
        app.tick_view()  # nothing scheduled, and a redraw ran in this second: nothing new to show
        assert redraws == [1, 1]
        clock[0] = start + timedelta(milliseconds=1_000)  # 0.2 s later, the next second
        app.tick_view()  # the tick redraws (the clock and the ages move)
        assert redraws == [1, 1, 1]
