"""The runbook panel repaints only what changed: the same steps shown again send nothing
(its subtitle, which reads back without its "[d]" key, once made every refresh a full repaint)."""

from __future__ import annotations

from pathlib import Path

from cockpit.panels.runbook import RunbookPanel
from tests.drill_helpers import drill_app, wait_until


async def test_the_same_runbook_shown_again_repaints_nothing(tmp_path: Path) -> None:
    app, _, _ = drill_app(tmp_path / "j.jsonl", speed=1.0)
    async with app.run_test(size=(200, 50)) as pilot:
        panel = app.query_one(RunbookPanel)
        await wait_until(pilot, lambda: panel.content_size.width > 0, what="runbook laid out")
        app._refresh_at = lambda now: None  # nothing but this test updates the panel now
        session = app.session
        panel.show(session.runbook, session.read_only, {}, {})
        await pilot.pause()
        calls: list[tuple] = []
        real = panel.refresh
        panel.refresh = lambda *regions, **kw: (calls.append((regions, kw)), real(*regions, **kw))[1]  # type: ignore[method-assign]
        panel.show(session.runbook, session.read_only, {}, {})
        panel._shown = None  # even recomputed, the same rows send nothing
        panel.show(session.runbook, session.read_only, {}, {})
        assert calls == []
