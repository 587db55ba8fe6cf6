"""Suspect records: count, change since the incident was declared, rising or falling."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import RenderableType
from rich.text import Text

from cockpit.readings import SUSPECTS, Board
from cockpit.panels.base import ALARM, TREND, Panel, marker
from cockpit.panels.grid import Col, Grid


class RecordsPanel(Panel):
    source = SUSPECTS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Suspect records", id=id)
        self.baseline: dict[str, float] = {}

    def render_inputs(self) -> Hashable:
        return tuple(self.baseline.items())  # the Δdecl column

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        table = Grid(Col("query", flex=True), Col("count", justify="right"), Col("Δdecl", justify="right"), Col("trend"))
        key = []
        for name, slot in board.slots(SUSPECTS):
            value = slot.last_good.value if slot.last_good else None
            fresh = board.freshness(SUSPECTS, name)
            trend = slot.series.trend(3)
            word = {1: "RISING", 0: "steady", -1: "falling"}[trend]
            style = "bold red" if trend > 0 else "green" if value == 0 else "yellow" if value else ""
            count = f"{int(value):,}" if isinstance(value, float) else "—"
            base = self.baseline.get(name)
            delta = f"{value - base:+,.0f}" if isinstance(value, float) and base is not None else "—"
            trend_text = Text(f"{TREND[trend]} {word}", style=style)
            if m := marker(fresh):
                trend_text.append(m, style=ALARM)
            table.add_row(Text(name), Text(count, style=style), delta, trend_text, ident=name)
            key.append((name, count, delta, word, fresh))
        return tuple(key), table
