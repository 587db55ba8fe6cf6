"""The contract between sources and panels: readings, bounded history, staleness.

A source returns `Reading`s; the `Board` keeps the latest one per (source, name), the last
good value when a read fails, and a ring buffer of recent values. Panels only ever see
the board, so they cannot tell a drill from a real backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from cockpit.core.details import Detail, DetailRecord
from cockpit.core.safe_text import visible, visible_data
from cockpit.core.series import (
    TREND_MIN_SAMPLES,
    TREND_MIN_WINDOW,
    Series,
    Trend,
    age_text,
    trend_window,
    window_text,
    window_trend,
)

# Series and trends live in series.py; importable from here as before the split.
__all__ = [
    "CHECKS",
    "ERROR_RATE",
    "FLAGS",
    "QUEUES",
    "SOURCE_KINDS",
    "SUSPECTS",
    "TREND_MIN_SAMPLES",
    "TREND_MIN_WINDOW",
    "Board",
    "Clock",
    "Freshness",
    "Reading",
    "Series",
    "Slot",
    "SourceSummary",
    "Trend",
    "Value",
    "age_text",
    "trend_window",
    "wall_clock",
    "window_text",
    "window_trend",
]

Value = float | str | None
Clock = Callable[[], datetime]

#: The panel kinds (and so the `source` of every reading).
ERROR_RATE, QUEUES, FLAGS, SUSPECTS, CHECKS = "error_rate", "queues", "flags", "suspects", "checks"
SOURCE_KINDS = (ERROR_RATE, QUEUES, FLAGS, SUSPECTS, CHECKS)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Reading:
    """One observed value. `value` is a number, a string state, or None (no data);
    `detail` carries the secondary fields of compound readings (a queue's in-flight
    count, a flag cell's region); `error` is a short human message when the read failed."""

    source: str
    name: str
    value: Value
    at: datetime
    error: str | None = None
    detail: Detail | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.name)

    def shown_safely(self, redact: Callable[[str], str] | None = None) -> Reading:
        """This reading with every outside string (name, value, error, detail) made visible:
        a backend's text is shown, never obeyed by the terminal (see `cockpit.core.safe_text`);
        its error also redacted (an error may echo a URL with its token)."""
        error = self.error if self.error is None or redact is None else redact(self.error)
        texts = [self.name, self.value, error]
        detail: object = self.detail  # object: a test may still hand in a plain dict
        if isinstance(detail, DetailRecord):
            printable = detail.printable()
        elif isinstance(detail, Mapping):  # an untyped detail (a test's, an older caller's)
            printable = all(not isinstance(t, str) or t.isprintable() for t in detail.values()) and not any(
                isinstance(v, (Mapping, list, tuple)) for v in detail.values()
            )
        else:
            printable = True
        if error == self.error and printable and all(not isinstance(t, str) or t.isprintable() for t in texts):
            return self  # the common case: nothing to change, no copy
        return Reading(
            self.source,
            visible(self.name),
            visible(self.value) if isinstance(self.value, str) else self.value,
            self.at,
            None if error is None else visible(error),
            _detail_shown_safely(detail),
        )


def _detail_shown_safely(detail: Any) -> Any:
    if isinstance(detail, DetailRecord):
        return detail.shown_safely()
    return visible_data(dict(detail)) if isinstance(detail, Mapping) else detail


class Freshness(Enum):
    OK = "ok"
    STALE = "STALE"
    UNREACHABLE = "UNREACHABLE"
    WAITING = "waiting"  # nothing read yet


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """What a source's border needs, derived once per version (see `Board.summary`)."""

    count: int
    any_error: bool
    oldest_good: datetime | None  # None: some reading never had a good value
    #: When the first reading turns STALE, each by its own source instance's interval (a
    #: 2 s instance's reading is stale long before a 20 s one's); None with `oldest_good`.
    stale_at: datetime | None = None


@dataclass
class Slot:
    """Everything the board knows about one (source, name)."""

    latest: Reading
    last_good: Reading | None
    series: Series


