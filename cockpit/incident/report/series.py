"""Reading series over the incident, kept to a fixed number of points whatever the journal's length."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cockpit.incident.report.model import FAMILIES, Point, Series

#: Points kept per series; above it, neighbours are merged keeping the higher value (peaks matter).
MAX_POINTS = 256


def readings_in(kind: str, data: dict[str, Any], at: datetime) -> list[tuple[datetime, Any]]:
    """Where an entry carries readings, and when each was read: its own data (readings, status,
    gate and close entries), an action's `before` (when it started) and `after` (when it ended)."""
    found: list[tuple[datetime, Any]] = []
    if kind in ("reading", "status", "gate", "close"):
        found.append((at, data))
    if isinstance(data.get("before"), dict):
        took = data.get("duration_s")
        started = at
        if isinstance(took, (int, float)) and not isinstance(took, bool) and 0 <= took < 1e7:
            started = at - timedelta(seconds=float(took))
        found.append((started, data["before"]))
    if isinstance(data.get("after"), dict):
        found.append((at, data["after"]))
    return found


class SeriesBuilder:
    def __init__(self, max_points: int = MAX_POINTS) -> None:
        self.max_points = max_points
        self._points: dict[tuple[str, str], list[Point]] = {}
        #: The highest value of each series and when it was read (kept exactly, not downsampled).
        self.peaks: dict[tuple[str, str], tuple[float, datetime]] = {}

    def add_readings(self, at: datetime, readings: Any) -> None:
        """`readings` as the journal holds them: {"error_rate": {name: value}, "queues": …, "suspects": …}."""
        if not isinstance(readings, dict):
            return
        moment = at.timestamp()
        for family, _words in FAMILIES:
            values = readings.get(family)
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
                    key = (family, str(name))
                    self._add(key, Point(moment, float(value)))
                    peak = self.peaks.get(key)
                    if peak is None or value > peak[0]:
                        self.peaks[key] = (float(value), at)

    def _add(self, key: tuple[str, str], point: Point) -> None:
        points = self._points.setdefault(key, [])
        points.append(point)
        if len(points) > 2 * self.max_points:
            # An action's "before" can predate the last point: order by time, then merge neighbours.
            points.sort(key=lambda p: p.at)
            self._points[key] = [max(points[i : i + 2], key=lambda p: p.value) for i in range(0, len(points), 2)]

    def build(self) -> tuple[Series, ...]:
        order = {family: i for i, (family, _w) in enumerate(FAMILIES)}
        keys = sorted(self._points, key=lambda k: (order[k[0]], k[1]))
        return tuple(
            Series(family, name, tuple(sorted(self._points[(family, name)], key=lambda p: p.at)))
            for family, name in keys
        )
