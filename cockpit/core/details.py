"""Typed reading details: what a compound reading carries beside its value, one frozen
record per panel kind. Panels, gate, conditions, report and `snapshot --json` read these
fields by name, so a typo is a type error, not a silent blank cell.

`as_dict()` gives the old JSON shape (the keys `snapshot --json` has always printed);
`queue_detail()`, `flag_cell()`, `suspect_count()` and `check_result()` read a detail of
either form (a record, or that shape from an older caller) into the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import Field, dataclass, fields, replace
from typing import Any, ClassVar

from cockpit.core.safe_text import visible, visible_data


class DetailRecord:
    """What every typed detail offers: its JSON shape and a copy safe to show."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]  # every subclass is a frozen dataclass

    def as_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def printable(self) -> bool:
        """Every text in it shows as is (nothing a terminal would obey)."""
        # Over __dict__, not dataclasses.fields(): this runs for every reading of every tick.
        for value in self.__dict__.values():
            if isinstance(value, str):
                if not value.isprintable():
                    return False
            elif isinstance(value, Mapping) and not all(
                str(k).isprintable() and (not isinstance(v, str) or v.isprintable()) for k, v in value.items()
            ):
                return False
        return True

    def shown_safely(self) -> Any:
        """The same record with every outside string made visible."""
        changes = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                changes[f.name] = visible(value)
            elif isinstance(value, Mapping):
                changes[f.name] = visible_data(dict(value))
        return replace(self, **changes)


@dataclass(frozen=True)
class QueueState:
    """One queue at one moment. None = this kind cannot tell (not zero)."""

    depth: int | None
    in_flight: int | None = None
    failed: int | None = None
    retrying: int | None = None
    scheduled: int | None = None
    oldest_age: float | None = None  # seconds the oldest waiting job has waited
    paused: bool | None = None

    def fields(self) -> dict[str, Any]:
        """The state's detail keys (the depth is the reading's value)."""
        # Built by hand: dataclasses.asdict deep-copies and costs ~5x more, 300 times a tick.
        return {
            "in_flight": self.in_flight,
            "failed": self.failed,
            "retrying": self.retrying,
            "scheduled": self.scheduled,
            "oldest_age": self.oldest_age,
            "paused": self.paused,
        }


NO_STATE = QueueState(None)


@dataclass(frozen=True)
class QueueDetail(DetailRecord):
    """A queue reading: its state and where it lives."""

    state: QueueState = NO_STATE
    kind: str = ""
    server: str = ""
    queue: str = ""
    risky: bool = False
    stage: int = 1
    age_warn: float = 60.0
    age_critical: float = 300.0
    redis: str | None = None
    consumers: int | None = None  # RabbitMQ: consumers attached
    workers: int | None = None  # the drill: workers running
    pause_scope: str | None = None  # what a pause covers, when more than this queue

    def as_dict(self) -> dict[str, Any]:
        out = self.state.fields()
        out.update(
            kind=self.kind,
            server=self.server,
            queue=self.queue,
            risky=self.risky,
            stage=self.stage,
            age_warn=self.age_warn,
            age_critical=self.age_critical,
        )
        for key in ("redis", "consumers", "workers", "pause_scope"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class FlagCell(DetailRecord):
    """One flag in one region: what it serves, or why that is not known."""

    flag: str
    region: str
    backend: str | None = None  # the region's flag provider
    safe: bool | None = None  # the value every region must have once the damage is stopped
    enabled: bool | None = None
    rollout: float | None = None  # percent served
    strategies: int | None = None  # Unleash: active strategies in this environment
    constrained: bool | None = None  # Unleash: a strategy with constraints or segments
    #: Set when the region answered that the flag does not exist there.
    missing_reason: str | None = None
    missing_off: bool = False  # ... and the flag's config reads absent as off
    desired_rollout: float | None = None  # what the operator last set
    desired_enabled: bool | None = None
    cached: bool = False  # the drill: a region serving what it cached

    @property
    def missing(self) -> bool:
        return self.missing_reason is not None

    @property
    def reads_missing(self) -> bool:
        """Absent, and absent is not configured to mean off: never read as a kill switch."""
        return self.missing and not self.missing_off

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"flag": self.flag, "region": self.region}
        for key in ("backend", "safe", "desired_rollout", "desired_enabled"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        if self.missing:
            out.update(missing=True, missing_reason=self.missing_reason)
            if self.missing_off:
                out["missing_off"] = True
        for key in ("strategies", "constrained", "enabled", "rollout"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        if self.cached:
            out["cached"] = True
        return out


def flag_cell(detail: AnyDetail, name: str = "") -> FlagCell:
    """A flag reading's detail (an untyped one read into the record)."""
    if isinstance(detail, FlagCell):
        return detail
    d = detail_dict(detail)
    flag, _, region = name.partition("@")
    return FlagCell(
        str(d.get("flag", flag)),
        str(d.get("region", region)),
        d.get("backend"),
        d.get("safe"),
        d.get("enabled"),
        d.get("rollout"),
        d.get("strategies"),
        d.get("constrained"),
        (str(d.get("missing_reason", "not found")) if d.get("missing") else None),
        bool(d.get("missing_off", False)),
        d.get("desired_rollout"),
        d.get("desired_enabled"),
        bool(d.get("cached", False)),
    )


@dataclass(frozen=True)
class SuspectCount(DetailRecord):
    """A suspect-record count: what "correct" means for it (the gate's and `at target`'s goal)."""

    expect: str = "zero"  # zero, falling or steady
    target: float | None = None  # with falling: the count at or under which the data is correct

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"expect": self.expect}
        if self.target is not None:
            out["target"] = self.target
        return out


def suspect_count(detail: AnyDetail) -> SuspectCount:
    if isinstance(detail, SuspectCount):
        return detail
    d = detail_dict(detail)
    target = d.get("target")
    return SuspectCount(str(d.get("expect", "zero")), float(target) if isinstance(target, (int, float)) else None)


@dataclass(frozen=True)
class CheckResult(DetailRecord):
    """One step of a user-path check: passed or not, and why not. The latency is the value."""

    check: str
    step: str
    ok: bool | None = None  # None: not known (never run)
    status: int | None = None  # the HTTP status answered
    reason: str = ""
    budget: float | None = None
    expect_status: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "step": self.step}
        for key in ("budget", "expect_status"):
            if (value := getattr(self, key)) is not None:
                out[key] = value
        if self.ok is not None:
            out.update(ok=self.ok, status=self.status, reason=self.reason)
        return out


