"""Values as words people read: percentages, counts, durations, times, reading changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo

from cockpit.incident.report.model import Change, Peak


def percent(ratio: float | None) -> str:
    if ratio is None:
        return "unknown"
    value = ratio * 100
    return f"{value:.2f}%" if abs(value) < 1 else f"{value:.1f}%"


def count(value: float | None) -> str:
    return "unknown" if value is None else f"{value:,.0f}"


def reading(family: str, value: float | None) -> str:
    return percent(value) if family == "error_rate" else count(value)


def duration(seconds: float) -> str:
    """'45 s', '3 min 07 s', '2 h 05 min' (never '0s' for something that took time)."""
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f} s" if seconds < 10 and whole != seconds else f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    days, rest = divmod(whole, 86400)
    text = f"{rest // 3600} h {rest % 3600 // 60:02d} min"
    return f"{days} d {text}" if days else text


def when(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S %Z")


def clock(moment: datetime, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M:%S")


def changes(items: Iterable[Change]) -> str:
    """'checkout 5xx ratio 7.5% → 0.4%; payment-retry 212 → 0'."""
    return "; ".join(f"{c.name} {reading(c.family, c.before)} → {reading(c.family, c.after)}" for c in items)


def peaks(items: Iterable[Peak], family: str) -> str:
    return ", ".join(f"{p.name} {reading(family, p.value)}" for p in items)


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def clock_at(posix: float | None, zone: tzinfo) -> str:
    return "" if posix is None else datetime.fromtimestamp(posix, zone).strftime("%H:%M:%S")
