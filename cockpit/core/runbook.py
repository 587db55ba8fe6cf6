"""The rollback runbook: ordered steps, their state, rebuilt from the journal on resume."""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from cockpit.incident.journal import Entry


class StepState(Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class StepDef(NamedTuple):
    id: str
    title: str
    short: str
    key: str
    action: str | None  # the named action the key runs; None for journal-only steps
    hint: str


#: The order that works: stop the damage before fixing data, fix data before restarting jobs.
STEPS: tuple[StepDef, ...] = (
    StepDef("declare", "Declare the incident", "Declare", "d", "declare", "title, severity, scope, rollback lead"),
    StepDef(
        "alert",
        "Alert: first status note",
        "Alert",
        "a",
        "status_update",
        "first status note; starts the update countdown",
    ),
    StepDef(
        "stop", "Stop the damage", "Stop damage", "s", "pause_risky", "pause the queues that keep writing bad data"
    ),
    StepDef(
        "flags",
        "Flags to safe values",
        "Flags safe",
        "f",
        "flags_safe",
        "every flag to its safe value in every region, read back",
    ),
    StepDef(
        "revert", "Revert the release", "Revert", "r", "revert", "roll the release back; output streams into the log"
    ),
    StepDef(
        "cache", "Clear named caches", "Caches", "c", "clear_caches", "only the named caches, with a count of what goes"
    ),
    StepDef(
        "repair", "Repair data", "Repair data", "p", "repair", "reviewed script, preview counts, guard, mark for review"
    ),
    StepDef(
        "restart",
        "Restart jobs in stages",
        "Restart jobs",
        "j",
        "restart_staged",
        "resume stage by stage, watching depth and errors",
    ),
    StepDef(
        "verify", "Verify user paths", "Verify paths", "v", "verify_paths", "run the user-path checks end to end now"
    ),
    StepDef(
        "watch",
        "Watch the restored gate",
        "Watch gate",
        "w",
        "watch",
        "every gate condition must hold for the whole window",
    ),
    StepDef(
        "update",
        "Customer update",
        "Cust. update",
        "u",
        "customer_update",
        "tell customers what happened and what works now",
    ),
    StepDef(
        "close",
        "Close the incident",
        "Close",
        "x",
        "close",
        "lists what is open; before RESTORED a typed reason (an override); reopen when closed",
    ),
)
STEP_IDS = tuple(s.id for s in STEPS)


def step_by_id(step_id: str) -> StepDef:
    return next(s for s in STEPS if s.id == step_id)


class Runbook:
    """Step states; `apply` replays `step` journal entries, so resume is just a re-read."""

    def __init__(self) -> None:
        self.states: dict[str, StepState] = {s.id: StepState.PENDING for s in STEPS}
        self.reasons: dict[str, str] = {}

    def apply(self, entry: Entry) -> None:
        if entry.kind != "step" or entry.step not in self.states:
            return
        try:
            self.states[entry.step] = StepState(entry.data.get("state", ""))
        except ValueError:
            return
        if reason := entry.data.get("reason"):
            self.reasons[entry.step] = str(reason)

    @classmethod
    def from_entries(cls, entries: list[Entry]) -> Runbook:
        book = cls()
        for entry in entries:
            book.apply(entry)
        return book

    def state(self, step_id: str) -> StepState:
        return self.states[step_id]

    def next_step(self) -> StepDef | None:
        """The first step not yet done or skipped: what the operator should do now."""
        return next((s for s in STEPS if self.states[s.id] not in (StepState.DONE, StepState.SKIPPED)), None)

    def out_of_order(self, step_id: str) -> list[StepDef]:
        """Earlier steps still open when `step_id` starts (worth a warning, not a block)."""
        earlier = STEPS[: STEP_IDS.index(step_id)]
        return [
            s
            for s in earlier
            if self.states[s.id] in (StepState.PENDING, StepState.FAILED) and s.id not in ("declare", "alert")
        ]
