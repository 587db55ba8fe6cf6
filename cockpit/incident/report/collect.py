"""One streaming pass over the journal: everything the report says except the timeline rows.

`Collected` holds what is bounded by the incident's shape (moments, peaks, per-step and
per-owner tallies, overrides, follow-ups, repairs, messages, chart series and markers).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cockpit.actions.data import UpdateSent
from cockpit.actions.data_long import RepairRun
from cockpit.core.runbook import Phase, StepDef, default_steps
from cockpit.core.step_meta import steps_from_entries
from cockpit.incident.journal import Entry
from cockpit.incident.report.curate import Curator, release_from_touches
from cockpit.incident.report.model import FollowUp, Marker, Message, Moment, Override, Repair, Row
from cockpit.incident.report.series import SeriesBuilder, readings_in

#: "@dana" in a follow-up note names its owner (the note dialog has one text field).
_MENTION = re.compile(r"(?<![\w.])@([A-Za-z][\w.-]*[\w])")
#: Markers drawn per chart at most; beyond it the chart says how many more actions ran.
MAX_MARKERS = 2000


@dataclass
class Collected:
    title: str = ""
    severity: str = ""
    lead: str = ""
    declared_by: str = ""
    scope: str = ""
    release: str = ""
    rolled_back_to: str = ""
    changes: tuple[str, ...] = ()
    status: str = "open"
    gate: str | None = None
    gate_reason: str = ""
    has_gate_entries: bool = False
    operators: set[str] = field(default_factory=set)
    first: datetime | None = None
    last: datetime | None = None
    entry_count: int = 0
    started: Moment | None = None
    declared: Moment | None = None
    acknowledged: Moment | None = None
    first_update: Moment | None = None
    mitigated: Moment | None = None
    restored: Moment | None = None
    restored_fallback: Moment | None = None  # old journals: the status entry with gate == green
    closed: Moment | None = None
    first_bad: Moment | None = None  # the first gate entry NOT RESTORED before the declaration
    baseline: dict[str, float] = field(default_factory=dict)
    #: The runbook the journal was worked with (its declare entry's `steps`; an old journal: the defaults).
    steps: tuple[StepDef, ...] = field(default_factory=default_steps)
    step_states: dict[str, str] = field(default_factory=dict)
    step_reasons: dict[str, str] = field(default_factory=dict)
    step_actions: dict[str, Counter[str]] = field(default_factory=dict)
    step_owners: dict[str, set[str]] = field(default_factory=dict)
    owner_actions: Counter[str] = field(default_factory=Counter)
    owner_failed: Counter[str] = field(default_factory=Counter)
    owner_notes: Counter[str] = field(default_factory=Counter)
    owner_steps: dict[str, set[str]] = field(default_factory=dict)
    overrides: list[Override] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    close_open_items: tuple[str, ...] | None = None
    repairs: list[Repair] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    action_count: int = 0
    series: SeriesBuilder = field(default_factory=SeriesBuilder)
    _close_override_journaled: bool = False

    # -- the pass -------------------------------------------------------------------
    def feed(self, e: Entry, curator: Curator) -> None:
        self.entry_count += 1
        self.operators.add(e.operator)
        at = e.at
        self.first = self.first or at
        self.last = at
        if e.kind == "gate":
            self.has_gate_entries = True
        handler = _HANDLERS.get(e.kind)  # by kind, named: outside text must not pick a method by name
        if handler is not None:
            handler(self, e, at)
        self._readings(e, at)
        row = curator.feed(e)
        if row is not None:
            self._row(row)

    def _declare(self, e: Entry, at: datetime) -> None:
        d = e.data
        self.title, self.severity = str(d.get("title", "")), str(d.get("severity", ""))
        self.lead, self.scope = str(d.get("lead", "")), str(d.get("scope", ""))
        self.release = str(d.get("release") or self.release)
        if isinstance(d.get("changes"), list):
            self.changes = tuple(str(c) for c in d["changes"])
        if isinstance(d.get("steps"), list):
            self.steps = steps_from_entries([e])
        if self.declared is None:
            self.declared = Moment(at, f"the declaration (entry {e.seq})", e.seq)
            self.declared_by = e.operator
        for key, words in (
            ("started_at", "the start time given at declaration"),
            ("release_at", "the release time given at declaration"),
        ):
            self.started = self.started or _given(d.get(key), words, e.seq)
        self.acknowledged = (
            _given(d.get("acknowledged_at"), "the acknowledgement time given at declaration", e.seq)
            or self.acknowledged
        )

    def _status(self, e: Entry, at: datetime) -> None:
        d = e.data
        for key in ("severity", "lead"):
            if key in d:
                setattr(self, key, str(d[key]))
        if "status" in d:
            self.status = str(d["status"])
        if d.get("gate") == "green" and self.restored_fallback is None:
            self.restored_fallback = Moment(
                at, f"the status entry 'service restored: gate green' (entry {e.seq})", e.seq
            )
        if d.get("status") == "closed":
            self._closed(e, at, str(d.get("override") or ""), bool(d.get("override")))

    def _gate(self, e: Entry, at: datetime) -> None:
        state = str(e.data.get("state", ""))
        self.gate, self.gate_reason = state, str(e.data.get("reason") or "")
        words = f"the first gate entry reporting {state} (entry {e.seq})"
        if state == "MITIGATED" and self.mitigated is None:
            self.mitigated = Moment(at, words, e.seq)
        elif state == "RESTORED":
            self.mitigated = self.mitigated or Moment(at, words, e.seq)  # restored implies mitigated
            if self.restored is None:
                self.restored = Moment(at, words, e.seq)
        elif state == "NOT RESTORED" and self.declared is None and self.first_bad is None:
            self.first_bad = Moment(at, f"the first gate entry reporting NOT RESTORED (entry {e.seq})", e.seq)
        if self.status not in ("closed",):
            self.status = {"MITIGATED": "mitigated", "RESTORED": "restored"}.get(state, self.status)

    def _close(self, e: Entry, at: datetime) -> None:
        self.status = "closed"
        items = e.data.get("open_items")
        if isinstance(items, list):
            self.close_open_items = tuple(str(i) for i in items)
        self._closed(e, at, str(e.data.get("reason") or ""), bool(e.data.get("override")))

    def _closed(self, e: Entry, at: datetime, reason: str, override: bool) -> None:
        if self.closed is not None:
            return  # the same close journaled twice (a close entry and a status entry)
        self.closed = Moment(at, f"the close entry (entry {e.seq})", e.seq)
        journaled, self._close_override_journaled = self._close_override_journaled, False
        if override and not journaled:
            self.overrides.append(Override(at, e.operator, "closed before the service was restored", reason))

    def _reopen(self, e: Entry, at: datetime) -> None:
        self.status = "reopened"
        self._close_override_journaled = False
        self.closed = None
        self.overrides.append(Override(at, e.operator, "reopened the incident", str(e.data.get("reason") or "")))

    def _override(self, e: Entry, at: datetime) -> None:
        if any(s.id == e.step and s.phase is Phase.CLOSE for s in self.steps):
            self._close_override_journaled = True  # the close entry that follows says the same
        self.overrides.append(
            Override(at, e.operator, str(e.data.get("what") or e.summary), str(e.data.get("reason") or ""))
        )

    def _step(self, e: Entry, at: datetime) -> None:
        if not e.step:
            return
        self.step_states[e.step] = str(e.data.get("state", ""))
        if e.data.get("reason"):
            self.step_reasons[e.step] = str(e.data["reason"])
            if e.data.get("state") == "skipped":
                title = e.summary.removeprefix("step ").split(": skipped", 1)[0]
                self.overrides.append(Override(at, e.operator, f"skipped step {title}", str(e.data["reason"])))

    def _note(self, e: Entry, at: datetime) -> None:
        self.owner_notes[e.operator] += 1
        if e.data.get("follow_up"):
            mention = _MENTION.search(e.summary)
            owner = str(e.data.get("owner") or (mention.group(1) if mention else e.operator))
            self.follow_ups.append(FollowUp(at, e.summary, owner, e.operator))

    def _action(self, e: Entry, at: datetime) -> None:
        d = e.data
        if d.get("phase") == "preview" and _kind(d) == "revert" and not self.rolled_back_to:
            found = release_from_touches(d.get("touches") or ())
            if found:
                self.release = self.release or found[0]
                self.rolled_back_to = found[1]
        if d.get("phase") == "result" and _kind(d) == "repair":
            run = RepairRun.from_dict(d)  # any version's entry, read into today's record
            self.repairs.append(
                Repair(
                    at,
                    e.operator,
                    run.script,
                    run.reviewed_by,
                    run.sha256,
                    tuple(run.applied.items()),
                    run.marked_for_review or 0,
                    run.committed,
                )
            )

    def _update(self, e: Entry, at: datetime) -> None:
        d = e.data
        if d.get("phase") == "result" and d.get("ok"):
            sent = UpdateSent.from_dict(d)  # any version's entry, read into today's record
            self.messages.append(Message(at, e.operator, sent.audience, sent.sent_to, sent.text))
            if sent.audience == "status" and self.first_update is None:
                self.first_update = Moment(at, f"the first status update sent (entry {e.seq})", e.seq)

    def _readings(self, e: Entry, at: datetime) -> None:
        d = e.data
        if e.kind == "reading" and d.get("baseline") and isinstance(d.get("suspects"), dict):
            self.baseline = {str(k): float(v) for k, v in d["suspects"].items() if isinstance(v, (int, float))}
        for moment, readings in readings_in(e.kind, d, at):
            self.series.add_readings(moment, readings)

    def _row(self, row: Row) -> None:
        if not row.is_action:
            return
        self.action_count += 1
        ok = row.outcome == "done"
        if len(self.markers) < MAX_MARKERS:
            self.markers.append(Marker(row.at.timestamp(), f"{row.what} ({row.outcome}, {row.who})", ok))
        self.owner_actions[row.who] += 1
        if row.outcome == "failed":
            self.owner_failed[row.who] += 1
        if row.step:
            self.step_actions.setdefault(row.step, Counter())[f"{row.what}: {row.outcome} ({row.who})"] += 1
            self.step_owners.setdefault(row.step, set()).add(row.who)
            self.owner_steps.setdefault(row.who, set()).add(row.step)


_HANDLERS = {
    "declare": Collected._declare,
    "status": Collected._status,
    "gate": Collected._gate,
    "close": Collected._close,
    "reopen": Collected._reopen,
    "override": Collected._override,
    "step": Collected._step,
    "note": Collected._note,
    "action": Collected._action,
    "update": Collected._update,
}


def _given(text: Any, words: str, seq: int) -> Moment | None:
    """A moment typed in at declaration (ISO 8601 with a zone), or None when absent or not a time."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return Moment(moment, words, seq) if moment.tzinfo is not None else None


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _kind(data: dict[str, Any]) -> str:
    """The action kind of an action entry: `repair:fix-holds` is a `repair`."""
    return str(data.get("action") or "").partition(":")[0]


def collect(entries: Iterable[Entry]) -> Collected:
    found = Collected()
    curator = Curator()
    for entry in entries:
        found.feed(entry, curator)
    return found
