"""The read-only page: a full document on load, then the `live` section again on each change."""

from __future__ import annotations

from datetime import tzinfo
from html import escape

from cockpit.core.runbook import StepState
from cockpit.core.safe_text import visible
from cockpit.incident.report import charts, words
from cockpit.ui.web.live import LiveState

STEP_MARK = {
    StepState.DONE: "✓ done",
    StepState.RUNNING: "▶ running",
    StepState.FAILED: "✗ failed",
    StepState.HALTED: "■ halted",
    StepState.PAUSED: "⏸ paused",
    StepState.SKIPPED: "– skipped",
    StepState.PENDING: "· pending",
}

CSS = """
body { font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 0; color: #1b1f23; background: #fafbfc; }
header { background: #24292f; color: #fff; padding: .8em 1.2em; }
header h1 { margin: 0; font-size: 1.3em; } header .meta { color: #d0d7de; }
main { padding: 1em 1.2em; display: grid; grid-template-columns: minmax(280px, 1fr) 2fr; gap: 1.2em; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .6em 1em; }
h2 { font-size: 1.05em; margin: .2em 0 .5em; }
.gate { font-size: 1.6em; font-weight: 700; } .NOT-RESTORED { color: #c0392b; } .MITIGATED { color: #9a6700; }
.RESTORED { color: #1e8449; } .unknown { color: #555; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
td, th { text-align: left; padding: .2em .4em; border-bottom: 1px solid #eee; vertical-align: top; }
.fails { color: #c0392b; font-weight: 600; } .holds { color: #1e8449; }
.step-done { color: #1e8449; } .step-failed { color: #c0392b; font-weight: 600; } .step-running { font-weight: 600; }
.muted { color: #666; font-size: .9em; }
#timeline { grid-column: 1 / -1; }
h3 { font-size: .95em; margin: .6em 0 .2em; } .chart { max-width: 100%; height: auto; }
.axis { font-size: 11px; fill: #666; } .milestone-label { font-size: 10px; font-weight: 600; }
.legend { font-size: .85em; color: #444; margin-top: 0; } .key { margin-right: 1.2em; white-space: nowrap; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .3em; }
#connection { float: right; font-size: .85em; }
"""


def e(text: object) -> str:
    """Outside text for the page: control characters shown, never obeyed; markup escaped."""
    return escape(visible(str(text)))


def document(state: LiveState, zone: tzinfo, zone_name: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(state.title or 'Incident')} — live, read-only</title><style>{CSS}</style>"
        f'<script src="/live.js" defer></script></head><body>'
        f'<div id="live">{live_section(state, zone, zone_name)}</div></body></html>\n'
    )


def live_section(s: LiveState, zone: tzinfo, zone_name: str) -> str:
    return (
        _header(s, zone, zone_name)
        + "<main>"
        + _gate(s, zone)
        + _readings(s, zone)
        + _runbook(s)
        + _charts(s, zone)
        + _timeline(s, zone)
        + "</main>"
    )


def _header(s: LiveState, zone: tzinfo, zone_name: str) -> str:
    meta = [
        f"<b>{e(s.severity)}</b>" if s.severity else "",
        f'status <b id="status">{e(s.status)}</b>',
        f"lead {e(s.lead)}" if s.lead else "",
        f"declared {e(words.when(s.declared_at, zone))}" if s.declared_at else "",
        f"last entry {e(words.clock(s.last_at, zone))}" if s.last_at else "no entries yet",
        f"times in {e(zone_name)}",
    ]
    return (
        f'<header><span id="connection" class="muted">read-only view</span>'
        f'<h1 id="title">{e(s.title or "No incident declared yet")}</h1>'
        f'<div class="meta">{" · ".join(m for m in meta if m)}</div></header>'
    )


