"""The queue panel's `wait` column: the oldest waiting job's age, coloured, and with a word
once it crosses the queue's thresholds, so it reads without colour too."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from cockpit.core.readings import QUEUES, Board, Reading
from panels.queues import QueuesPanel
from tests.screen import screen_text


class PanelApp(App):
    def compose(self) -> ComposeResult:
        yield QueuesPanel(set(), id="queues")


def reading(name: str, age: float | None, **detail) -> Reading:
    return Reading(
        QUEUES,
        name,
        10.0,
        datetime.now(UTC),
        None,
        {"in_flight": 1, "failed": 0, "scheduled": 0, "paused": False, "oldest_age": age, **detail},
    )


async def test_wait_column_words_and_colours_follow_each_queues_thresholds() -> None:
    board = Board()
    board.update(
        [
            reading("busy", 12.0),
            reading("slowish", 130.0),
            reading("stuck", 1800.0),
            reading("strict", 45.0, age_warn=10.0, age_critical=30.0),
            reading("blind", None),
        ]
    )
    app = PanelApp()
    async with app.run_test(size=(80, 12)) as pilot:
        panel = app.query_one(QueuesPanel)
        panel.refresh_from(board)
        await pilot.pause()
        rows = {line.split()[1]: line for line in screen_text(app).splitlines() if len(line.split()) > 2}
        assert "12s" in rows["busy"] and "slow" not in rows["busy"]
        assert "2m slow" in rows["slowish"]
        assert "30m STUCK" in rows["stuck"]
        assert "45s STUCK" in rows["strict"]  # its own age_critical of 30 s
        assert "—" in rows["blind"]  # the kind cannot tell: never shown as 0
        styles = {}
        for line in app.query_one(QueuesPanel).render_board(board)[1].lines(70):
            for span in line.spans:
                styles[line.plain[span.start : span.end].strip()] = str(span.style)
        assert styles["2m slow"] == "yellow" and styles["30m STUCK"] == "bold red" and styles["12s"] == "green"
