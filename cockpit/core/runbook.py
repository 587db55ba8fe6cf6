"""The rollback runbook as data: steps (`StepDef`), their state, rebuilt from the journal on resume.

`default_steps(config)` builds the guides' twelve steps from the config; a release map builds
its own. `Session.steps` is the one list every consumer (panels, keys, help, palette, report,
web, shared locks) reads: no code outside this module names a step id. Logic that needs "the
watch step" or "has the revert been done" asks by `Phase`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from cockpit.core.conditions import Condition
from cockpit.core.guard import GuardSpec, restart_guard
from cockpit.incident.journal import Entry

if TYPE_CHECKING:
    from cockpit.config import Config


class StepState(Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    #: A guard stopped it before its next stage (or the operator aborted at a guard pause).
    HALTED = "halted"
    #: Waiting at a guard pause for a human to continue or abort.
    PAUSED = "paused"


class Phase(Enum):
    """The guides' default order; the sorting key for steps with no `after` between them."""

    DECLARE = "declare"
    ALERT = "alert"
    STOP = "stop"
    FLAGS = "flags"
    REVERT = "revert"
    CACHE = "cache"
    REPAIR = "repair"
    RESTART = "restart"
    VERIFY = "verify"
    WATCH = "watch"
    UPDATE = "update"
    CLOSE = "close"


#: The frame every runbook keeps around a release's undo steps, chosen by phase (the step ids
#: stay the default ones, so older journals resume): these open it, in this order ...
FRAME_HEAD = (Phase.DECLARE, Phase.ALERT)
#: ... and these close it.
FRAME_TAIL = (Phase.VERIFY, Phase.WATCH, Phase.UPDATE, Phase.CLOSE)


def frame_ids() -> tuple[str, ...]:
    """The default frame's step ids: a release change or undo step may not take one."""
    return tuple(s.id for s in default_steps() if s.phase in (*FRAME_HEAD, *FRAME_TAIL))


#: Action kinds the session handles itself (dialogs, the watch), not built by an action registry.
SESSION_KINDS = ("declare", "watch", "close")


def _frozen(params: Mapping[str, object]) -> Mapping[str, object]:
    return params if isinstance(params, MappingProxyType) else MappingProxyType(dict(params))


@dataclass(frozen=True)
class ActionRef:
    """One action instance a step runs: an action kind of the registry and its parameters.

    `params["name"]`, when given, names the instance (the journal's `action`, the key of
    `Session.actions`, `cockpit act NAME`); without it the instance is named after its kind."""

    kind: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))

    @property
    def name(self) -> str:
        return str(self.params.get("name", self.kind))


@dataclass(frozen=True)
class StepDef:
    id: str  # unique; the journal's `step`
    title: str
    short: str
    key: str  # "" = no key of its own: the palette and the runbook panel (Enter) reach it
    hint: str
    phase: Phase
    action: ActionRef | None
    skippable: bool = True
    change: str | None = None  # the release-map change this step undoes
    owner: str = ""
    backup: str = ""
    approvers: tuple[str, ...] = ()
    after: tuple[str, ...] = ()  # step ids whose undo must be verified (DONE) first
    preconditions: tuple[Condition, ...] = ()  # must HOLD before the step runs (else a typed override)
    verify: tuple[Condition, ...] = ()  # must HOLD after it for the undo to count as verified
    guard: GuardSpec | None = None  # judged every tick while a long step runs: halts or pauses it

    @property
    def action_name(self) -> str | None:
        """The name of the action instance the step's key runs (None for journal-only steps)."""
        return self.action.name if self.action else None

    def as_meta(self) -> dict[str, Any]:
        """What the journal keeps of the step, so a report of it needs no config."""
        meta: dict[str, Any] = {"id": self.id, "title": self.title, "short": self.short, "phase": self.phase.value}
        meta.update({k: v for k, v in (("change", self.change), ("owner", self.owner)) if v})
        return meta


