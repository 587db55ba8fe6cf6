"""Judging a parsed condition against the board: HOLDS, FAILS or UNKNOWN, with the value and its age.

A reading that is missing, stale, unreachable or has no data is UNKNOWN (never a pass)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from cockpit.core.conditions import COMPARE, QUEUE_RATIO, QUEUE_SLACK, Condition, Judgement, Truth
from cockpit.core.details import check_result, flag_cell, queue_detail, suspect_count
from cockpit.core.readings import (
    CHECKS,
    ERROR_RATE,
    FLAGS,
    QUEUES,
    SUSPECTS,
    Board,
    Reading,
    Slot,
    age_text,
    trend_window,
    window_text,
    window_trend,
)


def _good(board: Board, source: str, name: str, now: datetime) -> tuple[Reading | None, str]:
    """The last good reading if it is current, else None and why not (with the age)."""
    slot = board.slot(source, name)
    if slot is None:
        return None, f"{name}: no reading yet"
    good = slot.last_good
    age = float("inf") if good is None else max(0.0, (now - good.at).total_seconds())
    if slot.latest.error is not None:
        last = "never read" if good is None else f"last good {age_text(age)} ago"
        return None, f"{name}: unreachable ({slot.latest.error}; {last})"
    if good is None:
        return None, f"{name}: no reading yet"
    if age > 2 * board.interval_of(source, name):
        return None, f"{name}: stale ({age_text(age)} old)"
    return good, f"{age_text(age)} old"


def _age(good: Reading, now: datetime) -> str:
    return f"{age_text(max(0.0, (now - good.at).total_seconds()))} old"


def _num(value: object) -> float | None:
    """A reading's value as a number (None for a state word such as "no data")."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _slots(board: Board, source: str, name: str, separator: str) -> list[tuple[str, Slot]]:
    """The readings a name covers: itself, or `name{separator}*` (flag@region, check/step)."""
    return [(n, s) for n, s in board.slots(source) if n == name or n.startswith(name + separator)]


def _combine(parts: list[tuple[Truth, str]], label: str) -> Judgement:
    """All parts must hold: any FAILS fails, else any UNKNOWN is unknown, else HOLDS."""
    if not parts:
        return Judgement(Truth.UNKNOWN, f"{label}: no reading yet")
    for truth in (Truth.FAILS, Truth.UNKNOWN):
        bad = [d for t, d in parts if t is truth]
        if bad:
            return Judgement(truth, "; ".join(bad))
    return Judgement(Truth.HOLDS, "; ".join(d for _, d in parts))


def _judge_error_rate(c: Condition, board: Board, now: datetime) -> Judgement:
    assert c.bound is not None
    compare = COMPARE[c.test]
    names = [c.name] if c.name else board.names(ERROR_RATE)
    if not names:
        return Judgement(Truth.UNKNOWN, "error_rate: no reading yet")
    values: list[tuple[str, float, Reading]] = []
    unknown: list[str] = []
    for name in names:
        good, why = _good(board, ERROR_RATE, name, now)
        if good is None:
            unknown.append(why)
        elif (number := _num(good.value)) is None:
            unknown.append(f"{name}: NO DATA (the query returned no series)")
        elif math.isnan(number):
            unknown.append(f"{name}: no traffic (NaN: 0 requests, which is not 0 errors)")
        else:
            values.append((name, number, good))
    shown = [f"error_rate {n} {_pct(v)} {c.test} {_pct(c.bound)} ({_age(g, now)})" for n, v, g in values]
    if c.test in (">", ">="):
        # A breach: one query over the line is enough; else every query must be known.
        over = [s for s, (_, v, _) in zip(shown, values, strict=True) if compare(v, c.bound)]
        if over:
            return Judgement(Truth.HOLDS, "; ".join(over))
        if unknown:
            return Judgement(Truth.UNKNOWN, "; ".join(unknown))
        return Judgement(Truth.FAILS, "; ".join(s.replace(f" {c.test} ", " not " + c.test + " ") for s in shown))
    bad = [s for s, (_, v, _) in zip(shown, values, strict=True) if not compare(v, c.bound)]
    if bad:
        return Judgement(Truth.FAILS, "; ".join(s.replace(f" {c.test} ", " not " + c.test + " ") for s in bad))
    if unknown:
        return Judgement(Truth.UNKNOWN, "; ".join(unknown))
    return Judgement(Truth.HOLDS, "; ".join(shown))


