"""Steady state sends only what changed, from the first frame on (what crosses an SSH link):
a source whose first reading lands after the first frame fills its panel in place without
moving (and so repainting) the panels below it, and the first change after start-up is
sent as the changed cells, not as a relayout of the widget."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from cockpit.core.gate import NOT_RESTORED, Condition, GateStatus
from cockpit.core.readings import SUSPECTS, Reading
from cockpit.panels.checks import ChecksPanel
from cockpit.panels.records import RecordsPanel
from cockpit.panels.status_bar import StatusBar, StatusView
from tests.drill_helpers import drill_app, wait_until
from tests.screen import screen_text


async def test_a_late_first_reading_fills_its_panel_without_moving_the_panels_below(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, backends, _ = drill_app(tmp_path / "j.jsonl", speed=1.0)
    (suspects,) = [s for s in backends.sources if s.kind == SUSPECTS]
    landed = asyncio.Event()
    read = suspects.read

    async def late_read() -> list[Reading]:
        await landed.wait()  # past the first frame's wait for first readings
        return await read()

    monkeypatch.setattr(suspects, "read", late_read)
    async with app.run_test(size=(200, 50)) as pilot:
        records, checks = app.query_one(RecordsPanel), app.query_one(ChecksPanel)
        await wait_until(pilot, lambda: "checkout/pay" in screen_text(app), what="the first frame")
        assert "duplicate discount holds" not in screen_text(app)  # the suspects have not answered
        before = (records.region, checks.region)
        calls: list[tuple] = []
        real = checks.refresh
        monkeypatch.setattr(
            checks, "refresh", lambda *regions, **kw: (calls.append((regions, kw)), real(*regions, **kw))[1]
        )
        filled: list[tuple] = []
        real_records = records.refresh
        monkeypatch.setattr(
            records,
            "refresh",
            lambda *regions, **kw: (filled.append((regions, kw)), real_records(*regions, **kw))[1],
        )
        landed.set()
        await wait_until(pilot, lambda: "duplicate discount holds" in screen_text(app), what="the late reading")
        await pilot.pause()
        # The records panel was as tall as its three queries from the first frame: the
        # panel below it stays where it was, and nothing of it is sent again.
        assert (records.region, checks.region) == before
        # The spies see repaints (the records panel's, which drew the reading), and none of
        # the checks panel's is of the whole panel (none at all is the usual case).
        assert filled, "the records panel was not repainted: the spies saw nothing"
        assert all(regions for regions, _ in calls), calls  # never the whole checks panel
        assert "paid without captured payment" in screen_text(app)


def view(session, reason: str) -> StatusView:
    conditions = (Condition("error rate", False, reason, "mitigated", "high"),)
    gate = GateStatus(NOT_RESTORED, conditions, 0.0, 900.0, f"error rate: {reason}")
    return StatusView(session.incident, 60.0, None, "alice", False, "DRILL", gate, None)


class BarApp(App[None]):
    """A status bar given its first view before it is laid out, as the cockpit's is."""

    def __init__(self, first: StatusView) -> None:
        super().__init__()
        self.first = first

    def compose(self) -> ComposeResult:
        yield StatusBar()

    def on_mount(self) -> None:
        self.query_one(StatusBar).show(self.first)


async def test_the_first_change_after_the_first_frame_sends_only_the_changed_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = drill_app(tmp_path / "j.jsonl")[0].session
    app = BarApp(view(session, "checkout 5xx ratio 7.1%"))
    async with app.run_test(size=(120, 10)) as pilot:
        bar = app.query_one(StatusBar)
        await wait_until(pilot, lambda: "7.1%" in screen_text(app), what="the first frame")
        calls: list[tuple] = []
        real = bar.refresh
        monkeypatch.setattr(
            bar, "refresh", lambda *regions, **kw: (calls.append((regions, kw)), real(*regions, **kw))[1]
        )
        bar.show(view(session, "checkout 5xx ratio 7.1%"))  # the same rows: nothing
        assert calls == []
        bar.show(view(session, "checkout 5xx ratio 7.2%"))
        # Not a layout of the bar, nor its three rows: the one changed digit of row 1
        # (and of the gate line's reason on row 2, cut at the same place).
        assert calls and all(regions and kw == {} for regions, kw in calls), calls
        assert all(r.height == 1 and r.width <= 2 for regions, _ in calls for r in regions), calls
        await wait_until(pilot, lambda: "7.2%" in screen_text(app), what="the new value on screen")
