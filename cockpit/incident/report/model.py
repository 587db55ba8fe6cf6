"""The report as typed values: what every renderer (Markdown, JSON, HTML, the web view) reads.

Everything here is bounded in size by the incident's shape (steps, actions, operators),
never by the journal's length: the curated timeline and the raw journal are streamed
from the journal again when a renderer asks for them (`Report.timeline()`, `Report.raw()`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from cockpit.incident.journal import Entry

if TYPE_CHECKING:
    from cockpit.incident.report.release_map import ReleaseSection

#: Reading families the report follows, with the words people see for them.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("error_rate", "error rate"),
    ("suspects", "suspect records"),
    ("queues", "queue depth"),
)


@dataclass(frozen=True)
class Moment:
    """A point in the incident and the journal entry (or input) it was taken from."""

    at: datetime
    source: str  # in words: "the first gate entry reporting MITIGATED (entry 40)"
    seq: int | None = None


@dataclass(frozen=True)
class Moments:
    started: Moment | None = None  # when the problem began (release time or first bad reading), if known
    declared: Moment | None = None
    acknowledged: Moment | None = None
    first_update: Moment | None = None
    mitigated: Moment | None = None
    restored: Moment | None = None
    closed: Moment | None = None


@dataclass(frozen=True)
class Duration:
    name: str  # "to detect", "to mitigate", ...
    seconds: float
    start: Moment
    end: Moment


@dataclass(frozen=True)
class Omitted:
    """A duration left out, and why (never printed as 0)."""

    name: str
    why: str


@dataclass(frozen=True)
class Peak:
    name: str
    value: float
    at: datetime | None = None


@dataclass(frozen=True)
class Impact:
    error_rate_peaks: tuple[Peak, ...] = ()
    suspects_peak: tuple[Peak, ...] = ()
    suspects_new: tuple[Peak, ...] = ()  # peak minus the count at declaration, per kind
    repaired: int | None = None  # None: no repair ran
    marked_for_review: int | None = None
    queue_peaks: tuple[Peak, ...] = ()


@dataclass(frozen=True)
class Change:
    """A key reading before and after an action."""

    family: str
    name: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class Row:
    """One line of the curated timeline: a milestone, an action, a note or an override."""

    seq: int
    at: datetime
    who: str
    kind: str  # milestone, action, update, note, override, skip, status
    what: str
    result: str = ""
    outcome: str = ""  # done, failed, cancelled, dry run, interrupted; "" for non-actions
    step: str | None = None
    took_s: float | None = None
    changes: tuple[Change, ...] = ()
    folded: tuple[str, ...] = ()  # previews, confirmations, output lines folded into this row

    @property
    def is_action(self) -> bool:
        return self.kind in ("action", "update")


@dataclass(frozen=True)
class StepDone:
    id: str
    title: str
    state: str
    reason: str | None
    actions: tuple[str, ...]  # "Pause the risky queues — done (alice)"
    owners: tuple[str, ...]


@dataclass(frozen=True)
class OwnerDone:
    who: str
    actions: int
    failed: int
    notes: int
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Override:
    at: datetime
    who: str
    what: str
    reason: str


@dataclass(frozen=True)
class FollowUp:
    at: datetime
    text: str
    owner: str
    raised_by: str


@dataclass(frozen=True)
class Repair:
    at: datetime
    who: str
    script: str
    reviewed_by: str
    sha256: str
    applied: tuple[tuple[str, int], ...]
    marked_for_review: int
    committed: bool


@dataclass(frozen=True)
class Message:
    at: datetime
    who: str
    audience: str
    sent_to: str
    text: str


@dataclass(frozen=True)
class Point:
    at: float  # POSIX seconds
    value: float


@dataclass(frozen=True)
class Series:
    family: str
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Marker:
    at: float
    label: str
    ok: bool
    kind: str = "action"  # action, mitigated, restored, closed


@dataclass(frozen=True)
class Charts:
    series: tuple[Series, ...]
    markers: tuple[Marker, ...]
    start: float | None
    end: float | None


@dataclass(frozen=True)
class Header:
    title: str
    severity: str
    status: str  # open, mitigated, restored, closed, reopened
    gate: str | None  # the latest gate state: NOT RESTORED, MITIGATED, RESTORED (None: no gate entries)
    gate_reason: str
    lead: str
    declared_by: str
    scope: str
    release: str
    rolled_back_to: str
    changes: tuple[str, ...]
    operators: tuple[str, ...]


@dataclass(frozen=True)
class Report:
    zone: tzinfo
    zone_name: str
    header: Header
    summary: tuple[str, ...]
    moments: Moments
    durations: tuple[Duration, ...]
    omitted: tuple[Omitted, ...]
    impact: Impact
    steps: tuple[StepDone, ...]
    owners: tuple[OwnerDone, ...]
    overrides: tuple[Override, ...]
    follow_ups: tuple[FollowUp, ...]
    open_items: tuple[str, ...]
    repairs: tuple[Repair, ...]
    messages: tuple[Message, ...]
    charts: Charts
    action_count: int
    entry_count: int
    timeline: Callable[[], Iterator[Row]] = field(repr=False, compare=False)
    raw: Callable[[], Iterator[Entry]] = field(repr=False, compare=False)
    #: The release map and what became of each undo (None: the incident ran without a release file).
    release: ReleaseSection | None = None