def _gate(s: LiveState, zone: tzinfo) -> str:
    state = s.gate or "unknown"
    out = [
        f'<section id="gate"><h2>Service-restored gate</h2><div class="gate {e(state.replace(" ", "-"))}" '
        f'id="gate-state">{e(state)}</div>'
    ]
    if s.gate_reason:
        out.append(f'<p id="gate-reason">{e(s.gate_reason)}</p>')
    if s.gate_at:
        out.append(f'<p class="muted">since {e(words.clock(s.gate_at, zone))}</p>')
    elif s.gate is None:
        out.append('<p class="muted">No gate state in the journal yet.</p>')
    if s.conditions:
        out.append(
            "<table>"
            + "".join(
                f'<tr><td>{e(c.name)}</td><td class="{"holds" if c.ok else "fails"}">{"holds" if c.ok else "fails"}</td>'
                f'<td>{e(c.detail)}</td><td class="muted">{e(f"for {c.level.upper()}" if c.level else "")}</td></tr>'
                for c in s.conditions
            )
            + "</table>"
        )
    return "".join(out) + "</section>"


def _readings(s: LiveState, zone: tzinfo) -> str:
    out = ['<section id="readings"><h2>Latest readings</h2>']
    if not s.readings:
        out.append('<p class="muted">No readings in the journal yet.</p>')
    else:
        out.append("<table>")
        for family, label in (("error_rate", "error rate"), ("queues", "queue depth"), ("suspects", "suspect records")):
            for name, value in s.readings.get(family, {}).items():
                out.append(f"<tr><td>{e(label)}</td><td>{e(name)}</td><td>{e(words.reading(family, value))}</td></tr>")
        out.append("</table>")
        if s.readings_at:
            out.append(f'<p class="muted">as journaled at {e(words.clock(s.readings_at, zone))}</p>')
    return "".join(out) + "</section>"


def _runbook(s: LiveState) -> str:
    rows = []
    steps = s.runbook.steps
    for step in steps:
        state = s.runbook.state(step.id)
        reason = s.runbook.reasons.get(step.id)
        rows.append(
            f'<tr data-step="{e(step.id)}"><td>{e(step.title)}</td>'
            f'<td class="step-{state.value}">{e(STEP_MARK[state])}</td>'
            f'<td class="muted">{e(reason or "")}</td></tr>'
        )
    done = sum(1 for st in steps if s.runbook.state(st.id) in (StepState.DONE, StepState.SKIPPED))
    return (
        f'<section id="runbook"><h2>Runbook: {done} of {len(steps)} steps done</h2>'
        f"<table>{''.join(rows)}</table></section>"
    )


def _charts(s: LiveState, zone: tzinfo) -> str:
    drawn = s.charts()
    found = charts.families(drawn)
    if not found:
        return '<section id="charts"><h2>Charts</h2><p class="muted">No readings in the journal yet.</p></section>'
    return (
        '<section id="charts"><h2>Over the incident</h2><p class="muted">Dashed: an action (red when it '
        "failed); solid: the gate reaching MITIGATED or RESTORED.</p>"
        + "".join(
            f"<h3>{e(label)}</h3>" + charts.svg(family, label, series, drawn, zone, height=140)
            for family, label, series in found
        )
        + "</section>"
    )


def _timeline(s: LiveState, zone: tzinfo) -> str:
    rows = []
    for row in reversed(s.rows):
        result = row.result + (f" [{row.outcome}]" if row.outcome and row.outcome != "done" else "")
        rows.append(
            f'<tr data-seq="{row.seq}"><td>{e(words.clock(row.at, zone))}</td><td>{e(row.who)}</td>'
            f"<td>{e(row.what)}</td><td>{e(result)}</td><td>{e(words.changes(row.changes))}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="5" class="muted">Nothing yet.</td></tr>'
    return (
        f'<section id="timeline"><h2>Timeline (newest first; {s.entries:,} journal entries)</h2>'
        f"<table><thead><tr><th>time</th><th>who</th><th>what</th><th>result</th>"
        f"<th>readings before → after</th></tr></thead><tbody>{body}</tbody></table></section>"
    )


#: The page's only script: replace the live section with each version the server sends.
LIVE_JS = """
(function () {
  var source = new EventSource("/events");
  source.onmessage = function (event) {
    document.getElementById("live").innerHTML = JSON.parse(event.data).html;
  };
  source.onerror = function () {
    var badge = document.getElementById("connection");
    if (badge) { badge.textContent = "reconnecting…"; }
  };
})();
"""
