"""Flags × regions: observed value per cell, drift and partial rollouts marked in words."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.console import RenderableType
from rich.text import Text

from cockpit.core.flagmatrix import FlagCell, build_matrix
from cockpit.core.readings import FLAGS, Board, Freshness
from cockpit.panels.base import ALARM, Panel, marker
from cockpit.panels.grid import Col, Grid


def _value(v: float | None) -> str:
    return "?" if v is None else "off" if v <= 0 else "on" if v >= 100 else f"{v:.0f}%"


def cell_text(cell: FlagCell | None) -> Text:
    if cell is None:
        return Text("·", style="dim")
    if cell.freshness is Freshness.UNREACHABLE and cell.observed is None:
        return Text("✖UNREACH", style=ALARM)
    if cell.missing and cell.observed is None:
        # The region answered that the flag does not exist there: unknown, never "off".
        return Text("✖MISSING", style=ALARM) + Text(marker(cell.freshness), style=ALARM)
    text = Text(_value(cell.observed), style="bold" if cell.observed else "")
    if cell.desired is not None and cell.desired != cell.observed:
        text.append(f"→{_value(cell.desired)}", style="cyan")
    if cell.partial:
        text.append("◐", style="yellow")
    if cell.drift:
        text.append("≠", style="bold magenta")
    if m := marker(cell.freshness):
        text.append(m, style=ALARM)
    return text


class FlagsPanel(Panel):
    source = FLAGS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Flags × regions (◐ partial ≠ drift →desired)", id=id)

    def expected_lines(self, names: Sequence[str]) -> int:
        flags = {name.partition("@")[0] for name in names}  # "flag@region": a row per flag
        return 1 + len(flags) if flags else 0

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        matrix = build_matrix(board)
        table = Grid(Col("flag", flex=True), *(Col(region) for region in matrix.regions))
        key = []
        for flag in matrix.flags:
            cells = [cell_text(matrix.cells.get((flag, r))) for r in matrix.regions]
            table.add_row(Text(flag, style="bold"), *cells, ident=flag)
            key.append((flag, tuple(c.plain for c in cells)))
        return tuple(key), table