def _step(
    id: str, title: str, short: str, key: str, phase: Phase, action: ActionRef | None, hint: str, **kw: Any
) -> StepDef:
    return StepDef(id, title, short, key, hint, phase, action, **kw)


def default_steps(config: Config | None = None) -> tuple[StepDef, ...]:
    """The guides' order: stop the damage before fixing data, fix data before restarting jobs.

    Several `[[actions.caches]]` groups or `[[actions.repairs]]` scripts are several steps
    (`cache:NAME`, `repair:NAME`; the first keeps the key, the others are palette-only); one
    group or script (or none, or no config) is the single `cache` / `repair` step of old journals."""
    caches = tuple(c.name for c in config.actions.caches) if config is not None else ()
    repairs = tuple(r.name for r in config.actions.repairs) if config is not None else ()
    cache_steps: list[StepDef] = [
        _step(
            "cache",
            "Clear named caches",
            "Caches",
            "c",
            Phase.CACHE,
            ActionRef("clear_caches"),
            "only the named caches, with a count of what goes",
        )
    ]
    if len(caches) > 1:
        cache_steps = [
            _step(
                f"cache:{name}",
                f"Clear cache {name}",
                f"Cache {name}",
                "c" if i == 0 else "",
                Phase.CACHE,
                ActionRef("clear_caches", {"name": f"clear_caches:{name}", "caches": (name,)}),
                f"only the {name} cache, with a count of what goes",
            )
            for i, name in enumerate(caches)
        ]
    repair_steps: list[StepDef] = [
        _step(
            "repair",
            "Repair data",
            "Repair data",
            "p",
            Phase.REPAIR,
            ActionRef("repair", {"script": repairs[0]} if repairs else {}),
            "reviewed script, preview counts, guard, mark for review",
        )
    ]
    if len(repairs) > 1:
        repair_steps = [
            _step(
                f"repair:{name}",
                f"Repair data: {name}",
                f"Repair {name}",
                "p" if i == 0 else "",
                Phase.REPAIR,
                ActionRef("repair", {"name": f"repair:{name}", "script": name}),
                f"reviewed script {name}: preview counts, guard, mark for review",
            )
            for i, name in enumerate(repairs)
        ]
    return (
        _step(
            "declare",
            "Declare the incident",
            "Declare",
            "d",
            Phase.DECLARE,
            ActionRef("declare"),
            "title, severity, scope, rollback lead",
            skippable=False,
        ),
        _step(
            "alert",
            "Alert: first status note",
            "Alert",
            "a",
            Phase.ALERT,
            ActionRef("status_update"),
            "first status note; starts the update countdown",
        ),
        _step(
            "stop",
            "Stop the damage",
            "Stop damage",
            "s",
            Phase.STOP,
            ActionRef("pause_queues", {"name": "pause_risky"}),
            "pause the queues that keep writing bad data",
        ),
        _step(
            "flags",
            "Flags to safe values",
            "Flags safe",
            "f",
            Phase.FLAGS,
            ActionRef("set_flags", {"name": "flags_safe"}),
            "every flag to its safe value in every region, read back",
        ),
        _step(
            "revert",
            "Revert the release",
            "Revert",
            "r",
            Phase.REVERT,
            ActionRef("revert"),
            "roll the release back; output streams into the log",
        ),
        *cache_steps,
        *repair_steps,
        _step(
            "restart",
            "Restart jobs in stages",
            "Restart jobs",
            "j",
            Phase.RESTART,
            ActionRef("restart_staged"),
            "resume stage by stage, watching depth and errors",
            guard=restart_guard(config) if config is not None else None,
        ),
        _step(
            "verify",
            "Verify user paths",
            "Verify paths",
            "v",
            Phase.VERIFY,
            ActionRef("verify_paths"),
            "run the user-path checks end to end now",
        ),
        _step(
            "watch",
            "Watch the restored gate",
            "Watch gate",
            "w",
            Phase.WATCH,
            ActionRef("watch"),
            "every gate condition must hold for the whole window",
        ),
        _step(
            "update",
            "Customer update",
            "Cust. update",
            "u",
            Phase.UPDATE,
            ActionRef("customer_update"),
            "tell customers what happened and what works now",
        ),
        _step(
            "close",
            "Close the incident",
            "Close",
            "x",
            Phase.CLOSE,
            ActionRef("close"),
            "lists what is open; before RESTORED a typed reason (an override); reopen when closed",
            skippable=False,
        ),
    )


