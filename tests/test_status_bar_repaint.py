"""The status bar repaints only the cells whose shown text changed (what crosses an SSH link):
a value cut off at the terminal's edge, or row 1 when only the gate line moved, sends nothing."""

from __future__ import annotations

from pathlib import Path

from cockpit.core.gate import NOT_RESTORED, Condition, GateStatus
from cockpit.panels.status_bar import StatusBar, StatusView
from tests.drill_helpers import drill_app, wait_until


def view(app, detail: str) -> StatusView:
    s = app.session
    conditions = (
        Condition("error rate", False, detail, "mitigated", "high"),
        Condition("queues", True, "ok", "restored", "draining"),
    )
    gate = GateStatus(NOT_RESTORED, conditions, 0.0, 900.0, f"error rate: {detail}")
    return StatusView(s.incident, 60.0, None, "alice", False, "DRILL", gate, None)


async def test_only_changed_rows_are_repainted_and_text_past_the_edge_is_not(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one(StatusBar)
        await wait_until(pilot, lambda: bar.content_size.width > 0, what="status bar laid out")
        app._refresh_at = lambda now: None  # nothing but this test updates the bar now (the 1 s timer too)
        far = "x" * 90
        bar.show(view(app, far + " 7.1%"))
        await pilot.pause()
        calls: list[tuple] = []
        real = bar.refresh
        bar.refresh = lambda *regions, **kw: (calls.append((regions, kw)), real(*regions, **kw))[1]  # type: ignore[method-assign]
        bar.show(view(app, far + " 7.2%"))  # changes only past column 80
        assert calls == []
        bar.show(view(app, "checkout 5xx ratio 7.3%"))  # row 2 (the state and its reason) changes
        # Only row 1 (the state and its reason), and only its cells after the unchanged
        # "NOT RESTORED — error rate: " (a narrower write; cockpit.ui.spans sends just that).
        assert len(calls) == 1
        regions, kw = calls[0]
        assert kw == {} and regions and all(r.y == 1 and r.height == 1 for r in regions)
        assert min(r.x for r in regions) == len("NOT RESTORED — error rate: ")
        assert max(r.right for r in regions) <= bar.content_size.width
        await pilot.pause()
        assert "checkout 5xx ratio 7.3%" in "".join(s.text for s in bar.render_line(1))
