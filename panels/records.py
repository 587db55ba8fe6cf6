"""Suspect records: count, change since the incident was declared, and the trend over a
visible window (any increase is RISING: suspect counts must not grow at all)."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import RenderableType
from rich.text import Text

from cockpit.core.details import suspect_count
from cockpit.core.gate import at_target
from cockpit.core.readings import SUSPECTS, Board, trend_window, window_text, window_trend
from cockpit.panels.base import ALARM, Panel, marker
from cockpit.panels.grid import Col, Grid


def trend_cell(direction: int | None, met: bool) -> tuple[str, str]:
    """(words, style) for a suspect's trend: at target beats everything but a rise."""
    if direction is not None and direction > 0:
        return "▲ RISING", "bold red"
    if met:
        return "✔ at target", "green"
    if direction is None:
        return "… trend", "dim"
    return ("▼ falling", "yellow") if direction < 0 else ("─ steady", "yellow")


class RecordsPanel(Panel):
    source = SUSPECTS

    def __init__(self, targets: dict[str, tuple[str, float | None]] | None = None, *, id: str | None = None) -> None:
        super().__init__("Suspect records", id=id)
        self.baseline: dict[str, float] = {}
        self.targets = targets or {}  # name -> (expect, target)

    def render_inputs(self) -> Hashable:
        return tuple(self.baseline.items())  # the Δdecl column

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        window = trend_window(board.poll_interval(SUSPECTS))
        now = board.clock()
        table = Grid(
            Col("query", flex=True),
            Col("count", justify="right"),
            Col("Δdecl", justify="right"),
            Col(f"trend {window_text(window)}"),
        )
        key = []
        for name, slot in board.slots(SUSPECTS):
            value = slot.last_good.value if slot.last_good else None
            fresh = board.freshness(SUSPECTS, name)
            trend = window_trend(slot.series, now, window)
            base = self.baseline.get(name)
            expect, target = self.targets.get(
                name, (suspect_count(slot.last_good.detail).expect if slot.last_good else "zero", None)
            )
            met = isinstance(value, float) and at_target(expect, target, value, base, trend.direction)[0]
            word, style = trend_cell(trend.direction, bool(met))
            count = f"{int(value):,}" if isinstance(value, float) else "—"
            delta = f"{value - base:+,.0f}" if isinstance(value, float) and base is not None else "—"
            change = f" {trend.delta:+,.0f}" if trend.delta else ""
            trend_text = Text(f"{word}{change}", style=style)
            if m := marker(fresh):
                trend_text.append(m, style=ALARM)
            table.add_row(Text(name), Text(count, style=style), delta, trend_text, ident=name)
            key.append((name, count, delta, word, change, fresh, window))
        return tuple(key), table
