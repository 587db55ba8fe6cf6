"""Error rate: current ratio, level word, trend, a sparkline of the recent window, thresholds."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.console import RenderableType
from rich.text import Text

from cockpit.core.readings import ERROR_RATE, Board
from cockpit.panels.base import ALARM, TREND, Panel, marker

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: list[float], width: int, ceiling: float, added: int | None = None) -> str:
    """One block per value, newest at the right end of what is drawn.

    With `added` (how many values the series ever had), the line pages like a chart
    recorder: it fills to `width`, then drops its oldest quarter at once. Scrolling by one
    point per reading rewrote every cell of the line on every reading (over SSH, most of
    an idle screen's bytes); paging writes one new cell per reading and the line once per
    quarter width."""
    if not values:
        return ""
    if added is None or width < 8:
        values = values[-width:]
    else:
        step = max(1, width // 4)
        first = max(0, -(-(added - width) // step) * step)  # a multiple of step: stable between pages
        values = values[max(0, len(values) - (added - first)) :]
    top = max(max(values), ceiling, 1e-9)
    return "".join(BLOCKS[min(8, round(v / top * 8))] for v in values)


class ErrorRatePanel(Panel):
    source = ERROR_RATE

    def __init__(self, thresholds: dict[str, tuple[float, float]], *, id: str | None = None) -> None:
        super().__init__("Error rate", id=id)
        self.thresholds = thresholds

    def expected_lines(self, names: Sequence[str]) -> int:
        return 2 * len(names)  # a head line and a value line each

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        lines: list[Text] = []
        key = []
        width = max(8, self.size.width - 26) if self.size.width else 30
        self.row_ids = []
        cursor = self.cursor if self.has_focus else None
        for name, slot in board.slots(ERROR_RATE):
            if not self.keep(name, name):
                continue
            self.row_ids.append(name)
            warn, crit = self.thresholds.get(name, (0.02, 0.05))
            value = slot.last_good.value if slot.last_good else None
            fresh = board.freshness(ERROR_RATE, name)
            if value is None:
                shown, level, style = "—", "NO DATA", "dim"
            elif isinstance(value, str):
                # A query with no series: its own word and colour, never a percentage.
                shown, level, style = "—", value.upper(), "bold magenta"
            elif value != value:  # NaN: no requests at all, which is not the same as no errors
                shown, level, style = "NaN", "NO TRAFFIC", "yellow"
            else:
                shown = f"{value:.2%}"
                level, style = (
                    ("CRIT", ALARM) if value >= crit else ("WARN", "yellow") if value >= warn else ("OK", "green")
                )
            series = slot.series.values()
            trend = TREND[slot.series.trend()]
            head = Text(name, style="bold", no_wrap=True, overflow="ellipsis")
            head.append(f"  warn {warn:.1%} crit {crit:.1%}", style="dim")
            if name == cursor:
                head.pad_right(max(0, self.content_size.width - head.cell_len))
                head.stylize("reverse")
            body = Text(no_wrap=True, overflow="crop")
            plain = "red" if style == ALARM else style
            body.append(f"{shown:>7} ", style=plain)
            body.append(level, style=style)  # the alarm word alone in reverse, not the whole line
            if m := marker(fresh):
                body.append(m, style=ALARM)
            body.append(f" {trend} ", style=plain)
            # No wider than the ring holds: a full ring drops a point per reading, which
            # would scroll the line again.
            shown_series = sparkline(series, min(width, slot.series.capacity), crit, slot.series.added)
            body.append(shown_series, style=plain)
            lines += [head, body]
            key.append((name, shown, level, fresh, trend, shown_series, width, name == cursor))
        return tuple(key), Text("\n").join(lines)