def _trend(board: Board, source: str, slot: Slot, now: datetime, **slack: float) -> tuple[int | None, str]:
    window = trend_window(board.poll_interval(source))
    trend = window_trend(slot.series, now, window, **slack)
    if trend.direction is None:
        return None, "trend not known yet (one sample)"
    words = {1: "rising", 0: "steady", -1: "falling"}[trend.direction]
    return trend.direction, f"{words} ({trend.delta:+,.0f} in {window_text(window)})"


def _judge_queue(c: Condition, board: Board, now: datetime) -> Judgement:
    good, why = _good(board, QUEUES, c.name, now)
    label = f"queue {c.name}"
    if good is None:
        return Judgement(Truth.UNKNOWN, f"queue {why}")
    age = _age(good, now)
    if c.test in ("paused", "running"):
        paused = queue_detail(good.detail).state.paused
        if paused is None:
            return Judgement(Truth.UNKNOWN, f"{label}: paused or not is not known ({age})")
        state = "paused" if paused else "running"
        return Judgement(Truth.HOLDS if state == c.test else Truth.FAILS, f"{label} {state} ({age})")
    if c.test in ("growing", "not growing"):
        slot = board.slot(QUEUES, c.name)
        assert slot is not None
        direction, text = _trend(board, QUEUES, slot, now, ratio=QUEUE_RATIO, at_least=QUEUE_SLACK)
        if direction is None:
            return Judgement(Truth.UNKNOWN, f"{label}: {text}")
        growing = direction > 0
        holds = growing if c.test == "growing" else not growing
        return Judgement(Truth.HOLDS if holds else Truth.FAILS, f"{label} {text} ({age})")
    assert c.bound is not None
    depth = _num(good.value)
    if depth is None:
        return Judgement(Truth.UNKNOWN, f"{label}: depth not known ({age})")
    holds = COMPARE[c.test](depth, c.bound)
    sign = c.test if holds else f"not {c.test}"
    return Judgement(
        Truth.HOLDS if holds else Truth.FAILS, f"{label} depth {_count(depth)} {sign} {_count(c.bound)} ({age})"
    )


def _judge_suspect(c: Condition, board: Board, now: datetime) -> Judgement:
    good, why = _good(board, SUSPECTS, c.name, now)
    label = f'suspect "{c.name}"'
    if good is None:
        return Judgement(Truth.UNKNOWN, f"suspect {why}")
    age = _age(good, now)
    value = _num(good.value)
    if value is None:
        return Judgement(Truth.UNKNOWN, f"{label}: no count ({age})")
    if c.test in ("rising", "not rising"):
        slot = board.slot(SUSPECTS, c.name)
        assert slot is not None
        direction, text = _trend(board, SUSPECTS, slot, now)
        if direction is None:
            return Judgement(Truth.UNKNOWN, f"{label} {_count(value)}: {text}")
        holds = direction > 0 if c.test == "rising" else direction <= 0
        return Judgement(Truth.HOLDS if holds else Truth.FAILS, f"{label} {_count(value)}, {text} ({age})")
    if c.test == "at target":
        wanted = suspect_count(good.detail)
        expect, target = wanted.expect, wanted.target
        if expect == "zero":
            holds, goal = value == 0, "target 0"
        elif expect == "falling" and isinstance(target, (int, float)):
            holds, goal = value <= target, f"target {_count(target)}"
        elif expect == "steady":
            slot = board.slot(SUSPECTS, c.name)
            assert slot is not None
            direction, text = _trend(board, SUSPECTS, slot, now)
            if direction is None:
                return Judgement(Truth.UNKNOWN, f"{label} {_count(value)}: {text}")
            holds, goal = direction <= 0, f"target: not rising, {text}"
        else:
            return Judgement(Truth.UNKNOWN, f"{label} {_count(value)}: its target is not known ({age})")
        return Judgement(Truth.HOLDS if holds else Truth.FAILS, f"{label} {_count(value)} ({goal}; {age})")
    assert c.bound is not None
    holds = COMPARE[c.test](value, c.bound)
    sign = c.test if holds else f"not {c.test}"
    return Judgement(Truth.HOLDS if holds else Truth.FAILS, f"{label} {_count(value)} {sign} {_count(c.bound)} ({age})")


