"""History and trends: a bounded series of (time, number) samples per reading, and the
change over a visible window that panels, gate and conditions read as rising or falling."""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Series:
    """A ring buffer of (time, number) samples: memory stays flat however long it runs."""

    capacity: int = 240
    points: deque[tuple[datetime, float]] = field(default_factory=deque)

    def __post_init__(self) -> None:
        self.points = deque(self.points, maxlen=self.capacity)

    #: How many of the newest points have the newest value (all of them: the series is flat).
    run: int = 0
    #: How many points were ever added (the ring keeps the newest `capacity`): a stable
    #: position for each point, so a sparkline can page instead of scrolling every point.
    added: int = 0
    #: The last trend worked out: (added, window, ratio, at_least, start index, trend).
    trend_seen: tuple[int, float, float, float, int, Trend] | None = field(default=None, repr=False, compare=False)

    def add(self, at: datetime, value: float) -> None:
        if self.points and at <= self.points[-1][0]:
            return  # a backfill or a repeated tick never reorders history
        self.run = self.run + 1 if self.points and self.points[-1][1] == value else 1
        self.points.append((at, value))
        self.added += 1

    @property
    def flat(self) -> bool:
        """Every point has the same value: one more of it changes no sparkline or trend."""
        return self.run >= len(self.points)

    def values(self) -> list[float]:
        return [v for _, v in self.points]

    def first_after(self, moment: datetime) -> int:
        """Index of the first point later than `moment` (points are in time order)."""
        return bisect_right(self.points, moment, key=lambda point: point[0])

    def value_at_or_before(self, moment: datetime) -> float | None:
        index = self.first_after(moment)
        return self.points[index - 1][1] if index else None

    def since(self, moment: datetime) -> list[tuple[datetime, float]]:
        return [(at, v) for at, v in self.points if at >= moment]

    def trend(self, span: int = 5) -> int:
        """-1 falling, 0 flat, +1 rising, over the last `span` samples."""
        recent = self.values()[-span:]
        if len(recent) < 2:
            return 0
        delta = recent[-1] - recent[0]
        scale = max(abs(recent[0]), abs(recent[-1]), 1e-9)
        if abs(delta) / scale < 0.02:
            return 0
        return 1 if delta > 0 else -1


def age_text(seconds: float) -> str:
    if seconds == float("inf"):
        return "never"
    if seconds < 60:
        return f"{seconds:.0f}s"
    if seconds < 3600:
        return f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
    return f"{seconds // 3600:.0f}h{(seconds % 3600) // 60:02.0f}m"


#: Trends are read over the last 5 minutes or 10 samples, whichever is longer.
TREND_MIN_WINDOW = 300.0
TREND_MIN_SAMPLES = 10


def trend_window(interval: float) -> float:
    """Seconds a trend looks back over, for a source read every `interval` seconds."""
    return max(TREND_MIN_WINDOW, TREND_MIN_SAMPLES * interval)


@dataclass(frozen=True)
class Trend:
    """The change of a series over the visible window; `direction` is +1 rising, 0 steady,
    -1 falling, and None when there are too few samples to say."""

    delta: float | None
    window: float
    direction: int | None


def window_trend(series: Series, now: datetime, window: float, *, ratio: float = 0.0, at_least: float = 0.0) -> Trend:
    """Latest value minus the value at the start of the window (or the oldest sample inside it).
    A change counts only beyond `ratio` of the start value plus `at_least` (queues jitter by a
    few jobs; suspect counts must not grow at all, so theirs are 0)."""
    points = series.points
    if not points:
        return Trend(None, window, None)
    start_at = now - timedelta(seconds=window)
    seen = series.trend_seen
    if seen is not None and seen[:4] == (series.added, window, ratio, at_least):
        # No new point and the window's start still falls between the same two points: the
        # same trend (the gate and the queues panel ask for 900 queues several times a second).
        index = seen[4]
        if (index == 0 or points[index - 1][0] <= start_at) and (index == len(points) or points[index][0] > start_at):
            return seen[5]
    index = series.first_after(start_at)
    trend = _trend(series, index, window, ratio, at_least)
    series.trend_seen = (series.added, window, ratio, at_least, index, trend)
    return trend


def _trend(series: Series, index: int, window: float, ratio: float, at_least: float) -> Trend:
    """The trend once the window's start is known (`index`: the first point after it)."""
    if index:
        start = series.points[index - 1][1]  # the value at or before the window's start
    else:
        # Every sample is inside the window: the oldest one is the start.
        if len(series.points) < 2:
            return Trend(None, window, None)
        start = series.points[0][1]
    latest = series.points[-1][1]
    delta = latest - start
    slack = abs(start) * ratio + at_least
    direction = 1 if delta > slack else -1 if delta < -slack else 0
    return Trend(delta, window, direction)


def window_text(seconds: float) -> str:
    """A window length for a column header: 5m, 10m, 90s."""
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"
