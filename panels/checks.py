"""User-path checks: pass/fail per step, latency against its budget, the reason."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import RenderableType
from rich.text import Text

from cockpit.core.details import check_result
from cockpit.core.readings import CHECKS, Board
from cockpit.panels.base import ALARM, Panel, marker
from cockpit.panels.grid import Col, Grid


class ChecksPanel(Panel):
    source = CHECKS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("User paths", id=id)

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        table = Grid(Col("step", max_width=24), Col(""), Col("latency", justify="right"), Col("why", flex=True))
        key = []
        for name, slot in board.slots(CHECKS):
            good = slot.last_good
            fresh = board.freshness(CHECKS, name)
            result = check_result(good.detail, name) if good else None
            ok = bool(result and result.ok)
            verdict = Text("✔PASS", style="green") if ok else Text("✖FAIL", style=ALARM)
            if m := marker(fresh):
                verdict.append(m, style=ALARM)
            latency = f"{good.value * 1000:.0f}ms" if good and isinstance(good.value, float) else "—"
            reason = slot.latest.error or (result.reason if result else "")
            table.add_row(name, verdict, latency, Text(str(reason), style="dim"), ident=name)
            key.append((name, ok, latency, reason, fresh))
        return tuple(key), table
