"""The post-incident report, built from the journal alone: JSON (a documented, stable
schema, `cockpit.report/1`) and Markdown rendered from that JSON.

Everything in it comes from journal entries, which the writer has already redacted, and
the export redacts again with the same rules, so a secret cannot reach a report.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from cockpit.journal import Entry, Redactor, parse_ts
from cockpit.runbook import STEPS

SCHEMA = "cockpit.report/1"


def _when(ts: str | None, tz: ZoneInfo | timezone) -> str | None:
    if ts is None:
        return None
    return parse_ts(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _span(start: str | None, end: str | None) -> float | None:
    if start is None or end is None:
        return None
    return round((parse_ts(end) - parse_ts(start)).total_seconds(), 3)


def _first(entries: Iterable[Entry], predicate) -> Entry | None:
    return next((e for e in entries if predicate(e)), None)


def build_report(entries: list[Entry], tz_name: str = "UTC", redactor: Redactor | None = None) -> dict[str, Any]:
    """The whole report as plain data (the JSON export)."""
    tz: ZoneInfo | timezone = timezone.utc if tz_name.upper() == "UTC" else ZoneInfo(tz_name)
    redact = redactor or Redactor()
    declare = _first(entries, lambda e: e.kind == "declare")
    closed = _first(entries, lambda e: e.kind == "status" and e.data.get("status") == "closed")
    restored = _first(entries, lambda e: e.kind == "status" and (e.data.get("gate") == "green"
                                                                  or e.data.get("status") == "restored"))
    mitigated = _first(entries, lambda e: e.kind == "step" and e.step in ("stop", "flags")
                       and e.data.get("state") == "done")
    first = entries[0] if entries else None
    status = "closed" if closed else "restored" if restored else "open"
    for e in entries:
        if e.kind == "status" and "status" in e.data:
            status = str(e.data["status"])
    latest = {"title": "", "severity": "", "lead": "", "scope": ""}
    if declare:
        latest.update({k: str(declare.data.get(k, "")) for k in latest})
    for e in entries:
        if e.kind == "status":
            for key in ("severity", "lead"):
                if key in e.data:
                    latest[key] = str(e.data[key])
    results = [e for e in entries if e.kind in ("action", "update") and e.data.get("phase") == "result"]
    timeline = []
    for e in entries:
        if e.kind == "reading" and not e.data.get("baseline"):
            continue
        if e.data.get("phase") in ("output",):
            continue
        item: dict[str, Any] = {"seq": e.seq, "at": _when(e.ts, tz), "ts": e.ts, "operator": e.operator,
                                "kind": e.kind, "step": e.step, "summary": e.summary}
        if e.data.get("phase") == "result":
            item.update(ok=e.data.get("ok"), duration_s=e.data.get("duration_s"),
                        before=e.data.get("before"), after=e.data.get("after"), state_left=e.data.get("state_left") or None)
        timeline.append(item)
    steps = []
    for step in STEPS:
        changes = [e for e in entries if e.kind == "step" and e.step == step.id]
        state = changes[-1].data.get("state", "pending") if changes else "pending"
        reason = next((str(e.data["reason"]) for e in reversed(changes) if e.data.get("reason")), None)
        done_by = [f"{e.summary} ({e.operator}, {_when(e.ts, tz)})" for e in results if e.step == step.id]
        steps.append({"id": step.id, "title": step.title, "state": state, "reason": reason, "actions": done_by})
    ledger = [{"at": _when(e.ts, tz), "operator": e.operator, "script": e.data.get("script"),
               "reviewed_by": e.data.get("reviewed_by"), "sha256": e.data.get("sha256"),
               "preview": e.data.get("preview"), "applied": e.data.get("applied"),
               "marked_for_review": e.data.get("marked_for_review", 0), "ok": e.data.get("ok"),
               "mismatch": e.data.get("mismatch")}
              for e in results if e.data.get("action") == "repair"]
    messages = [{"at": _when(e.ts, tz), "operator": e.operator, "audience": e.data.get("audience"),
                 "text": e.data.get("text"), "sent_to": e.data.get("sent_to")}
                for e in results if e.kind == "update" and e.data.get("ok")]
    notes = [e for e in entries if e.kind == "note"]
    report = {
        "schema": SCHEMA,
        "time_zone": tz_name,
        "incident": {**latest, "status": status, "operators": sorted({e.operator for e in entries}),
                     "declared_at": _when(declare.ts if declare else None, tz),
                     "closed_at": _when(closed.ts if closed else None, tz),
                     "close_override": closed.data.get("override") if closed else None},
        "milestones": {
            "first_entry": _when(first.ts if first else None, tz),
            "declared": _when(declare.ts if declare else None, tz),
            "mitigated": _when(mitigated.ts if mitigated else None, tz),
            "restored": _when(restored.ts if restored else None, tz),
            "closed": _when(closed.ts if closed else None, tz),
        },
        "durations_s": {
            "to_detect": _span(first.ts if first else None, declare.ts if declare else None),
            "to_mitigate": _span(declare.ts if declare else None, mitigated.ts if mitigated else None),
            "to_restore": _span(declare.ts if declare else None, restored.ts if restored else None),
            "total": _span(declare.ts if declare else None, closed.ts if closed else None),
        },
        "impact": _impact(entries, tz),
        "timeline": timeline,
        "steps": steps,
        "repair_ledger": ledger,
        "messages": messages,
        "follow_ups": [{"at": _when(e.ts, tz), "operator": e.operator, "text": e.summary}
                       for e in notes if e.data.get("follow_up")],
        "notes": [{"at": _when(e.ts, tz), "operator": e.operator, "text": e.summary} for e in notes],
    }
    return redact(report)


def _impact(entries: list[Entry], tz) -> dict[str, Any]:
    peak_rate, peak_at = None, None
    backlog: dict[str, float] = {}
    found: dict[str, float] = {}
    for e in entries:
        sources = [e.data] if e.kind == "reading" else []
        sources += [e.data[side] for side in ("before", "after") if isinstance(e.data.get(side), dict)]
        for source in sources:
            for value in (source.get("error_rate") or {}).values():
                if isinstance(value, (int, float)) and value == value and (peak_rate is None or value > peak_rate):
                    peak_rate, peak_at = float(value), e.ts
            for name, value in (source.get("queues") or {}).items():
                if isinstance(value, (int, float)):
                    backlog[name] = max(backlog.get(name, 0.0), float(value))
            for name, value in (source.get("suspects") or {}).items():
                if isinstance(value, (int, float)):
                    found[name] = max(found.get(name, 0.0), float(value))
    repaired = marked = 0
    for e in entries:
        if e.data.get("action") == "repair" and e.data.get("phase") == "result" and e.data.get("ok"):
            marked += int(e.data.get("marked_for_review") or 0)
            repaired += sum(int(v) for v in (e.data.get("applied") or {}).values()) - int(e.data.get("marked_for_review") or 0)
    return {"error_rate_peak": peak_rate, "error_rate_peak_at": _when(peak_at, tz),
            "affected_records": {"found_peak": {k: int(v) for k, v in found.items()},
                                 "repaired": repaired, "marked_for_review": marked},
            "queue_backlog_peak": {k: int(v) for k, v in backlog.items()}}


# --- Markdown --------------------------------------------------------------------------

def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m {seconds % 60:02d}s" if seconds >= 3600 else \
        f"{seconds // 60}m {seconds % 60:02d}s"


def _readings(data: dict | None) -> str:
    if not data:
        return "—"
    parts = []
    for name, value in (data.get("error_rate") or {}).items():
        parts.append(f"{name} {value:.2%}" if isinstance(value, float) else f"{name} {value}")
    for name, value in (data.get("queues") or {}).items():
        parts.append(f"{name} {value:,.0f}" if isinstance(value, (int, float)) else f"{name} {value}")
    for name, value in (data.get("suspects") or {}).items():
        parts.append(f"{name} {value:,.0f}" if isinstance(value, (int, float)) else f"{name} {value}")
    return "; ".join(parts) or "—"


def _cell(text: Any) -> str:
    return str(text if text is not None else "—").replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    inc, ms, dur, imp = report["incident"], report["milestones"], report["durations_s"], report["impact"]
    out = [f"# Post-incident report: {inc['title'] or '(untitled)'}", ""]
    out += [f"- **Severity:** {inc['severity'] or '—'}", f"- **Status:** {inc['status']}",
            f"- **Rollback lead:** {inc['lead'] or '—'}", f"- **Operators:** {', '.join(inc['operators']) or '—'}",
            f"- **Times in:** {report['time_zone']}", ""]
    if inc.get("close_override"):
        out += [f"> Closed before the service-restored gate was green. Override reason: {inc['close_override']}", ""]
    out += ["## Summary", "", inc["scope"] or "_Scope not recorded._", ""]
    out += ["## Milestones", "", "| milestone | time | since declared |", "|---|---|---|"]
    for key, label in (("declared", "Declared"), ("mitigated", "Damage stopped (mitigated)"),
                       ("restored", "Service restored (gate green)"), ("closed", "Closed")):
        since = {"mitigated": dur["to_mitigate"], "restored": dur["to_restore"], "closed": dur["total"]}.get(key)
        out.append(f"| {label} | {ms[key] or '—'} | {_dur(since) if key != 'declared' else '0m 00s'} |")
    out += ["", f"Time to detect (first entry to declaration): {_dur(dur['to_detect'])}. "
                f"Time to mitigate: {_dur(dur['to_mitigate'])}. Time to restore: {_dur(dur['to_restore'])}.", ""]
    out += ["## Impact", ""]
    peak = imp["error_rate_peak"]
    out.append(f"- **Error-rate peak:** {f'{peak:.2%}' if isinstance(peak, float) else '—'}"
               f"{' at ' + imp['error_rate_peak_at'] if imp['error_rate_peak_at'] else ''}")
    found = imp["affected_records"]["found_peak"]
    out.append("- **Affected records found (peak):** " + (", ".join(f"{k} {v:,}" for k, v in found.items()) or "—"))
    out.append(f"- **Repaired:** {imp['affected_records']['repaired']:,} rows; "
               f"**marked for manual review:** {imp['affected_records']['marked_for_review']:,}")
    out.append("- **Queue backlog (peak):** " + (", ".join(f"{k} {v:,}" for k, v in imp["queue_backlog_peak"].items()) or "—"))
    out += ["", "## Timeline", "", "| time | who | what | took | readings before → after |", "|---|---|---|---|---|"]
    for item in report["timeline"]:
        took = _dur(item.get("duration_s")) if item.get("duration_s") is not None else ""
        readings = f"{_readings(item.get('before'))} → {_readings(item.get('after'))}" if "before" in item else ""
        out.append(f"| {item['at']} | {_cell(item['operator'])} | {_cell(item['summary'])} | {took} | {_cell(readings)} |")
    out += ["", "## What was done, step by step", ""]
    for step in report["steps"]:
        line = f"- **{step['title']}** — {step['state']}"
        if step["reason"]:
            line += f" (reason: {step['reason']})"
        out.append(line)
        out += [f"  - {_cell(a)}" for a in step["actions"]]
    out += ["", "## Data-repair ledger", ""]
    if report["repair_ledger"]:
        out += ["| time | who | script | reviewed by | sha256 | preview | applied | marked for review | result |",
                "|---|---|---|---|---|---|---|---|---|"]
        for row in report["repair_ledger"]:
            preview = ", ".join(f"{k} {v:,}" for k, v in (row["preview"] or {}).items())
            applied = ", ".join(f"{k} {v:,}" for k, v in (row["applied"] or {}).items()) or "none (rolled back)"
            out.append(f"| {row['at']} | {_cell(row['operator'])} | {_cell(row['script'])} | {_cell(row['reviewed_by'])} | "
                       f"`{(row['sha256'] or '')[:16]}…` | {preview} | {applied} | {row['marked_for_review']:,} | "
                       f"{'committed' if row['ok'] else 'rolled back'} |")
    else:
        out.append("_No data repair was run._")
    out += ["", "## Messages sent", ""]
    if report["messages"]:
        for msg in report["messages"]:
            out += [f"**{msg['audience']} update**, {msg['at']}, by {msg['operator']} ({msg['sent_to']}):", "",
                    *[f"> {line}" for line in (msg["text"] or "").splitlines()], ""]
    else:
        out += ["_No update was sent._", ""]
    out += ["## What went well", "", "_To be filled in by the team._", "",
            "## What went wrong", "", "_To be filled in by the team._", "",
            "## Where we got lucky", "", "_To be filled in by the team._", "",
            "## Follow-up items", ""]
    out += [f"- [ ] {f['text']} ({f['operator']}, {f['at']})" for f in report["follow_ups"]] or ["_None recorded._"]
    out.append("")
    return "\n".join(out)