class Board:
    """Latest readings, last good values and bounded histories for every panel."""

    def __init__(self, clock: Clock = wall_clock, history: int = 240) -> None:
        self.clock = clock
        self.history = history
        self._slots: dict[tuple[str, str], Slot] = {}
        #: The same slots by source (names() and slots() are per source: no scan of every reading).
        self._by_source: dict[str, dict[str, Slot]] = {}
        #: Bumped whenever a source's readings change: what was derived from an unchanged
        #: version (a panel's rows, a summary) need not be computed again.
        self._versions: dict[str, int] = {}
        self._ticks: dict[str, int] = {}  # every update, changed or not (ages move)
        self._summaries: dict[str, tuple[tuple[int, int], SourceSummary]] = {}
        #: The summary's parts per (source, instance ident): a batch from one of 11 flag
        #: regions summarises its own 100 slots again, not all 1,100 (see `summary`).
        self._groups: dict[tuple[str, str | None], set[str]] = {}
        self._parts: dict[tuple[str, str | None], tuple[int, int, bool, datetime | None, datetime | None]] = {}
        self._held: datetime | None = None
        self._intervals: dict[str, float] = {}
        self._poll: dict[str, float] = {}
        #: Staleness per source instance (two Redis instances polled at different rates, or
        #: one slow: each reading is judged by the interval of the source that read it).
        self._source_of: dict[tuple[str, str], str] = {}
        self._source_intervals: dict[str, float] = {}
        self._kind_sources: dict[str, set[str]] = {}
        #: The journal's redaction, applied to every error before anyone sees it (the session sets it).
        self.redact: Callable[[str], str] | None = None

    def set_interval(self, source: str, seconds: float) -> None:
        self._intervals[source] = seconds
        self._summaries.clear()  # their stale_at came from the old interval
        self._parts.clear()

    def has_interval(self, source: str) -> bool:
        return source in self._intervals

    def interval(self, source: str) -> float:
        """The panel kind's staleness base (its slowest source's): a reading older than twice
        its own source's interval (`interval_of`) is STALE."""
        return self._intervals.get(source, 5.0)

    def set_source_interval(self, ident: str, seconds: float) -> None:
        """The staleness base of one source instance (its ident), for the readings it reports."""
        self._source_intervals[ident] = seconds
        self._summaries.clear()  # their stale_at came from the old interval
        self._parts.clear()

    def interval_of(self, source: str, name: str) -> float:
        """The staleness base of one reading: its source instance's, else its panel kind's."""
        ident = self._source_of.get((source, name))
        if ident is not None and ident in self._source_intervals:
            return self._source_intervals[ident]
        return self.interval(source)

    def shortest_interval(self, source: str) -> float:
        """The shortest staleness base among the kind's readings (a view's cheap "anything stale?")."""
        own = [self._source_intervals[i] for i in self._kind_sources.get(source, ()) if i in self._source_intervals]
        return min(own, default=self.interval(source))

    # -- versions, one clock read -----------------------------------------------------
    def version(self, source: str) -> int:
        return self._versions.get(source, 0)

    def _put(self, source: str, name: str, slot: Slot) -> Slot:
        self._slots[(source, name)] = slot
        self._by_source.setdefault(source, {})[name] = slot
        return slot

    def _touch(self, source: str) -> None:
        self._versions[source] = self._versions.get(source, 0) + 1

    def _changed(self, key: tuple[str, str], by: str | None) -> None:
        """A reading changed (or moved to another source instance): its group's summary part is due."""
        old = self._source_of.get(key)
        if by is not None and by != old:
            self._source_of[key] = by
            self._kind_sources.setdefault(key[0], set()).add(by)
            self._groups.get((key[0], old), set()).discard(key[1])
            self._parts.pop((key[0], old), None)
        group = (key[0], self._source_of.get(key))
        self._groups.setdefault(group, set()).add(key[1])
        self._parts.pop(group, None)

    def _part(self, group: tuple[str, str | None]) -> tuple[int, int, bool, datetime | None, datetime | None]:
        """(readings, good ones, any failed, oldest good, first stale) of one source instance's readings."""
        part = self._parts.get(group)
        if part is None:
            source, slots = group[0], self._by_source.get(group[0], {})
            mine = [(n, slots[n]) for n in self._groups.get(group, ()) if n in slots]
            goods = [(n, s.last_good.at) for n, s in mine if s.last_good is not None]
            part = (
                len(mine),
                len(goods),
                any(s.latest.error is not None for _, s in mine),
                min((at for _, at in goods), default=None),
                min((at + timedelta(seconds=2 * self.interval_of(source, n)) for n, at in goods), default=None),
            )
            self._parts[group] = part
        return part

    @contextmanager
    def held_clock(self) -> Iterator[datetime]:
        """One clock read for everything computed inside (a view refresh reads it once, not
        once per cell)."""
        self._held = self.clock()
        try:
            yield self._held
        finally:
            self._held = None

    def now(self) -> datetime:
        return self._held if self._held is not None else self.clock()

    def summary(self, source: str) -> SourceSummary:
        """Whether any reading of the source failed, and its oldest good reading: enough for
        the source's age label and freshness, recomputed only when the source changed."""
        version = (self.version(source), self._ticks.get(source, 0))
        cached = self._summaries.get(source)
        if cached is not None and cached[0] == version:
            return cached[1]
        parts = [self._part(group) for group in self._groups if group[0] == source]
        count, good = sum(p[0] for p in parts), sum(p[1] for p in parts)
        every = good == count and good > 0
        summary = SourceSummary(
            count,
            any(p[2] for p in parts),
            min(p[3] for p in parts if p[3] is not None) if every else None,
            min(p[4] for p in parts if p[4] is not None) if every else None,
        )
        self._summaries[source] = (version, summary)
        return summary

    def all_fresh(self, source: str) -> bool:
        """Every reading of the source is OK (none failed, none stale, at least one): what a
        check of each reading's freshness would find, from the summary in one step."""
        summary = self.summary(source)
        if not summary.count or summary.any_error or summary.stale_at is None:
            return False
        # Each reading by its own source instance's interval, as `freshness` judges it: the
        # kind's interval is its slowest instance's, which would call a late fast one fresh.
        return self.now() <= summary.stale_at

    def set_poll_interval(self, source: str, seconds: float) -> None:
        self._poll[source] = seconds

    def poll_interval(self, source: str) -> float:
        """How often the source is read (trends count its samples); the staleness base if unknown."""
        return self._poll.get(source, self.interval(source))

    def update(self, readings: Iterable[Reading], by: str | None = None) -> None:
        """Take new readings; `by` is the ident of the source instance that read them."""
        for raw in readings:
            slot = self._slots.get(raw.key)
            before = slot.latest if slot is not None else None
            # A good reading equal to the one shown (made safe when it came) is safe as it
            # is: only new text needs the check (at scale, most of 2,000 readings a tick are
            # the same again). A backfilled slot was never checked: its name is, here.
            same = (
                before is not None
                and raw.error is None
                and before.error is None
                and before.value == raw.value
                and before.detail == raw.detail
                and raw.name.isprintable()
            )
            reading = raw if same else raw.shown_safely(self.redact)
            if reading.key != raw.key:  # the name was made visible: the slot is under that name
                slot = self._slots.get(reading.key)
                before = slot.latest if slot is not None else None
            self._changed(reading.key, by)
            good = reading if reading.error is None else (slot.last_good if slot else None)
            if slot is None:
                slot = self._put(reading.source, reading.name, Slot(reading, good, Series(self.history)))
            slot.latest, slot.last_good = reading, good
            if reading.error is None and isinstance(reading.value, (int, float)):
                slot.series.add(reading.at, float(reading.value))
            self._ticks[reading.source] = self._ticks.get(reading.source, 0) + 1
            # The same value again (and a flat history: no sparkline or trend moves) is not a
            # change: polled every 2 s at scale, identical readings were recomputed each time.
            if (
                not same
                and (
                    before is None
                    or before.value != reading.value
                    or before.error != reading.error
                    or before.detail != reading.detail
                )
            ) or not slot.series.flat:
                self._touch(reading.source)

    def backfill(self, source: str, name: str, points: Iterable[tuple[datetime, float]]) -> None:
        """Seed a series from a range query so a sparkline is full from the first second."""
        slot = self._slots.get((source, name))
        series = slot.series if slot else Series(self.history)
        for at, value in sorted(points):
            series.add(at, value)
        if slot is None and series.points:
            at, value = series.points[-1]
            reading = Reading(source, name, value, at)
            self._put(source, name, Slot(reading, reading, series))
        self._changed((source, name), None)
        self._touch(source)

    def fail(self, source: str, names: Iterable[str], error: str, by: str | None = None) -> None:
        """A read failed: mark those readings UNREACHABLE, keeping their last good values."""
        now = self.clock()
        error = visible(self.redact(error) if self.redact else error)
        self._touch(source)
        for name in names:
            self._changed((source, name), by)
            slot = self._slots.get((source, name))
            if slot is None:
                self._put(source, name, Slot(Reading(source, name, None, now, error), None, Series(self.history)))
            else:
                slot.latest = Reading(source, name, slot.latest.value, now, error, slot.latest.detail)

    def names(self, source: str) -> list[str]:
        return list(self._by_source.get(source, ()))

    def slots(self, source: str) -> Iterator[tuple[str, Slot]]:
        yield from list(self._by_source.get(source, {}).items())

    def slot(self, source: str, name: str) -> Slot | None:
        return self._slots.get((source, name))

    def freshness(self, source: str, name: str) -> Freshness:
        slot = self._slots.get((source, name))
        if slot is None:
            return Freshness.WAITING
        if slot.latest.error is not None:
            return Freshness.UNREACHABLE
        return Freshness.STALE if self.age(source, name) > 2 * self.interval_of(source, name) else Freshness.OK

    def age(self, source: str, name: str) -> float:
        """Seconds since the last *good* reading (inf if there never was one)."""
        slot = self._slots.get((source, name))
        if slot is None or slot.last_good is None:
            return float("inf")
        return max(0.0, (self.now() - slot.last_good.at).total_seconds())

    def value(self, source: str, name: str) -> Value:
        slot = self._slots.get((source, name))
        return slot.last_good.value if slot and slot.last_good else None

    def key_readings(self) -> dict[str, Any]:
        """The evidence recorded before and after every action: error rates, queue depths, suspect counts."""
        out: dict[str, Any] = {}
        for source in (ERROR_RATE, QUEUES, SUSPECTS):
            values = {name: slot.last_good.value for name, slot in self.slots(source) if slot.last_good}
            if values:
                out[source] = values
        return out
