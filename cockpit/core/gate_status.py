"""The gate's result: its three states, one condition's verdict, the status the header,
the journal and `snapshot --json` show; and the small judgements every condition shares
(how fresh an input is, whether one suspect count is at its target). No config, no I/O."""

from __future__ import annotations

from typing import NamedTuple

from cockpit.core.readings import Board, Freshness, age_text

NOT_RESTORED, MITIGATED, RESTORED = "NOT RESTORED", "MITIGATED", "RESTORED"
STATES = (NOT_RESTORED, MITIGATED, RESTORED)


class Condition(NamedTuple):
    name: str
    ok: bool
    detail: str  # the whole reason, for the header and the journal
    level: str  # "mitigated" or "restored": which state needs it
    word: str = ""  # one word for the gate line beside ✔/✖ (colour is never the only signal)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "level": self.level}


class GateStatus(NamedTuple):
    state: str
    conditions: tuple[Condition, ...]
    holding_for: float  # seconds every condition has held (0 while one fails)
    window: float
    reason: str  # the one failing reason that matters most ('' when RESTORED)

    @property
    def green(self) -> bool:
        return self.state == RESTORED

    @property
    def mitigated(self) -> bool:
        return self.state in (MITIGATED, RESTORED)

    @property
    def all_ok(self) -> bool:
        """Every condition but the watch window holds."""
        return all(c.ok for c in self.conditions if c.name != "window")

    @property
    def remaining(self) -> float:
        return max(0.0, self.window - self.holding_for) if self.all_ok else self.window

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state,
            "reason": self.reason,
            "holding_for_s": round(self.holding_for, 3),
            "window_s": self.window,
            "conditions": [c.as_dict() for c in self.conditions],
        }


def freshness_problem(board: Board, source: str, name: str) -> str | None:
    fresh = board.freshness(source, name)
    if fresh is Freshness.OK:
        return None
    if fresh is Freshness.WAITING:
        return "no reading yet"
    age = board.age(source, name)
    if fresh is Freshness.UNREACHABLE:
        return "unreachable" + ("" if age == float("inf") else f", last good {age_text(age)} ago")
    return f"stale, age {age_text(age)}"


def problem_word(problem: str) -> str:
    return problem.split(",")[0].split()[0] if problem else ""


def at_target(
    expect: str, target: float | None, value: float, baseline: float | None, trend: int | None
) -> tuple[bool, str]:
    """Whether one suspect count is at its target, and the target in words:
    `zero` means 0; `falling` means at or under `target`, else under the declaration
    baseline; `steady` means not rising over the trend window."""
    if expect == "zero":
        return value == 0, "target 0"
    if expect == "falling":
        if target is not None:
            return value <= target, f"target {target:,.0f}"
        if baseline is None:
            return False, "target: under the declaration baseline, which is not known yet"
        return value < baseline, f"target: under {baseline:,.0f} at declaration"
    return trend is not None and trend <= 0, "target: not rising"
