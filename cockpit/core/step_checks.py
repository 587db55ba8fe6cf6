"""What a step asks of the readings before it runs: its preconditions judged now, the steps
it must come `after`, and the typed override that lets an operator go on when a
precondition fails (never a block: the reason and the failing readings go to the journal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cockpit.core.conditions import Condition, Judgement, Truth
from cockpit.core.runbook import StepState

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore
    from cockpit.incident.journal import Entry

#: Going on past a failing precondition needs a typed reason of at least this many words.
MIN_OVERRIDE_WORDS = 3


@dataclass(frozen=True)
class Judged:
    condition: Condition
    judgement: Judgement

    @property
    def holds(self) -> bool:
        return self.judgement.truth is Truth.HOLDS

    @property
    def line(self) -> str:
        """For the screen: ✔/✖ (or ? when it cannot be told) and the reading."""
        mark = {Truth.HOLDS: "✔", Truth.FAILS: "✖", Truth.UNKNOWN: "?"}[self.judgement.truth]
        return f"{mark} {self.condition.text}: {self.judgement.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"condition": self.condition.text, **self.judgement.as_dict()}


def preconditions(session: SessionCore, step_id: str | None) -> tuple[Judged, ...]:
    """The step's preconditions judged on the board now (none for an unknown step)."""
    step = session.runbook.get(step_id)
    if step is None or not step.preconditions:
        return ()
    now = session.board.clock()
    return tuple(Judged(c, c.judge(session.board, now)) for c in step.preconditions)


def failing(judged: tuple[Judged, ...]) -> tuple[Judged, ...]:
    """Those not holding: a precondition that cannot be read (UNKNOWN) is never a pass."""
    return tuple(j for j in judged if not j.holds)


def waiting_on(session: SessionCore, step_id: str | None) -> list[str]:
    """Titles of the steps this one comes `after` that are not done and verified yet: a step
    with `verify` conditions counts only once its readings held (or a typed reason accepted it)."""
    from cockpit.core.undo_verify import verdicts

    step = session.runbook.get(step_id)
    if step is None:
        return []
    book = session.runbook
    judged = (
        verdicts(session.journal.entries) if any(book.step(a).verify for a in step.after if a in book.states) else {}
    )

    def satisfied(a: str) -> bool:
        if book.state(a) is not StepState.DONE:
            return False
        return not book.step(a).verify or (a in judged and judged[a].counts)

    return [book.step(a).title for a in step.after if a in book.states and not satisfied(a)]


def override_problem(reason: str | None) -> str | None:
    """Why a reason is not enough to go on past a failing precondition (None: it is)."""
    if len((reason or "").split()) >= MIN_OVERRIDE_WORDS:
        return None
    return f"a precondition fails: type a reason of at least {MIN_OVERRIDE_WORDS} words to go on anyway"


def journal_override(
    session: SessionCore, step_id: str, action: str, failed: tuple[Judged, ...], reason: str
) -> Entry | None:
    """The override, before the action runs: who went on, why, and the readings that failed."""
    title = session.runbook.step(step_id).title
    data: dict[str, Any] = {
        "v": 1,
        "what": f"ran {title} with a failing precondition",
        "reason": reason,
        "action": action,
        "readings": [j.as_dict() for j in failed],
    }
    details = "; ".join(j.line for j in failed)
    return session.record("override", f"override: {title} despite {details}: {reason}", step=step_id, data=data)


def open_preconditions(session: SessionCore) -> dict[str, tuple[Judged, ...]]:
    """For the runbook panel: every step still to run (pending or failed) that has
    preconditions, with each judged now."""
    book = session.runbook
    return {
        s.id: preconditions(session, s.id)
        for s in book.steps
        if s.preconditions and book.state(s.id) in (StepState.PENDING, StepState.FAILED, StepState.HALTED)
    }
