"""The hook a long action uses to ask its step's guard at each stage or batch boundary.

The runner passes a `Checkpoint`; the action awaits it between stages. It returns when
the guard is clear (or the operator chose to go on), and raises `Halted` (the guard's
failure conditions held) or `Aborted` (the guard was inconclusive and the operator chose
to stop). The action then stops before the next stage, undoes nothing, and says exactly
what state it left. The action never sees the session, the board or the clock.
"""

from __future__ import annotations

from typing import Protocol


class Checkpoint(Protocol):
    async def __call__(self, label: str, *, fresh: bool = False, can_wait: bool = True) -> None:
        """Ask the guard before `label` (e.g. "stage 2"). `fresh`: judge readings taken after
        this call. `can_wait=False` (e.g. inside an open transaction, holding locks): an
        inconclusive guard aborts instead of pausing for a human."""


class GuardStop(Exception):
    """A guard stopped the action at a boundary; `readings` are the judgements it rests on."""

    word = "STOPPED"

    def __init__(self, label: str, reason: str, readings: tuple[str, ...] = ()) -> None:
        super().__init__(f"{self.word} before {label}: {reason}")
        self.label, self.reason, self.readings = label, reason, readings


class Halted(GuardStop):
    word = "HALTED"


class Aborted(GuardStop):
    word = "ABORTED"


async def no_checkpoint(label: str, *, fresh: bool = False, can_wait: bool = True) -> None:
    """The checkpoint of an unguarded run: always go on."""
    return None
