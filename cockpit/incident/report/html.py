"""The report as one self-contained HTML file: inline CSS and SVG charts, no scripts, prints on A4/Letter."""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from typing import TextIO

from cockpit.core.safe_text import visible
from cockpit.incident.report import charts, release_map, words
from cockpit.incident.report.model import Report, Row

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1f23;
       max-width: 1000px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ddd; margin-top: 1.6em; }
.meta { color: #555; } .meta b { color: #1b1f23; }
.state { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: 600; border: 1px solid; }
.state.RESTORED, .state.closed, .state.restored { color: #1e8449; } .state.MITIGATED, .state.mitigated { color: #9a6700; }
.state.NOT-RESTORED, .state.open, .state.reopened { color: #c0392b; }
.summary p { margin: .5em 0; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; vertical-align: top; padding: .3em .5em; border-bottom: 1px solid #e5e5e5; }
th { background: #f6f8fa; }
td.length { white-space: nowrap; }
tr.milestone td { background: #f3f8f3; font-weight: 600; }
tr.failed td, tr.cancelled td { background: #fdf0ef; }
.outcome { font-weight: 600; } .outcome.failed, .outcome.cancelled { color: #c0392b; }
.folded { color: #666; font-size: .9em; }
.chart { max-width: 100%; height: auto; } .axis { font-size: 11px; fill: #666; }
.milestone-label { font-size: 10px; font-weight: 600; }
.legend { font-size: .85em; color: #444; margin-top: 0; }
.key { margin-right: 1.2em; white-space: nowrap; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: baseline; }
.appendix { font-size: .8em; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; } tr, svg, .summary { break-inside: avoid; }
  details.appendix { display: none; }
  a { color: inherit; text-decoration: none; }
}
"""


def write_html(r: Report, out: TextIO, appendix: bool = True) -> None:
    for chunk in html_chunks(r, appendix):
        out.write(chunk)


def render_html(r: Report, appendix: bool = True) -> str:
    return "".join(html_chunks(r, appendix))


def e(text: object) -> str:
    """Outside text for the page: control characters shown, never obeyed; markup escaped."""
    return escape(visible(str(text)))


def slug(text: object) -> str:
    """A CSS class from a state word ('NOT RESTORED' -> 'NOT-RESTORED')."""
    return escape(str(text).replace(" ", "-"))


def html_chunks(r: Report, appendix: bool = True) -> Iterator[str]:
    h, tz = r.header, r.zone
    yield (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Post-incident report: {e(h.title)}</title><style>{CSS}</style></head><body>\n"
    )
    yield f'<h1 id="title">Post-incident report: {e(h.title or "(untitled)")}</h1>\n<p class="meta">'
    meta = [
        f"<b>{e(h.severity)}</b>" if h.severity else "",
        f'status <span class="state {slug(h.status)}" id="status">{e(h.status)}</span>',
        f'gate <span class="state {slug(h.gate)}" id="gate">{e(h.gate)}</span>' if h.gate else "",
        f"rollback lead <b>{e(h.lead)}</b>" if h.lead else "",
        "operators " + e(", ".join(h.operators)),
        f"times in {e(r.zone_name)}",
    ]
    yield " · ".join(m for m in meta if m) + "</p>\n"
    yield '<section class="summary" id="summary"><h2>Summary</h2>' + "".join(f"<p>{e(s)}</p>" for s in r.summary)
    yield "</section>\n"
    yield from _durations(r)
    yield from _impact(r)
    found = charts.families(r.charts)
    if found:
        yield '<section id="charts"><h2>Charts</h2>'
        yield (
            '<p class="folded">Dashed lines: one per action (red when it failed); solid lines: the MITIGATED, '
            "RESTORED and closed moments. Hover a line for what it was.</p>"
        )
        for family, label, series in found:
            yield f"<h3>{e(label)}</h3>" + charts.svg(family, label, series, r.charts, tz)
        yield "</section>\n"
    yield (
        '<section id="timeline"><h2>Timeline</h2><table><thead><tr><th>time</th><th>who</th><th>what</th>'
        "<th>result</th><th>readings before → after</th></tr></thead><tbody>\n"
    )
    for row in r.timeline():
        yield _row(row, r)
    yield "</tbody></table></section>\n"
    yield from _done(r)
    if r.release is not None:
        yield from release_map.html(r.release, tz, e)
    yield from _lists(r)
    if appendix:
        yield (
            '<details class="appendix" id="journal"><summary>Appendix: the full journal</summary><table><thead><tr>'
            "<th>#</th><th>time</th><th>who</th><th>kind</th><th>entry</th></tr></thead><tbody>\n"
        )
        for entry in r.raw():
            yield (
                f"<tr><td>{entry.seq}</td><td>{e(words.when(entry.at, tz))}</td><td>{e(entry.operator)}</td>"
                f"<td>{e(entry.kind)}</td><td>{e(entry.summary)}</td></tr>\n"
            )
        yield "</tbody></table></details>\n"
    yield "</body></html>\n"


def _durations(r: Report) -> Iterator[str]:
    yield '<section id="durations"><h2>Durations</h2><table><thead><tr><th>duration</th><th>length</th><th>from</th><th>to</th></tr></thead><tbody>'
    for d in r.durations:
        yield (
            f'<tr><td>{e(d.name)}</td><td class="length"><b>{e(words.duration(d.seconds))}</b></td>'
            f"<td>{e(d.start.source)}, {e(words.clock(d.start.at, r.zone))}</td>"
            f"<td>{e(d.end.source)}, {e(words.clock(d.end.at, r.zone))}</td></tr>"
        )
    yield "</tbody></table>"
    yield "".join(f'<p class="folded">Left out, {e(o.name)}: {e(o.why)}.</p>' for o in r.omitted) + "</section>\n"


def _impact(r: Report) -> Iterator[str]:
    imp, tz = r.impact, r.zone
    items = [
        f"<b>Error rate peak</b>, {e(p.name)}: {e(words.percent(p.value))}"
        + (f" at {e(words.when(p.at, tz))}" if p.at else "")
        for p in imp.error_rate_peaks
    ]
    if imp.suspects_peak:
        items.append(f"<b>Suspect records at their peak:</b> {e(words.peaks(imp.suspects_peak, 'suspects'))}")
    if imp.suspects_new:
        items.append(f"<b>Created after the declaration:</b> {e(words.peaks(imp.suspects_new, 'suspects'))}")
    if imp.repaired is not None:
        items.append(
            f"<b>Repaired:</b> {e(words.plural(imp.repaired, 'record'))}; <b>marked for manual review:</b> "
            f"{imp.marked_for_review or 0:,}"
        )
    if imp.queue_peaks:
        items.append(f"<b>Queue backlog peak:</b> {e(words.peaks(imp.queue_peaks, 'queues'))}")
    yield '<section id="impact"><h2>Impact</h2><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></section>\n"


def _row(row: Row, r: Report) -> str:
    classes = " ".join(c for c in (row.kind, row.outcome if row.outcome in ("failed", "cancelled") else "") if c)
    result = e(row.result)
    if row.outcome and row.outcome != "done":
        result = f'<span class="outcome {e(row.outcome)}">{e(row.outcome)}</span>' + (f": {result}" if result else "")
    if row.took_s is not None and row.took_s >= 0.05:
        result += f" (took {e(words.duration(row.took_s))})"
    if row.folded:
        result += '<div class="folded">' + "<br>".join(e(f) for f in row.folded) + "</div>"
    return (
        f'<tr class="{classes}" data-seq="{row.seq}"><td>{e(words.clock(row.at, r.zone))}</td><td>{e(row.who)}</td>'
        f"<td>{e(row.what)}</td><td>{result}</td><td>{e(words.changes(row.changes))}</td></tr>\n"
    )


def _done(r: Report) -> Iterator[str]:
    yield '<section id="steps"><h2>What was done, by step</h2><ul>'
    for s in r.steps:
        line = f"<b>{e(s.title)}</b>: {e(s.state)}" + (f" ({e(', '.join(s.owners))})" if s.owners else "")
        if s.reason:
            line += f"; reason: {e(s.reason)}"
        if s.actions:
            line += "<ul>" + "".join(f"<li>{e(a)}</li>" for a in s.actions) + "</ul>"
        yield f"<li>{line}</li>"
    yield (
        "</ul><h2>What was done, by owner</h2><table><thead><tr><th>who</th><th>actions</th><th>failed</th>"
        "<th>notes</th><th>steps</th></tr></thead><tbody>"
    )
    for o in r.owners:
        yield (
            f"<tr><td>{e(o.who)}</td><td>{o.actions:,}</td><td>{o.failed:,}</td><td>{o.notes:,}</td>"
            f"<td>{e(', '.join(o.steps)) or '—'}</td></tr>"
        )
    yield "</tbody></table></section>\n"


def _lists(r: Report) -> Iterator[str]:
    tz = r.zone
    yield '<section id="overrides"><h2>Overrides and skipped steps</h2>'
    yield (
        (
            "<ul>"
            + "".join(
                f"<li>{e(words.when(o.at, tz))}, {e(o.who)}: {e(o.what)}; reason: {e(o.reason or 'none given')}</li>"
                for o in r.overrides
            )
            + "</ul>"
        )
        if r.overrides
        else "<p>No override, no skipped step.</p>"
    )
    yield '</section><section id="repairs"><h2>Data repairs</h2>'
    for rep in r.repairs:
        applied = ", ".join(f"{k} {v:,}" for k, v in rep.applied) or "nothing"
        yield (
            f"<p>{e(words.when(rep.at, tz))}, {e(rep.who)}: script <code>{e(rep.script)}</code> reviewed by "
            f"{e(rep.reviewed_by or 'nobody recorded')} (sha256 <code>{e(rep.sha256[:16])}…</code>); "
            f"{'committed' if rep.committed else 'rolled back'}: {e(applied)}; "
            f"{rep.marked_for_review:,} marked for review</p>"
        )
    yield "" if r.repairs else "<p>No data repair was run.</p>"
    yield '</section><section id="messages"><h2>Messages sent</h2>'
    for msg in r.messages:
        yield (
            f"<p><b>{e(msg.audience.capitalize())} update</b>, {e(words.when(msg.at, tz))}, by {e(msg.who)} "
            f"({e(msg.sent_to)}):</p><blockquote>{e(msg.text)}</blockquote>"
        )
    yield "" if r.messages else "<p>No update was sent.</p>"
    yield '</section><section id="follow-ups"><h2>Follow-ups</h2>'
    yield (
        (
            "<ul>"
            + "".join(
                f"<li>☐ {e(f.text)}: owner <b>{e(f.owner)}</b> (raised by {e(f.raised_by)}, "
                f"{e(words.when(f.at, tz))})</li>"
                for f in r.follow_ups
            )
            + "</ul>"
        )
        if r.follow_ups
        else "<p>None recorded.</p>"
    )
    yield '</section><section id="open"><h2>Still open</h2>'
    yield (
        ("<ul>" + "".join(f"<li>{e(i)}</li>" for i in r.open_items) + "</ul>")
        if r.open_items
        else "<p>Nothing is recorded as still open.</p>"
    )
    yield "</section>\n"
