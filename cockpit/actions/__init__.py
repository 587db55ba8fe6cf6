"""Rollback actions: preview -> confirm -> execute -> verify.

An action knows one backend concern (queues, flags, release, cache, repair, updates) and
nothing of widgets. The drill implements the same interface, so the screen and the
runner cannot tell them apart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from cockpit.core.safe_text import visible, visible_data

if TYPE_CHECKING:
    from cockpit.actions.data import ActionData
    from cockpit.actions.guarded import Checkpoint

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Preview:
    """What an action will touch, read live, restated in the confirmation."""

    action: str
    title: str
    touches: tuple[str, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    destructive: bool = True
    nothing_to_do: bool = False
    #: For messages: the text to send, which the operator edits before confirming.
    text: str | None = None
    #: The step's preconditions not holding now (✖/? and the reading): going on needs a reason.
    failing: tuple[str, ...] = ()
    #: The operator's typed reason to go on despite `failing` (filled in at confirmation).
    reason: str = ""
    #: What `failing` lists: the step's "precondition" (before it runs), or its "verify" (after
    #: the undo ran: the reason then accepts it as undone).
    failing_what: str = "precondition"

    def with_text(self, text: str) -> Preview:
        return replace(self, text=text)

    def shown_safely(self) -> Preview:
        """The same preview with backend text (names read live, errors) made visible, never obeyed.
        `counts` is kept as it is: its keys are the config's names, which an action looks up."""
        return replace(
            self,
            title=visible(self.title),
            touches=tuple(visible(t) for t in self.touches),
            warnings=tuple(visible(w) for w in self.warnings),
            text=None if self.text is None else visible(self.text, newlines=True, tabs=True),
        )


@dataclass(frozen=True)
class Result:
    """What happened. On failure `state_left` says exactly what state the system is in."""

    ok: bool
    summary: str
    details: tuple[str, ...] = ()
    state_left: str = ""
    #: The outcome's figures and command log (typed: cockpit.actions.data), journaled as a dict.
    data: ActionData | None = None

    def shown_safely(self) -> Result:
        """The same result with backend text made visible (see `cockpit.core.safe_text`)."""
        return replace(
            self,
            summary=visible(self.summary),
            details=tuple(visible(d) for d in self.details),
            state_left=visible(self.state_left),
            data=_data_shown_safely(self.data),
        )


def _data_shown_safely(data: object) -> Any:
    from cockpit.actions.data import ActionData  # loaded by then: `data` is one, or there is nothing to show

    if isinstance(data, ActionData):
        return data.shown_safely()
    # A plain dict (a test's, an older caller's): every string in it made visible.
    return visible_data(dict(data), newlines=True, tabs=True) if isinstance(data, Mapping) else data


class Action(ABC):
    """One named rollback action."""

    name: str
    title: str
    step: str | None = None
    destructive: bool = True
    #: A long action that asks its step's guard at each stage or batch boundary (`execute_guarded`).
    guarded: ClassVar[bool] = False

    @abstractmethod
    async def preview(self) -> Preview:
        """Read live what the action would touch; must not change anything."""

    @abstractmethod
    async def execute(self, preview: Preview, progress: Progress) -> Result:
        """Do it. `progress` receives output lines as they happen."""

    async def execute_guarded(self, preview: Preview, progress: Progress, checkpoint: Checkpoint) -> Result:
        """Do it, awaiting `checkpoint` before each stage or batch (see `cockpit.actions.guarded`).
        The runner always calls this; an action without stages just runs `execute`."""
        return await self.execute(preview, progress)

    @abstractmethod
    async def verify(self, preview: Preview, executed: Result) -> Result:
        """Read the state back and say whether the effect holds."""


class ActionOutcome(NamedTuple):
    """What the session's action runner reports back to the screen (or the command line)."""

    status: str  # done, failed, unjournaled (done, but its record waits in memory), cancelled, busy, refused, locked, dry-run
    message: str
    result: Result | None = None
    #: After a failure: exactly what the systems now hold (what changed, what did not, what is unknown).
    state_left: str = ""


def sql_lines(label: str, sql: str) -> list[str]:
    """A statement as command-log lines: the label, then its SQL line by line, indented."""
    return [label, *(f"    {line}" for line in sql.strip().splitlines())]
