"""Conditions over readings: the language of a release file's preconditions, verify and guards.

A condition is written as text (`queue payment-retry paused`, `error_rate < 5%`,
`suspect "duplicate holds" not rising`) and judged against the board: HOLDS, FAILS or
UNKNOWN. A reading that is missing, stale, unreachable or has no data is UNKNOWN, and
UNKNOWN is never a pass: a precondition must HOLD, a guard breaches only when its failure
condition HOLDS, and a guard that cannot tell pauses.

Grammar (names with spaces are quoted; numbers may be written as `5%`):
    error_rate [NAME] (< | <= | > | >=) X        every Prometheus query, or the one named
    queue NAME paused | running | growing | not growing | depth (< | <= | > | >=) N
    suspect NAME rising | not rising | at target | (< | <= | > | >=) N
    flag NAME safe | on | off                    in every region
    check NAME passing | failing                 every step of the check (or `check/step`)
"""

from __future__ import annotations

import operator
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from cockpit.core.readings import (
    CHECKS,
    ERROR_RATE,
    FLAGS,
    QUEUES,
    SUSPECTS,
    Board,
)


class Truth(Enum):
    HOLDS = "holds"
    FAILS = "fails"
    UNKNOWN = "unknown"  # the reading is missing, stale, unreachable or has no data


@dataclass(frozen=True)
class Judgement:
    truth: Truth
    detail: str  # operator text with the value and its age: "error_rate 7.2% > 5% (4s old)"

    @property
    def holds(self) -> bool:
        return self.truth is Truth.HOLDS

    def as_dict(self) -> dict[str, str]:
        return {"truth": self.truth.value, "detail": self.detail}


class ConditionError(ValueError):
    """A condition's text cannot be read; the message says what is wrong."""


#: Queues jitter by a few jobs between reads: growth counts beyond 5 % plus 5 jobs (as the gate).
QUEUE_RATIO, QUEUE_SLACK = 0.05, 5.0

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

FORMS = (
    "error_rate [NAME] < X",
    "queue NAME paused|running|growing|not growing|depth < N",
    'suspect "NAME" rising|not rising|at target|< N',
    "flag NAME safe|on|off",
    "check NAME passing|failing",
)


@dataclass(frozen=True)
class Condition:
    """One parsed condition. `subject` is the panel kind, `name` the reading (or flag, or
    check) it names ('' = every error-rate query), `test` what is asked of it, `bound` the
    number of a comparison."""

    text: str
    subject: str = ""
    name: str = ""
    test: str = ""
    bound: float | None = None

    def judge(self, board: Board, now: datetime) -> Judgement:
        from cockpit.core.condition_judges import JUDGES  # judging lives beside, parsing needs none of it

        return JUDGES[self.subject](self, board, now)

    def __str__(self) -> str:
        return self.text


# -- parsing -------------------------------------------------------------------------------
def _number(word: str, text: str) -> float:
    try:
        return float(word[:-1]) / 100 if word.endswith("%") else float(word)
    except ValueError:
        raise ConditionError(f"{text!r}: {word!r} is not a number") from None


def _comparison(words: list[str], text: str) -> tuple[str, float]:
    if len(words) != 2 or words[0] not in COMPARE:
        raise ConditionError(f"{text!r}: expected a comparison such as '< 5' after the name")
    return words[0], _number(words[1], text)


def parse_condition(text: str) -> Condition:
    """Read one condition; raises ConditionError naming what is wrong."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ConditionError(f"{text!r}: {exc}") from None
    if not words:
        raise ConditionError("empty condition")
    head, rest = words[0].lower(), words[1:]
    if head in ("error_rate", "error-rate"):
        name = rest.pop(0) if rest and rest[0] not in COMPARE else ""
        op, bound = _comparison(rest, text)
        return Condition(text, ERROR_RATE, name, op, bound)
    if head not in ("queue", "suspect", "flag", "check"):
        raise ConditionError(f"{text!r}: unknown condition {head!r} (expected one of: {'; '.join(FORMS)})")
    if not rest:
        raise ConditionError(f"{text!r}: {head} needs a name")
    name, tail = rest[0], [w.lower() for w in rest[1:]]
    phrase = " ".join(tail)
    if head == "queue":
        if phrase in ("paused", "running", "growing", "not growing"):
            return Condition(text, QUEUES, name, phrase)
        if tail[:1] == ["depth"]:
            op, bound = _comparison(tail[1:], text)
            return Condition(text, QUEUES, name, op, bound)
        raise ConditionError(f"{text!r}: a queue is 'paused', 'running', 'growing', 'not growing' or 'depth < N'")
    if head == "suspect":
        if phrase in ("rising", "not rising", "at target"):
            return Condition(text, SUSPECTS, name, phrase)
        if tail[:1] and tail[0] in COMPARE:
            op, bound = _comparison(tail, text)
            return Condition(text, SUSPECTS, name, op, bound)
        raise ConditionError(f"{text!r}: a suspect count is 'rising', 'not rising', 'at target' or '< N'")
    if head == "flag":
        if phrase in ("safe", "on", "off"):
            return Condition(text, FLAGS, name, phrase)
        raise ConditionError(f"{text!r}: a flag is 'safe', 'on' or 'off' (in every region)")
    if phrase in ("passing", "failing"):
        return Condition(text, CHECKS, name, phrase)
    raise ConditionError(f"{text!r}: a check is 'passing' or 'failing'")


def parse_conditions(texts: object, path: str) -> tuple[Condition, ...]:
    """A list of condition strings from a file; errors name the key path (`changes[2].verify[0]`)."""
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list):
        raise ConditionError(f"{path}: expected a list of conditions")
    out = []
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ConditionError(f"{path}[{i}]: expected a string")
        try:
            out.append(parse_condition(text))
        except ConditionError as exc:
            raise ConditionError(f"{path}[{i}]: {exc}") from None
    return tuple(out)


def judge_all(conditions: tuple[Condition, ...], board: Board, now: datetime) -> tuple[Judgement, ...]:
    """Every condition judged at one moment."""
    return tuple(c.judge(board, now) for c in conditions)


__all__ = [
    "Condition",
    "ConditionError",
    "Judgement",
    "Truth",
    "judge_all",
    "parse_condition",
    "parse_conditions",
]
