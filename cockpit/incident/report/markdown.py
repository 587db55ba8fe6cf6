"""The report as Markdown (for a wiki page or a pull request), written as it streams."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from cockpit.core.safe_text import visible
from cockpit.incident.report import charts, release_map, words
from cockpit.incident.report.model import Report, Row


def cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def write_markdown(r: Report, out: TextIO, appendix: bool = True) -> None:
    # Markdown is read on terminals too: outside text's control characters are shown, never obeyed.
    for chunk in markdown_chunks(r, appendix):
        out.write(visible(chunk, newlines=True, tabs=True))


def render_markdown(r: Report, appendix: bool = True) -> str:
    return visible("".join(markdown_chunks(r, appendix)), newlines=True, tabs=True)


def markdown_chunks(r: Report, appendix: bool = True) -> Iterator[str]:
    h, tz = r.header, r.zone
    yield f"# Post-incident report: {h.title or '(untitled)'}\n\n"
    meta = [
        f"**{h.severity}**" if h.severity else "",
        f"status **{h.status}**",
        f"gate **{h.gate}**" if h.gate else "",
        f"rollback lead {h.lead}" if h.lead else "",
        "operators " + ", ".join(h.operators) if h.operators else "",
        f"times in {r.zone_name}",
    ]
    yield " · ".join(m for m in meta if m) + "\n\n"
    yield "## Summary\n\n" + "".join(f"{line}\n\n" for line in r.summary)
    yield from _durations(r)
    yield from _impact(r)
    yield from _charts(r)
    yield "## Timeline\n\n"
    yield (
        "One row per milestone, action and note; previews, confirmations, step states and readings are "
        "folded in (the full journal is the appendix).\n\n"
    )
    yield "| time | who | what | result | readings before → after |\n|---|---|---|---|---|\n"
    for row in r.timeline():
        yield _row(row, r)
    yield "\n" + "".join(_done(r))
    if r.release is not None:
        yield from release_map.markdown(r.release, tz)
    yield from _lists(r)
    if appendix:
        yield "## Appendix: the journal\n\nEvery entry, in order (the JSON export has each entry's data).\n\n"
        for e in r.raw():
            yield (
                f"- {e.seq} · {words.when(e.at, tz)} · {cell(e.operator)} · {e.kind}"
                f"{' · ' + e.step if e.step else ''} — {cell(e.summary)}\n"
            )
        yield "\n"


def _durations(r: Report) -> Iterator[str]:
    yield "## Durations\n\n"
    yield "| duration | length | from | to |\n|---|---|---|---|\n" if r.durations else "No span can be measured yet.\n"
    for d in r.durations:
        yield (
            f"| {d.name} | {words.duration(d.seconds)} | {cell(d.start.source)}, {words.clock(d.start.at, r.zone)} "
            f"| {cell(d.end.source)}, {words.clock(d.end.at, r.zone)} |\n"
        )
    yield "\n"
    for o in r.omitted:
        yield f"- Left out, {o.name}: {o.why}.\n"
    yield "\n" if r.omitted else ""


def _impact(r: Report) -> Iterator[str]:
    imp, tz = r.impact, r.zone
    yield "## Impact\n\n"
    for p in imp.error_rate_peaks:
        yield (
            f"- **Error rate peak**, {cell(p.name)}: {words.percent(p.value)}"
            + (f" at {words.when(p.at, tz)}" if p.at else "")
            + "\n"
        )
    if imp.suspects_peak:
        yield f"- **Suspect records at their peak:** {cell(words.peaks(imp.suspects_peak, 'suspects'))}\n"
    if imp.suspects_new:
        yield f"- **Created after the declaration:** {cell(words.peaks(imp.suspects_new, 'suspects'))}\n"
    if imp.repaired is not None:
        yield (
            f"- **Repaired:** {words.plural(imp.repaired, 'record')}; **marked for manual review:** "
            f"{imp.marked_for_review or 0:,}\n"
        )
    if imp.queue_peaks:
        yield f"- **Queue backlog peak:** {cell(words.peaks(imp.queue_peaks, 'queues'))}\n"
    yield "\n"


def _charts(r: Report) -> Iterator[str]:
    found = charts.families(r.charts)
    if not found:
        return
    width = 48
    names = [(label, s) for _f, label, series in found for s in series]
    pad = max(len(f"{label}, {s.name}") for label, s in names)
    yield "## Charts\n\n```text\n"
    for family, label, series in found:
        for s in series:
            peak = words.reading(family, max(p.value for p in s.points))
            yield (
                f"{f'{label}, {s.name}':<{pad}}  {charts.sparkline(s, r.charts, width)}  "
                f"peak {peak}, last {words.reading(family, s.points[-1].value)}\n"
            )
    yield f"{'actions':<{pad}}  {charts.marker_line(r.charts, width)}  ^ one action, * several\n"
    yield (
        f"{'':<{pad}}  {words.clock_at(r.charts.start, r.zone):<{width // 2}}"
        f"{words.clock_at(r.charts.end, r.zone):>{width // 2}}\n```\n\n"
    )


def _row(row: Row, r: Report) -> str:
    what = f"**{cell(row.what)}**" if row.kind == "milestone" else cell(row.what)
    result = cell(row.result)
    if row.outcome and row.outcome != "done":
        result = f"**{row.outcome}**" + (f": {result}" if result else "")
    if row.took_s is not None and row.took_s >= 0.05:
        result += f" (took {words.duration(row.took_s)})"
    return (
        f"| {words.clock(row.at, r.zone)} | {cell(row.who)} | {what} | {result} | "
        f"{cell(words.changes(row.changes))} |\n"
    )


def _done(r: Report) -> Iterator[str]:
    yield "## What was done, by step\n\n"
    for s in r.steps:
        line = f"- **{s.title}**: {s.state}"
        if s.owners:
            line += f" ({', '.join(s.owners)})"
        if s.reason:
            line += f"; reason: {cell(s.reason)}"
        yield line + "\n" + "".join(f"  - {cell(a)}\n" for a in s.actions)
    yield "\n## What was done, by owner\n\n| who | actions | failed | notes | steps |\n|---|---|---|---|---|\n"
    for o in r.owners:
        yield f"| {cell(o.who)} | {o.actions:,} | {o.failed:,} | {o.notes:,} | {cell(', '.join(o.steps)) or '—'} |\n"
    yield "\n"


def _lists(r: Report) -> Iterator[str]:
    tz = r.zone
    yield "## Overrides and skipped steps\n\n"
    yield (
        "".join(
            f"- {words.when(o.at, tz)}, {cell(o.who)}: {cell(o.what)}; reason: {cell(o.reason or 'none given')}\n"
            for o in r.overrides
        )
        or "No override, no skipped step.\n"
    )
    yield "\n## Data repairs\n\n"
    for rep in r.repairs:
        applied = ", ".join(f"{k} {v:,}" for k, v in rep.applied) or "nothing"
        yield (
            f"- {words.when(rep.at, tz)}, {cell(rep.who)}: script `{cell(rep.script)}` reviewed by "
            f"{cell(rep.reviewed_by or 'nobody recorded')} (sha256 `{rep.sha256[:16]}…`); "
            f"{'committed' if rep.committed else 'rolled back'}: {applied}; "
            f"{rep.marked_for_review:,} marked for review\n"
        )
    yield "" if r.repairs else "No data repair was run.\n"
    yield "\n## Messages sent\n\n"
    for msg in r.messages:
        yield f"**{msg.audience.capitalize()} update**, {words.when(msg.at, tz)}, by {cell(msg.who)} ({cell(msg.sent_to)}):\n\n"
        yield "".join(f"> {line}\n" for line in msg.text.splitlines()) + "\n"
    yield "" if r.messages else "No update was sent.\n\n"
    yield "## Follow-ups\n\n"
    yield (
        "".join(
            f"- [ ] {cell(f.text)}: owner **{cell(f.owner)}** (raised by {cell(f.raised_by)}, {words.when(f.at, tz)})\n"
            for f in r.follow_ups
        )
        or "None recorded.\n"
    )
    yield "\n## Still open\n\n"
    yield "".join(f"- {cell(item)}\n" for item in r.open_items) or "Nothing is recorded as still open.\n"
    yield (
        "\n## What went well, what went wrong, where we got lucky\n\n"
        "_For the team to write, the next day: what, not who._\n\n"
    )