_CLOSED = (StepState.DONE, StepState.SKIPPED)


class Runbook:
    """Step states; `apply` replays `step` journal entries, so resume is just a re-read."""

    def __init__(self, steps: Sequence[StepDef] | None = None) -> None:
        self.steps: tuple[StepDef, ...] = tuple(steps) if steps is not None else default_steps()
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError(f"step ids must be unique: {ids}")
        self._by_id = {s.id: s for s in self.steps}
        self.states: dict[str, StepState] = {s.id: StepState.PENDING for s in self.steps}
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
    def from_entries(cls, entries: list[Entry], steps: Sequence[StepDef] | None = None) -> Runbook:
        """Replay a journal; without `steps`, those the journal recorded (or the defaults)."""
        from cockpit.core.step_meta import steps_from_entries  # it builds on this module

        book = cls(steps if steps is not None else steps_from_entries(entries))
        for entry in entries:
            book.apply(entry)
        return book

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def step(self, step_id: str) -> StepDef:
        """The step with this id; KeyError names it when there is none."""
        try:
            return self._by_id[step_id]
        except KeyError:
            raise KeyError(f"no runbook step {step_id!r}") from None

    def get(self, step_id: str | None) -> StepDef | None:
        return self._by_id.get(step_id) if step_id else None

    def state(self, step_id: str) -> StepState:
        return self.states[step_id]

    def of_phase(self, phase: Phase) -> tuple[StepDef, ...]:
        return tuple(s for s in self.steps if s.phase is phase)

    def first(self, phase: Phase) -> StepDef | None:
        """The (first) step of a phase: "the declare step", "the watch step"."""
        return next((s for s in self.steps if s.phase is phase), None)

    def for_action(self, action_name: str) -> StepDef | None:
        """The step whose key runs the named action instance."""
        return next((s for s in self.steps if s.action_name == action_name), None)

    def phase_state(self, phase: Phase) -> StepState | None:
        """A phase's state over its steps (None: no step of it). Failed, halted, paused or
        running wins (in that order); then pending; all skipped is skipped; done (some maybe
        skipped) is done — only when every step is done or skipped."""
        states = [self.states[s.id] for s in self.of_phase(phase)]
        if not states:
            return None
        for state in (StepState.FAILED, StepState.HALTED, StepState.PAUSED, StepState.RUNNING, StepState.PENDING):
            if state in states:
                return state
        return StepState.SKIPPED if all(s is StepState.SKIPPED for s in states) else StepState.DONE

    def phase_states(self) -> dict[Phase, StepState]:
        return {p: st for p in Phase if (st := self.phase_state(p)) is not None}

    def next_step(self) -> StepDef | None:
        """The first step not yet done or skipped: what the operator should do now."""
        return next((s for s in self.steps if self.states[s.id] not in _CLOSED), None)

    def out_of_order(self, step_id: str) -> list[StepDef]:
        """Earlier steps still open when `step_id` starts (worth a warning, not a block)."""
        if step_id not in self._by_id:
            return []
        earlier = self.steps[: self.ids.index(step_id)]
        return [
            s
            for s in earlier
            if self.states[s.id] in (StepState.PENDING, StepState.FAILED, StepState.HALTED)
            and s.phase not in (Phase.DECLARE, Phase.ALERT)
        ]
