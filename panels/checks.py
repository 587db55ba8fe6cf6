"""User-path checks: pass/fail per step, latency against its budget, the reason."""

from __future__ import annotations

from collections.abc import Hashable

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cockpit.readings import CHECKS, Board
from panels.base import Panel, marker


class ChecksPanel(Panel):
    source = CHECKS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("User paths", id=id)

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        table = Table(box=None, padding=(0, 1), collapse_padding=True, pad_edge=False, expand=True, show_edge=False, header_style="bold dim")
        table.add_column("step", no_wrap=True, overflow="ellipsis", max_width=24)
        table.add_column("", no_wrap=True)
        table.add_column("latency", justify="right", no_wrap=True)
        table.add_column("why", no_wrap=True, overflow="ellipsis", ratio=1)
        key = []
        for name, slot in board.slots(CHECKS):
            good = slot.last_good
            fresh = board.freshness(CHECKS, name)
            ok = bool(good and good.detail.get("ok"))
            verdict = Text("✔PASS", style="green") if ok else Text("✖FAIL", style="bold red")
            if m := marker(fresh):
                verdict.append(m, style="bold red")
            latency = f"{good.value * 1000:.0f}ms" if good and isinstance(good.value, float) else "—"
            reason = (slot.latest.error or (good.detail.get("reason") if good else "") or "")
            table.add_row(name, verdict, latency, Text(str(reason), style="dim"))
            key.append((name, ok, latency, reason, fresh))
        return tuple(key), table
