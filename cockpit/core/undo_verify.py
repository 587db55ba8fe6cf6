"""What "undone" means in readings: after a release step's action passes its own read-back,
the step's `verify` conditions (the change's "what undone means") are judged on fresh
readings. All HOLD: the step is done and the change counts as undone (verified). One FAILS
or cannot be read (UNKNOWN): the step is not done; the screen and the journal say which
reading, and a typed reason may accept it anyway (journaled as an override, like a failing
precondition). The Release view and `after` read the verdict from the journal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cockpit.actions import Preview
from cockpit.core import step_checks
from cockpit.core.step_checks import Judged

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore
    from cockpit.incident.journal import Entry

#: The journal kind of a step's verify verdict.
VERIFY_KIND = "undo_verify"
#: An override entry's `accepts` when it accepts an undo whose verify does not hold.
ACCEPTS_VERIFY = "verify"


@dataclass(frozen=True)
class Verdict:
    """A step's undo as last judged: verified (✔), not verified (✖), or accepted unverified."""

    ok: bool
    lines: tuple[str, ...]  # each condition with its reading, ✔/✖/?
    accepted: str = ""  # the typed reason that accepted it unverified

    @property
    def counts(self) -> bool:
        """Whether the change counts as undone (verified, or accepted by a typed reason)."""
        return self.ok or bool(self.accepted)

    @property
    def line(self) -> str:
        mark = "✔ verified" if self.ok else "✖ not verified"
        text = f"{mark}: " + "; ".join(self.lines)
        return text + (f" (accepted: {self.accepted})" if self.accepted and not self.ok else "")


def judge(session: SessionCore, step_id: str) -> tuple[Judged, ...]:
    """The step's verify conditions judged on the board now (none: nothing to verify)."""
    step = session.runbook.get(step_id)
    if step is None or not step.verify:
        return ()
    now = session.board.clock()
    return tuple(Judged(c, c.judge(session.board, now)) for c in step.verify)


async def settle(
    session: SessionCore,
    step_id: str,
    action: str,
    judged: tuple[Judged, ...],
    confirm: Callable[[Preview], Awaitable[Preview | None]],
) -> Verdict:
    """Journal the verdict; when it does not hold, ask for a typed reason to accept it anyway."""
    step = session.runbook.step(step_id)
    failed = step_checks.failing(judged)
    verdict = Verdict(not failed, tuple(j.line for j in judged))
    session.record(
        VERIFY_KIND,
        f"{step.title}: undo of {step.change or step_id} {verdict.line}",
        step=step_id,
        data={"v": 1, "change": step.change, "ok": verdict.ok, "readings": [j.as_dict() for j in judged]},
        keep=True,
    )
    if verdict.ok:
        return verdict
    ask = Preview(
        action,
        f"{step.title}: the undo ran but is not verified",
        (f"accept the undo of {step.change or step_id} as done although its readings do not say so",),
        warnings=("Not verified: " + "; ".join(j.line for j in failed),),
        destructive=False,
        failing=tuple(j.line for j in failed),
        failing_what="verify",
    )
    chosen = await confirm(ask)
    reason = (chosen.reason if chosen else "").strip()
    if chosen is None or step_checks.override_problem(reason):
        return verdict
    data: dict[str, Any] = {
        "v": 1,
        "what": f"accepted {step.title} as undone with its verify not holding",
        "accepts": ACCEPTS_VERIFY,
        "reason": reason,
        "action": action,
        "readings": [j.as_dict() for j in failed],
    }
    details = "; ".join(j.line for j in failed)
    session.record(
        "override", f"override: {step.title} accepted as undone despite {details}: {reason}", step=step_id, data=data
    )
    return Verdict(False, verdict.lines, reason)


def verdicts(entries: Iterable[Entry]) -> dict[str, Verdict]:
    """Each step's latest verify verdict, from the journal (an accepting override after it counts)."""
    out: dict[str, Verdict] = {}
    for e in entries:
        if not e.step:
            continue
        if e.kind == VERIFY_KIND:
            readings = e.data.get("readings") or []
            lines = tuple(_line(r) for r in readings if isinstance(r, dict))
            out[e.step] = Verdict(bool(e.data.get("ok")), lines)
        elif e.kind == "override" and e.data.get("accepts") == ACCEPTS_VERIFY and e.step in out:
            out[e.step] = Verdict(out[e.step].ok, out[e.step].lines, str(e.data.get("reason", "")))
    return out


def _line(reading: dict[str, Any]) -> str:
    mark = {"holds": "✔", "fails": "✖"}.get(str(reading.get("truth", "")).lower(), "?")
    return f"{mark} {reading.get('condition', '?')}: {reading.get('detail', '')}"
