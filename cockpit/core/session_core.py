"""What the session's mixins (closing, resume) use of it: the session's core as a protocol,
so they are type-checked against it without importing the session they are part of."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cockpit.actions import Action
    from cockpit.config import Config
    from cockpit.core.gate import GateStatus
    from cockpit.core.readings import Board
    from cockpit.core.runbook import Runbook, StepState
    from cockpit.incident.journal import Entry, Journal
    from cockpit.incident.state import Incident


class SessionCore(Protocol):
    config: Config
    journal: Journal
    read_only: bool
    board: Board
    incident: Incident
    runbook: Runbook
    gate_status: GateStatus | None
    actions: dict[str, Action]

    def record(
        self,
        kind: str,
        summary: str,
        *,
        step: str | None = None,
        data: dict[str, Any] | None = None,
        keep: bool = False,
    ) -> Entry | None: ...

    def set_step(
        self, step_id: str, state: StepState, reason: str | None = None, *, keep: bool = False
    ) -> Entry | None: ...

    def evaluate_gate(self) -> GateStatus: ...

    async def refresh_now(self, kinds: tuple[str, ...] | None = None) -> None: ...

    def open_items(self) -> list[str]: ...

    def mark_interrupted(self) -> list[Entry]: ...