def check_result(detail: AnyDetail, name: str = "") -> CheckResult:
    if isinstance(detail, CheckResult):
        return detail
    d = detail_dict(detail)
    check, _, step = name.partition("/")
    ok = d.get("ok")
    return CheckResult(
        str(d.get("check", check)),
        str(d.get("step", step)),
        ok if isinstance(ok, bool) else None,
        d.get("status"),
        str(d.get("reason") or ""),
        d.get("budget"),
        d.get("expect_status"),
    )


@dataclass(frozen=True)
class ErrorRateSample(DetailRecord):
    """An error-rate query's answer: its thresholds, and the value per series (the reading's
    value is the worst)."""

    warn: float | None = None
    critical: float | None = None
    no_data: bool = False  # the query returned no series
    zero_when_no_data: bool = False  # ... and the config reads that as 0
    series: Mapping[str, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.warn is not None or self.critical is not None:
            out.update(warn=self.warn, critical=self.critical)
        if self.no_data:
            out["state"] = "no data"
        if self.zero_when_no_data:
            out["no_data"] = "zero"
        if self.series is not None:
            out["series"] = dict(self.series)
        return out


#: What a reading's `detail` may be. Plain mappings remain for kinds not yet typed.
Detail = QueueDetail | FlagCell | SuspectCount | CheckResult | ErrorRateSample
#: What the readers below accept: a record, nothing (a failed read), or the old dict shape
#: (a test or an older caller's reading).
AnyDetail = Detail | Mapping[str, Any] | None


def detail_dict(detail: AnyDetail) -> dict[str, Any]:
    """The detail in its JSON shape (the keys `snapshot --json` has always printed)."""
    if detail is None:
        return {}
    return detail.as_dict() if isinstance(detail, DetailRecord) else dict(detail)


def queue_detail(detail: AnyDetail) -> QueueDetail:
    """A queue reading's detail (an untyped one read into the record)."""
    if isinstance(detail, QueueDetail):
        return detail
    return queue_detail_from_dict(detail_dict(detail))


def queue_detail_from_dict(d: Mapping[str, Any]) -> QueueDetail:
    state = QueueState(
        d.get("depth"),
        d.get("in_flight"),
        d.get("failed"),
        d.get("retrying"),
        d.get("scheduled"),
        d.get("oldest_age"),
        d.get("paused"),
    )
    return QueueDetail(
        state,
        str(d.get("kind", "")),
        str(d.get("server", "")),
        str(d.get("queue", "")),
        bool(d.get("risky", False)),
        int(d.get("stage", 1)),
        float(d.get("age_warn", 60.0)),
        float(d.get("age_critical", 300.0)),
        d.get("redis"),
        d.get("consumers"),
        d.get("workers"),
        d.get("pause_scope"),
    )
