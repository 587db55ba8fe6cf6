"""The executive summary in plain words, the durations and what is still open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cockpit.incident.report import words
from cockpit.incident.report.model import Duration, Impact, Moment, Moments, Omitted, Report

if TYPE_CHECKING:
    from cockpit.incident.report.collect import Collected


def durations(m: Moments, has_gate_entries: bool) -> tuple[tuple[Duration, ...], tuple[Omitted, ...]]:
    """Each span between two known moments; an unknown end leaves the span out, with why."""
    plan: list[tuple[str, Moment | None, Moment | None, str]] = [
        ("to detect", m.started, m.declared, "no release time or bad reading before the declaration is in the journal"),
        ("to acknowledge", m.started, m.acknowledged, "no acknowledgement time is in the journal"),
        ("to first status update", m.declared, m.first_update, "no status update was sent"),
        (
            "to mitigate",
            m.declared,
            m.mitigated,
            "the gate never reported MITIGATED"
            if has_gate_entries
            else "the journal has no gate entries (cockpits before the three-state gate did not journal it), "
            "so when the damage stopped is not recorded",
        ),
        ("to restore", m.declared, m.restored, "the service was not reported restored"),
        ("to close", m.declared, m.closed, "the incident is not closed"),
    ]
    spans: list[Duration] = []
    omitted: list[Omitted] = []
    for name, start, end, why in plan:
        if start is None and name not in ("to detect", "to acknowledge"):
            omitted.append(Omitted(name, "the incident was never declared"))
        elif start is None or end is None:
            omitted.append(Omitted(name, why))
        else:
            spans.append(Duration(name, (end.at - start.at).total_seconds(), start, end))
    return tuple(spans), tuple(omitted)


def open_items(found: Collected, impact: Impact) -> tuple[str, ...]:
    """What the close dialog listed, else what the journal shows is not finished; plus follow-ups."""
    if found.close_open_items is not None:
        items = list(found.close_open_items)
    else:
        items = []
        if impact.marked_for_review:
            items.append(f"{words.plural(impact.marked_for_review, 'record')} marked for manual review")
        if found.status != "closed" and found.gate not in (None, "RESTORED"):
            items.append(f"the gate is {found.gate}" + (f": {found.gate_reason}" if found.gate_reason else ""))
        for step, state in found.step_states.items():
            if state in ("failed", "running"):
                items.append(f"step {step} is {state}")
    for follow in found.follow_ups:
        text = f"follow-up: {follow.text} (owner {follow.owner})"
        if follow.text not in " ".join(items):
            items.append(text)
    return tuple(items)


def summary(r: Report, found: Collected) -> tuple[str, ...]:
    h, m, tz, imp = r.header, r.moments, r.zone, r.impact
    out: list[str] = []
    if m.declared is None:
        out.append(
            f"Not declared: the journal has {words.plural(r.entry_count, 'entry', 'entries')} and no "
            "declaration, so there is no incident to summarise yet."
        )
    what = f"{h.title or 'An incident'}" + (f" ({h.severity})" if h.severity else "") + "."
    if h.scope:
        what += f" Scope: {h.scope.rstrip('.')}."
    if h.release:
        what += f" Release {h.release}" + (
            f" was rolled back to {h.rolled_back_to}." if h.rolled_back_to else " was the release in question."
        )
    if h.changes:
        what += " Changes: " + "; ".join(h.changes) + "."
    if m.declared is not None:
        out.append(what)
    if m.declared:
        when = [
            f"Declared {words.when(m.declared.at, tz)}"
            + (f" by {h.declared_by}" if h.declared_by else "")
            + (f" (rollback lead {h.lead})" if h.lead and h.lead != h.declared_by else "")
        ]
        if m.started:
            when.append(f"started {words.when(m.started.at, tz)}")
        spans = {d.name: d for d in r.durations}
        for key, label in (
            ("to mitigate", "damage stopped (MITIGATED)"),
            ("to restore", "service restored"),
            ("to close", "closed"),
        ):
            if key in spans:
                when.append(
                    f"{label} {words.clock(spans[key].end.at, tz)}, {words.duration(spans[key].seconds)} "
                    "after declaration"
                )
        out.append("; ".join(when) + f". Status now: {h.status}.")
    impact = []
    if imp.error_rate_peaks:
        top = max(imp.error_rate_peaks, key=lambda p: p.value)
        impact.append(
            f"error rate peaked at {words.percent(top.value)} ({top.name}"
            + (f", {words.clock(top.at, tz)}" if top.at else "")
            + ")"
        )
    if imp.suspects_peak:
        impact.append(
            f"suspect records at their peak: {words.peaks(imp.suspects_peak, 'suspects')}"
            + (
                f" ({sum(p.value for p in imp.suspects_new):,.0f} created after the declaration)"
                if imp.suspects_new
                else ""
            )
        )
    if imp.repaired is not None:
        impact.append(
            f"{words.plural(imp.repaired, 'record')} repaired, {imp.marked_for_review or 0:,} marked for manual review"
        )
    if imp.queue_peaks:
        top = max(imp.queue_peaks, key=lambda p: p.value)
        impact.append(f"queue backlog peaked at {words.count(top.value)} ({top.name})")
    if impact:
        out.append("Impact: " + "; ".join(impact) + ".")
    done = [s for s in r.steps if s.state == "done" and s.actions]
    if r.action_count:
        failed = sum(o.failed for o in r.owners)
        out.append(
            f"What was done: {words.plural(r.action_count, 'action')} by "
            f"{words.join_words([o.who for o in r.owners if o.actions])}"
            + (f" ({failed:,} failed)" if failed else "")
            + "; steps done: "
            + ", ".join(s.title for s in done)
            + "."
        )
    out.append("Still open: " + "; ".join(r.open_items) + "." if r.open_items else "Nothing is recorded as still open.")
    return tuple(out)
