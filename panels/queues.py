"""Queues: depth with its trend over a visible window, in flight, failed, retrying,
scheduled, oldest waiting job's age, paused state."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

from rich.console import RenderableType
from rich.text import Text

from cockpit.core.details import QueueDetail, queue_detail
from cockpit.core.gate import QUEUE_RATIO, QUEUE_SLACK
from cockpit.core.readings import QUEUES, Board, trend_window, window_text, window_trend
from cockpit.panels.base import ALARM, TREND, Panel, marker
from cockpit.panels.grid import Col, Grid


def _n(value: object) -> str:
    return "—" if value is None else f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


#: How long the oldest waiting job may wait before its queue is called slow, then stuck
#: (unless the queue's config sets age_warn / age_critical).
AGE_WARN, AGE_CRITICAL = 60.0, 300.0


def _span(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds / 86400:.0f}d"


def age_cell(detail: QueueDetail) -> Text:
    """The oldest waiting job's age, coloured, with a word once over a threshold (slow / STUCK)
    so it reads without colour too; '—' when the kind cannot tell, '0s' for an empty queue."""
    age = detail.state.oldest_age
    if not isinstance(age, (int, float)):
        return Text("—", style="dim")
    warn = detail.age_warn or AGE_WARN
    critical = detail.age_critical or AGE_CRITICAL
    if age >= critical:
        return Text(f"{_span(age)} STUCK", style="bold red")
    if age >= warn:
        return Text(f"{_span(age)} slow", style="yellow")
    return Text(_span(age), style="green")


class QueuesPanel(Panel):
    source = QUEUES
    max_rows = 25

    def __init__(self, risky: set[str], *, id: str | None = None) -> None:
        super().__init__("Queues (! = risky)", id=id)
        self.risky = risky

    def expected_lines(self, names: Sequence[str]) -> int:
        if not names:
            return 0
        return 1 + min(len(names), self.max_rows) + (len(names) > self.max_rows)  # + the "more queues" line

    def render_board(self, board: Board) -> tuple[Hashable, RenderableType]:
        key: list[Hashable] = []
        # The filter chooses among all queues, before the longest lists are cut short.
        every = list(board.slots(QUEUES))
        window = trend_window(board.poll_interval(QUEUES))
        now = board.clock()
        # The border title is set from `title` once the rows are counted (`_count_rows`):
        # setting it here as well made the two fight, repainting the whole panel every second.
        self.title = f"Queues (! = risky · trend {window_text(window)})"
        slots = [
            (name, slot)
            for name, slot in every
            if self.keep(
                name,
                f"{name} {'PAUSED' if slot.last_good and queue_detail(slot.last_good.detail).state.paused else 'run'}",
            )
        ]
        max_rows = 100_000 if self.zoomed else self.max_rows
        if len(slots) > max_rows:
            # Risky queues first, then the deepest: the ones an operator must see.
            slots.sort(
                key=lambda item: (
                    item[0] not in self.risky,
                    -(
                        item[1].last_good.value
                        if item[1].last_good and isinstance(item[1].last_good.value, float)
                        else -1
                    ),
                )
            )
        hidden = max(0, len(slots) - max_rows)
        rows: list[list[str | Text]] = []
        idents: list[str] = []  # each row's queue name
        for name, slot in slots[:max_rows]:
            good = slot.last_good
            detail = queue_detail(good.detail if good else None)
            queue = detail.state
            fresh = board.freshness(QUEUES, name)
            paused = bool(queue.paused)
            state = Text("⏸PAUSED", style="bold yellow") if paused else Text("▶run", style="green")
            if m := marker(fresh):
                state.append(m, style=ALARM)
            label = Text(name + ("!" if name in self.risky else ""), style="bold" if name in self.risky else "")
            direction = window_trend(slot.series, now, window, ratio=QUEUE_RATIO, at_least=QUEUE_SLACK).direction
            depth = f"{_n(good.value if good else None)}{TREND[direction or 0]}"
            age = age_cell(detail)
            # retry: jobs that failed and wait to run again (Sidekiq's retry set, BullMQ's
            # backoff); sched: jobs scheduled for later. Each column is named for what it counts.
            row: list[str | Text] = [
                label,
                depth,
                _n(queue.in_flight),
                _n(queue.failed),
                _n(queue.retrying),
                _n(queue.scheduled),
                age,
                state,
            ]
            rows.append(row)
            idents.append(name)
            key.append((name, depth, row[2], row[3], row[4], row[5], age.plain, age.style, paused, fresh))
        headers = ["depth", "run", "fail", "retry", "sched"]
        if 0 < self.size.width < 70:
            # Narrow: a count no queue here reports (every row "—") gives its room to the names.
            for index in (5, 4):
                if rows and all(row[index] == "—" for row in rows):
                    del headers[index - 1]
                    for row in rows:
                        del row[index]
        table = Grid(
            Col("queue", flex=True),
            *(Col(c, justify="right", min_width=4) for c in headers),
            Col("wait", justify="right"),
            Col("state"),
        )
        table.total = len(every)
        for row, ident in zip(rows, idents, strict=True):
            table.add_row(*row, ident=ident)
        if hidden:
            table.add_row(
                Text(f"+{hidden:,} more queues: z zooms, / filters", style="dim"), *([""] * (len(headers) + 2))
            )
            key.append(("hidden", hidden))
        key.append(tuple(headers))
        return (tuple(key), max_rows), table
