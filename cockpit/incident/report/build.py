"""Assemble the `Report` from one streaming pass; the timeline and raw journal stream again on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from cockpit.core.redact import Redactor
from cockpit.incident.journal import BadLine, Entry, iter_entries
from cockpit.incident.report.collect import Collected, collect
from cockpit.incident.report.curate import curate
from cockpit.incident.report.model import (
    Charts,
    Header,
    Impact,
    Marker,
    Moments,
    OwnerDone,
    Peak,
    Report,
    Row,
    StepDone,
)
from cockpit.incident.report.summary import durations, open_items, summary

Source = Callable[[], Iterator[Entry]]


def zone(name: str) -> tzinfo:
    """The time zone by IANA name; raises ZoneInfoNotFoundError or ValueError for an unknown one."""
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def redacted(entries: Iterable[Entry], redactor: Redactor) -> Source:
    """Entries held in memory, with secrets replaced (the writer redacted already; a report does it again)."""
    kept = [Entry.from_dict(redactor(e.to_dict())) for e in entries]
    return lambda: iter(kept)


def from_file(path: str | Path, bad: list[BadLine] | None = None, redactor: Redactor | None = None) -> Source:
    """A re-readable stream of a journal file, redacted as it is read; the first pass reports bad lines into `bad`."""
    passes = [0]
    redact = redactor or Redactor()

    def entries() -> Iterator[Entry]:
        passes[0] += 1
        # Text stays as written here: every renderer shows it through safe_text.visible.
        return iter_entries(path, bad if passes[0] == 1 else None, redact, shown=False)

    return entries


def from_entries(entries: Iterable[Entry], redactor: Redactor | None = None) -> Source:
    return redacted(entries, redactor or Redactor())


def build(source: Source, tz_name: str = "UTC") -> Report:
    """The report from a source of redacted entries (`from_file` or `from_entries`)."""
    tz = zone(tz_name)
    clean = source
    found = collect(clean())
    moments = Moments(
        started=found.started or found.first_bad,
        declared=found.declared,
        acknowledged=found.acknowledged,
        first_update=found.first_update,
        mitigated=found.mitigated if found.has_gate_entries else None,
        restored=found.restored if found.has_gate_entries else found.restored_fallback,
        closed=found.closed,
    )
    spans, omitted = durations(moments, found.has_gate_entries)
    impact = _impact(found)
    header = Header(
        found.title,
        found.severity,
        found.status,
        found.gate,
        found.gate_reason,
        found.lead,
        found.declared_by,
        found.scope,
        found.release,
        found.rolled_back_to,
        found.changes,
        tuple(sorted(found.operators)),
    )
    has_gate = found.has_gate_entries

    def timeline() -> Iterator[Row]:
        return curate(clean(), has_gate)

    report = Report(
        zone=tz,
        zone_name=tz_name,
        header=header,
        summary=(),
        moments=moments,
        durations=spans,
        omitted=omitted,
        impact=impact,
        steps=_steps(found),
        owners=_owners(found),
        overrides=tuple(found.overrides),
        follow_ups=tuple(found.follow_ups),
        open_items=open_items(found, impact),
        repairs=tuple(found.repairs),
        messages=tuple(found.messages),
        charts=_charts(found, moments),
        action_count=found.action_count,
        entry_count=found.entry_count,
        timeline=timeline,
        raw=clean,
    )
    return _with_summary(report, found)


def _with_summary(report: Report, found: Collected) -> Report:
    from cockpit.incident.report.release_map import release_section

    return replace(report, summary=summary(report, found), release=release_section(report.raw()))


def _impact(found: Collected) -> Impact:
    def peaks(family: str) -> tuple[Peak, ...]:
        return tuple(Peak(name, value, at) for (fam, name), (value, at) in found.series.peaks.items() if fam == family)

    suspects = peaks("suspects")
    new = tuple(
        Peak(p.name, p.value - found.baseline[p.name], p.at)
        for p in suspects
        if p.name in found.baseline and p.value > found.baseline[p.name]
    )
    committed = [r for r in found.repairs if r.committed]
    marked = sum(r.marked_for_review for r in committed) if found.repairs else None
    repaired = sum(sum(v for _k, v in r.applied) - r.marked_for_review for r in committed) if found.repairs else None
    return Impact(peaks("error_rate"), suspects, new, repaired, marked, peaks("queues"))


def _steps(found: Collected) -> tuple[StepDone, ...]:
    out = []
    for step in found.steps:
        tally: dict[str, int] = found.step_actions.get(step.id, {})
        actions = tuple(f"{what} ×{n}" if n > 1 else what for what, n in list(tally.items())[:50])
        out.append(
            StepDone(
                step.id,
                step.title,
                found.step_states.get(step.id, "pending"),
                found.step_reasons.get(step.id),
                actions,
                tuple(sorted(found.step_owners.get(step.id, ()))),
            )
        )
    return tuple(out)


def _owners(found: Collected) -> tuple[OwnerDone, ...]:
    titles = {s.id: s.title for s in found.steps}
    return tuple(
        OwnerDone(
            who,
            found.owner_actions[who],
            found.owner_failed[who],
            found.owner_notes[who],
            tuple(titles.get(s, s) for s in _in_runbook_order(found, found.owner_steps.get(who, set()))),
        )
        for who in sorted(found.operators)
    )


def _in_runbook_order(found: Collected, ids: set[str]) -> list[str]:
    order = [s.id for s in found.steps]
    return sorted(ids, key=lambda i: order.index(i) if i in order else len(order))


def _charts(found: Collected, moments: Moments) -> Charts:
    markers = list(found.markers)
    for kind, moment in (("mitigated", moments.mitigated), ("restored", moments.restored), ("closed", moments.closed)):
        if moment is not None:
            markers.append(Marker(moment.at.timestamp(), kind, True, kind))
    start = found.first.timestamp() if found.first else None
    end = found.last.timestamp() if found.last else None
    return Charts(found.series.build(), tuple(markers), start, end)