def _flag_word(value: float) -> str:
    return "off" if value <= 0 else "on" if value >= 100 else f"{value:.0f}%"


def _judge_flag(c: Condition, board: Board, now: datetime) -> Judgement:
    parts: list[tuple[Truth, str]] = []
    for name, _slot in _slots(board, FLAGS, c.name, "@"):
        good, why = _good(board, FLAGS, name, now)
        if good is None:
            parts.append((Truth.UNKNOWN, f"flag {why}"))
            continue
        age = _age(good, now)
        cell = flag_cell(good.detail, name)
        if cell.reads_missing:
            parts.append((Truth.UNKNOWN, f"flag {name} MISSING ({cell.missing_reason}; {age})"))
            continue
        rollout = _num(good.value)
        if rollout is None:
            parts.append((Truth.UNKNOWN, f"flag {name}: value not known ({age})"))
            continue
        on = rollout > 0
        if c.test == "safe":
            safe = cell.safe
            if not isinstance(safe, bool):
                parts.append((Truth.UNKNOWN, f"flag {name} {_flag_word(rollout)}: safe value not known ({age})"))
                continue
            want = "on" if safe else "off"
        else:
            want = c.test
        ok = on == (want == "on")
        parts.append((Truth.HOLDS if ok else Truth.FAILS, f"flag {name} {_flag_word(rollout)} (want {want}; {age})"))
    return _combine(parts, f"flag {c.name}")


def _judge_check(c: Condition, board: Board, now: datetime) -> Judgement:
    parts: list[tuple[Truth, str]] = []
    for name, _slot in _slots(board, CHECKS, c.name, "/"):
        good, why = _good(board, CHECKS, name, now)
        if good is None:
            parts.append((Truth.UNKNOWN, f"check {why}"))
            continue
        result = check_result(good.detail, name)
        ok = result.ok
        age = _age(good, now)
        if not isinstance(ok, bool):
            parts.append((Truth.UNKNOWN, f"check {name}: outcome not known ({age})"))
        elif ok:
            parts.append((Truth.HOLDS, f"check {name} passing ({age})"))
        else:
            reason = result.reason or "failed"
            parts.append((Truth.FAILS, f"check {name} failing: {reason} ({age})"))
    judged = _combine(parts, f"check {c.name}")
    if c.test == "passing" or judged.truth is Truth.UNKNOWN:
        return judged
    # `failing`: one failing step is enough; every step passing is FAILS.
    failing = [d for t, d in parts if t is Truth.FAILS]
    if failing:
        return Judgement(Truth.HOLDS, "; ".join(failing))
    return Judgement(Truth.FAILS, judged.detail)


JUDGES: dict[str, Callable[[Condition, Board, datetime], Judgement]] = {
    ERROR_RATE: _judge_error_rate,
    QUEUES: _judge_queue,
    SUSPECTS: _judge_suspect,
    FLAGS: _judge_flag,
    CHECKS: _judge_check,
}
