"""The report as JSON for tools: schema `cockpit.report/2` (docs/report-schema.md), streamed.

Plain ASCII (JSON's \\u escapes for everything else), so no control character of outside
text reaches a terminal that shows the file. Everything bounded comes first as one indented object; the curated `timeline` and the raw
`journal` follow as arrays written one element per line while the journal is read again.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TextIO

from cockpit.incident.report import release_map, words
from cockpit.incident.report.model import Moment, Peak, Report, Row

SCHEMA = "cockpit.report/2"
VERSION = 2


def write_json(r: Report, out: TextIO) -> None:
    for chunk in json_chunks(r):
        out.write(chunk)


def render_json(r: Report) -> str:
    buffer = io.StringIO()
    write_json(r, buffer)
    return buffer.getvalue()


def json_chunks(r: Report) -> Iterator[str]:
    head = json.dumps(head_object(r), indent=2)
    yield head[: head.rindex("}")].rstrip() + ',\n  "timeline": ['
    first = True
    for row in r.timeline():
        yield ("\n    " if first else ",\n    ") + json.dumps(row_object(row, r))
        first = False
    yield '\n  ],\n  "journal": ['
    first = True
    for entry in r.raw():
        yield ("\n    " if first else ",\n    ") + json.dumps(entry.to_dict(), default=str)
        first = False
    yield "\n  ]\n}\n"


def _at(moment: datetime | None, r: Report) -> str | None:
    return moment.astimezone(r.zone).isoformat(timespec="milliseconds") if moment else None


def _moment(m: Moment | None, r: Report) -> dict[str, Any] | None:
    return {"at": _at(m.at, r), "source": m.source, "seq": m.seq} if m else None


def _peaks(peaks: tuple[Peak, ...], r: Report) -> list[dict[str, Any]]:
    return [{"name": p.name, "value": p.value, "at": _at(p.at, r)} for p in peaks]


def head_object(r: Report) -> dict[str, Any]:
    head = _head_object(r)
    if r.release is not None:  # additive: a journal without a release file exports as before
        head["release_map"] = release_map.as_json(r.release, lambda at: _at(at, r))
    return head


def _head_object(r: Report) -> dict[str, Any]:
    h, imp, m = r.header, r.impact, r.moments
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "time_zone": r.zone_name,
        "incident": {
            "title": h.title,
            "severity": h.severity,
            "status": h.status,
            "gate": h.gate,
            "gate_reason": h.gate_reason,
            "lead": h.lead,
            "declared_by": h.declared_by,
            "scope": h.scope,
            "release": h.release or None,
            "rolled_back_to": h.rolled_back_to or None,
            "changes": list(h.changes),
            "operators": list(h.operators),
        },
        "summary": list(r.summary),
        "moments": {
            name: _moment(getattr(m, name), r)
            for name in ("started", "declared", "acknowledged", "first_update", "mitigated", "restored", "closed")
        },
        "durations": [
            {
                "name": d.name,
                "seconds": round(d.seconds, 3),
                "text": words.duration(d.seconds),
                "from": _moment(d.start, r),
                "to": _moment(d.end, r),
            }
            for d in r.durations
        ],
        "durations_omitted": [{"name": o.name, "why": o.why} for o in r.omitted],
        "impact": {
            "error_rate_peaks": _peaks(imp.error_rate_peaks, r),
            "suspects_peak": _peaks(imp.suspects_peak, r),
            "suspects_new": _peaks(imp.suspects_new, r),
            "repaired": imp.repaired,
            "marked_for_review": imp.marked_for_review,
            "queue_peaks": _peaks(imp.queue_peaks, r),
        },
        "steps": [
            {
                "id": s.id,
                "title": s.title,
                "state": s.state,
                "reason": s.reason,
                "owners": list(s.owners),
                "actions": list(s.actions),
            }
            for s in r.steps
        ],
        "owners": [
            {"who": o.who, "actions": o.actions, "failed": o.failed, "notes": o.notes, "steps": list(o.steps)}
            for o in r.owners
        ],
        "overrides": [{"at": _at(o.at, r), "who": o.who, "what": o.what, "reason": o.reason} for o in r.overrides],
        "follow_ups": [
            {"at": _at(f.at, r), "text": f.text, "owner": f.owner, "raised_by": f.raised_by} for f in r.follow_ups
        ],
        "open_items": list(r.open_items),
        "repairs": [
            {
                "at": _at(x.at, r),
                "who": x.who,
                "script": x.script,
                "reviewed_by": x.reviewed_by,
                "sha256": x.sha256,
                "applied": dict(x.applied),
                "marked_for_review": x.marked_for_review,
                "committed": x.committed,
            }
            for x in r.repairs
        ],
        "messages": [
            {"at": _at(x.at, r), "who": x.who, "audience": x.audience, "sent_to": x.sent_to, "text": x.text}
            for x in r.messages
        ],
        "charts": {
            "series": [
                {
                    "family": s.family,
                    "name": s.name,
                    "points": [[_at(datetime.fromtimestamp(p.at, r.zone), r), p.value] for p in s.points],
                }
                for s in r.charts.series
            ],
            "markers": [
                {"at": _at(datetime.fromtimestamp(x.at, r.zone), r), "kind": x.kind, "label": x.label, "ok": x.ok}
                for x in r.charts.markers
            ],
        },
        "action_count": r.action_count,
        "entry_count": r.entry_count,
    }


def row_object(row: Row, r: Report) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": _at(row.at, r),
        "who": row.who,
        "kind": row.kind,
        "step": row.step,
        "what": row.what,
        "result": row.result,
        "outcome": row.outcome or None,
        "took_s": row.took_s,
        "changes": [{"family": c.family, "name": c.name, "before": c.before, "after": c.after} for c in row.changes],
        "folded": list(row.folded),
    }
