"""What the session is wired to: the drill or real systems, behind the same interfaces."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # the config imports the queue kinds from this package: no import cycle at run time
    from cockpit.actions import Action
    from cockpit.config import Config
    from cockpit.core.readings import Board
    from cockpit.core.runbook import StepDef
    from cockpit.core.source import Source
    from cockpit.core.timebase import Timebase
    from cockpit.incident.journal import Entry
    from cockpit.incident.state import Incident


Targeted = Callable[[str, str], "Action"]


@dataclass
class Backends:
    config: Config
    timebase: Timebase
    sources: list[Source]
    actions: dict[str, Action]
    #: Delivers a status/customer update; returns where it went.
    send_update: Callable[[str, str], Awaitable[str]]
    label: str = ""
    checks: list[Source] = field(default_factory=list)
    #: The same actions aimed at one named target (a queue, cache, repair script, flag).
    targeted: Targeted | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: Where an update for an audience ("status", "customer") goes, in words, for its dialog.
    update_target: Callable[[str], str] = lambda audience: "the journal only"
    #: The runbook these backends were wired for (empty: the config's default steps).
    steps: tuple[StepDef, ...] = ()
    #: Reads are in-process and instant (the drill): the first frame waits for them. Real
    #: systems are read only once the first frame is drawn.
    local_reads: ClassVar[bool] = False

    def session_actions(
        self, board: Board, incident: Callable[[], Incident], steps: Sequence[StepDef] = ()
    ) -> dict[str, Action]:
        """The actions that read the session's own state (its board, its incident): the
        user-path verify over `checks`, and the status and customer updates — one per step
        naming the kind (a step's `template` param replaces the config's), and the default
        `verify_paths`, `status_update`, `customer_update`. Wired here, for the drill and
        real systems alike, so the session itself wires nothing."""
        from cockpit.actions.checks import VerifyPathsAction
        from cockpit.actions.updates import UpdateAction

        refs = [s.action for s in steps if s.action is not None]
        actions: dict[str, Action] = {}
        if self.checks:
            for name in {r.name for r in refs if r.kind == "verify_paths"} | {"verify_paths"}:
                actions[name] = VerifyPathsAction(self.checks, board)
                actions[name].name = name
        updates = self.config.actions.updates
        if updates is not None:
            for audience, kind, template in (
                ("status", "status_update", updates.status),
                ("customer", "customer_update", updates.customer),
            ):
                wanted = {r.name: r for r in refs if r.kind == kind}
                for name in [*wanted, *([] if kind in wanted else [kind])]:
                    ref = wanted.get(name)
                    action = UpdateAction(
                        audience,
                        str(ref.params.get("template") or template) if ref else template,
                        board,
                        incident,
                        self.config.incident.service,
                        self.config.gate.max_error_rate,
                        self.send_update,
                        self.update_target(audience),
                    )
                    action.name = name
                    actions[name] = action
        return actions

    def resume(self, entries: list[Entry]) -> None:
        """Resuming a journal: real systems hold their own state, so there is nothing to do
        (the drill rebuilds its simulated world from the journaled actions)."""

    async def close(self) -> None:
        for source in self.sources:
            await source.close()
        for closer in self.closers:
            await closer()
