"""The post-incident report: what it says about the drill, durations, the curated timeline,
charts, the three formats, time zones and secrets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from cockpit.incident.journal import Entry, parse_ts, read
from cockpit.incident.report import SCHEMA, build, from_entries, from_file, render_html, render_json, render_markdown
from tests.golden.record import JOURNAL, SECRET
from tests.report_journals import drill_with_gate, gate_entry, open_items, write

GOLDEN = Path(__file__).parent / "golden"


def export(journal: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(journal), *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 rewrites it after a review"


def test_markdown_and_json_exports_match_the_golden_files() -> None:
    check_golden("drill-incident.md", export(JOURNAL, "--format", "md"))
    check_golden("drill-incident.json", export(JOURNAL, "--format", "json"))


def peak(entries: list[Entry], family: str) -> float:
    """The highest reading of a family anywhere in the journal, found without the report's code."""
    values = []
    for e in entries:
        for readings in (e.data, e.data.get("before"), e.data.get("after")):
            if isinstance(readings, dict) and isinstance(readings.get(family), dict):
                values += [v for v in readings[family].values() if isinstance(v, (int, float))]
    return max(values)


def test_the_summary_states_release_times_impact_and_open_items() -> None:
    entries = drill_with_gate()
    report = build(from_entries(entries))
    declared = next(e for e in entries if e.kind == "declare")
    mitigated = next(e for e in entries if e.kind == "gate" and e.data["state"] == "MITIGATED")
    restored = next(e for e in entries if e.kind == "gate" and e.data["state"] == "RESTORED")
    text = " ".join(report.summary)
    assert "Release 2026.11.3 was rolled back to 2026.11.2" in text
    assert f"Declared {declared.at:%Y-%m-%d %H:%M:%S} UTC by alice" in text
    assert f"damage stopped (MITIGATED) {mitigated.at:%H:%M:%S}" in text
    assert f"service restored {restored.at:%H:%M:%S}" in text
    repair = next(e.data for e in entries if e.data.get("action") == "repair" and e.data.get("phase") == "result")
    marked = repair["marked_for_review"]
    assert f"error rate peaked at {peak(entries, 'error_rate') * 100:.1f}% (checkout 5xx ratio" in text
    assert f"{sum(repair['applied'].values()) - marked} records repaired, {marked} marked for manual review" in text
    assert f"queue backlog peaked at {peak(entries, 'queues'):.0f} (payment-retry)" in text
    still_open = text.split("Still open: ", 1)[1]
    assert all(item in still_open for item in open_items(entries)) and open_items(entries)
    assert "follow-up: retry worker needs an idempotency key per payment event (owner bob)" in still_open
    assert report.header.status == "closed" and report.header.gate == "RESTORED"


def test_durations_are_the_journal_moments_and_name_their_source() -> None:
    entries = drill_with_gate()
    report = build(from_entries(entries))
    at = {e.seq: e.at for e in entries}
    declared = next(e for e in entries if e.kind == "declare")
    first = {
        state: next(e for e in entries if e.kind == "gate" and e.data["state"] == state)
        for state in ("MITIGATED", "RESTORED")
    }
    closed = next(e for e in entries if e.kind == "close")
    spans = {d.name: d for d in report.durations}
    assert spans["to mitigate"].seconds == (first["MITIGATED"].at - declared.at).total_seconds() > 0
    assert spans["to restore"].seconds == (first["RESTORED"].at - declared.at).total_seconds()
    assert spans["to close"].seconds == (closed.at - declared.at).total_seconds()
    assert (
        spans["to mitigate"].end.source == f"the first gate entry reporting MITIGATED (entry {first['MITIGATED'].seq})"
    )
    for d in report.durations:
        assert at[d.start.seq] == d.start.at and at[d.end.seq] == d.end.at
    # Nothing is known before the declaration: "to detect" is left out with its reason, never printed as 0.
    assert {o.name for o in report.omitted} == {"to detect", "to acknowledge"}
    markdown = render_markdown(report, appendix=False)
    assert "Left out, to detect: no release time or bad reading before the declaration" in markdown
    assert not re.search(r"to detect \| 0", markdown)


def test_an_old_journal_restores_from_the_status_entry_and_leaves_mitigated_out() -> None:
    report = build(from_file(JOURNAL))
    green = next(e for e in read(JOURNAL).entries if e.kind == "status" and e.data.get("gate") == "green")
    spans = {d.name: d for d in report.durations}
    assert "to mitigate" not in spans and spans["to restore"].end.seq == green.seq
    why = {o.name: o.why for o in report.omitted}["to mitigate"]
    assert "the journal has no gate entries" in why
    assert report.moments.mitigated is None and "MITIGATED" not in " ".join(report.summary)


def test_the_curated_timeline_has_one_row_per_action_with_its_readings() -> None:
    entries = drill_with_gate()
    report = build(from_entries(entries))
    rows = list(report.timeline())
    results = [e for e in entries if e.data.get("phase") == "result"]
    actions = [r for r in rows if r.is_action]
    assert [r.seq for r in actions] == [e.seq for e in results] and report.action_count == len(results)
    assert len(rows) < len(entries) / 3  # previews, confirmations, outputs and step states are folded in
    assert not any(r.what.startswith("step ") or ": preview" in r.what or ": confirmed" in r.what for r in rows)
    pause = next(r for r in actions if r.what == "Pause the risky queues")
    assert pause.who == "alice" and pause.outcome == "done" and "payment-retry suspended" in pause.result
    assert "confirmed by alice" in pause.folded and any(f.startswith("previewed: payment-retry") for f in pause.folded)
    repair = next(r for r in actions if r.step == "repair")
    held = next(e.data for e in entries if e.seq == repair.seq)["before"]["suspects"]["duplicate discount holds"]
    assert held > 0 and f"duplicate discount holds {held:,.0f} → 0" in render_markdown(report, appendix=False)
    assert {c.name: (c.before, c.after) for c in repair.changes}["duplicate discount holds"] == (held, 0.0)
    milestones = [r.what for r in rows if r.kind == "milestone"]
    gates = sum(1 for e in entries if e.kind == "gate")
    assert (
        milestones[0] == "Declared SEV2: DRILL: checkout failing after release 2026.11.3" and milestones[-1] == "Closed"
    )
    assert len(milestones) == gates + 2  # each gate change is a milestone
    assert milestones.index("Gate reached MITIGATED") < milestones.index("Gate reached RESTORED")


def test_overrides_skips_falls_back_and_reopen_are_reported_with_their_reasons(tmp_path: Path) -> None:
    base = drill_with_gate()[:12]
    ts = base[-1].ts
    more = [
        Entry(
            0,
            ts,
            "carol",
            "step",
            "step Clear named caches: skipped (no cache in this release)",
            "cache",
            {"state": "skipped", "reason": "no cache in this release"},
        ),
        Entry(
            0,
            ts,
            "carol",
            "override",
            "override: restart before repair",
            "restart",
            {"what": "restart before the repair step", "reason": "queue backlog hurting customers"},
        ),
        gate_entry(0, ts, "carol", "MITIGATED", "RESTORED", "queue: payment-retry 900 waiting"),
        Entry(
            0,
            ts,
            "carol",
            "close",
            "incident closed",
            "close",
            {"override": True, "reason": "handing over to day shift", "open_items": ["gate MITIGATED"]},
        ),
        Entry(0, ts, "carol", "reopen", "incident reopened", "close", {"reason": "not yet"}),
        # The session journals a close before RESTORED as an override, then the close: one override.
        Entry(
            0,
            ts,
            "carol",
            "override",
            "override: closed at MITIGATED",
            "close",
            {"what": "close before RESTORED (gate MITIGATED: queue)", "reason": "second shift takes over"},
        ),
        Entry(
            0,
            ts,
            "carol",
            "close",
            "incident closed",
            "close",
            {"override": True, "reason": "second shift takes over", "open_items": []},
        ),
        Entry(0, ts, "dave", "reopen", "incident reopened", "close", {"reason": "errors are back"}),
    ]
    entries = [Entry.from_dict({**e.to_dict(), "seq": i}) for i, e in enumerate([*base, *more], start=1)]
    report = build(from_entries(entries))
    overrides = [(o.who, o.what, o.reason) for o in report.overrides]
    assert overrides == [
        ("carol", "skipped step Clear named caches", "no cache in this release"),
        ("carol", "restart before the repair step", "queue backlog hurting customers"),
        ("carol", "closed before the service was restored", "handing over to day shift"),
        ("carol", "reopened the incident", "not yet"),
        ("carol", "close before RESTORED (gate MITIGATED: queue)", "second shift takes over"),
        ("dave", "reopened the incident", "errors are back"),
    ]
    assert report.header.status == "reopened" and report.moments.closed is None
    rows = [r.what for r in report.timeline()]
    assert "Gate fell back to MITIGATED" in rows and "Reopened" in rows and "Skipped: Clear named caches" in rows
    html = render_html(report)
    assert "handing over to day shift" in html and "errors are back" in html


def test_charts_have_a_marker_per_action_in_svg_and_the_sparkline() -> None:
    entries = drill_with_gate()
    report = build(from_entries(entries))
    actions = sum(1 for e in entries if e.data.get("phase") == "result")
    html = render_html(report)
    charts = re.findall(r'<svg class="chart" data-family="(\w+)".*?</svg>', html, re.S)
    assert charts == ["error_rate", "suspects", "queues"]
    for svg in re.findall(r'<svg class="chart".*?</svg>', html, re.S):
        assert svg.count('class="marker action"') == report.action_count == actions
        assert svg.count('class="marker milestone"') == 3  # mitigated, restored, closed
        assert "<polyline" in svg
    markdown = render_markdown(report, appendix=False)
    ticks = re.search(r"^actions +(.*?)  \^ one action", markdown, re.M)
    assert ticks and ticks.group(1).count("^") + 2 * ticks.group(1).count("*") <= report.action_count
    assert "▁" in markdown and "█" in markdown


def test_json_has_a_versioned_schema_the_timeline_and_the_raw_journal() -> None:
    entries = drill_with_gate()
    data = json.loads(render_json(build(from_entries(entries), "Europe/Berlin")))
    assert data["schema"] == SCHEMA == "cockpit.report/2" and data["version"] == 2
    assert [e["seq"] for e in data["journal"]] == [e.seq for e in entries]
    assert sum(1 for r in data["timeline"] if r["kind"] in ("action", "update")) == data["action_count"]
    mitigated = data["moments"]["mitigated"]
    assert mitigated["at"].endswith("+01:00") and "MITIGATED" in mitigated["source"]
    assert parse_ts(mitigated["at"]) == next(
        e.at for e in entries if e.kind == "gate" and e.data["state"] == "MITIGATED"
    )
    assert data["follow_ups"] == [
        {
            "at": data["follow_ups"][0]["at"],
            "text": "retry worker needs an idempotency key per payment event",
            "owner": "bob",
            "raised_by": "bob",
        }
    ]


def test_people_see_words_not_python_values(tmp_path: Path) -> None:
    journal = write(drill_with_gate(), tmp_path / "gate.jsonl")
    for fmt in ("md", "html"):
        text = export(journal, "--format", fmt)
        assert not re.search(r"\{'|\{\"|\bNone\b|\bTrue\b|\bFalse\b", text), fmt


def test_the_secret_never_reaches_the_journal_or_any_report() -> None:
    assert SECRET not in JOURNAL.read_text()
    for fmt in ("md", "json", "html"):
        text = export(JOURNAL, "--format", fmt)
        assert SECRET not in text and "[redacted]" in text  # the note that held it is there, minus the secret


def test_times_render_in_a_chosen_zone_across_a_dst_change() -> None:
    entries = [
        Entry(
            1, "2026-03-08T06:59:59.000Z", "alice", "declare", "declared", "declare", {"title": "t", "severity": "SEV1"}
        ),
        Entry(2, "2026-03-08T07:00:00.000Z", "alice", "note", "an hour later on the wall, a second later in UTC"),
    ]
    ny = build(from_entries(entries), "America/New_York")
    assert "Declared 2026-03-08 01:59:59 EST" in ny.summary[1]
    markdown = render_markdown(ny)
    assert "| 01:59:59 | alice |" in markdown and "| 03:00:00 | alice |" in markdown
    assert "2026-03-08 03:00:00 EDT" in markdown  # the appendix, with the zone's name
    utc = render_markdown(build(from_entries(entries), "UTC"))
    assert "| 06:59:59 | alice |" in utc and "| 07:00:00 | alice |" in utc


def test_export_rejects_an_unknown_zone_and_tolerates_a_torn_journal(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(JOURNAL), "--tz", "Mars/Olympus"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown time zone" in done.stderr
    torn = tmp_path / "torn.jsonl"
    raw = JOURNAL.read_bytes()
    torn.write_bytes(raw[: len(raw) - 40])
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(torn), "-o", str(tmp_path / "r.md")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    torn_line = torn.read_bytes().count(b"\n") + 1
    assert done.returncode == 0 and f"{torn}:{torn_line}: skipped a torn line" in done.stderr
    assert (tmp_path / "r.md").read_text().startswith("# Post-incident report")
    assert len(read(torn).entries) == len(read(JOURNAL).entries) - 1
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(tmp_path / "missing.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        done.returncode == 1
        and done.stderr.startswith("cockpit export: cannot read")
        and "Traceback" not in done.stderr
    )


def test_the_export_redacts_every_line_the_full_redaction_would_change(tmp_path: Path) -> None:
    """The export skips the redaction walk for lines that cannot hold a secret; never for one that does."""
    from cockpit.incident.journal import Redactor, iter_entries

    secrets = ["hunter22", 'quote"and\\slash', "pässwörd-ü"]
    redactor = Redactor(secrets)
    data = [
        {"note": "plain"},
        {"dsn": "x"},
        {"Api-Key": "x"},
        {"nested": {"Authorization": "Bearer x"}},
        {"url": "redis://u:pw@host:6379/0"},
        *({"text": f"it was {s} all along"} for s in secrets),
    ]
    path = tmp_path / "j.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for i, d in enumerate(data, start=1):
            handle.write(
                json.dumps(
                    {
                        "seq": i,
                        "ts": "2026-11-21T12:00:00.000Z",
                        "operator": "a",
                        "kind": "note",
                        "summary": "s",
                        "data": d,
                    },
                    ensure_ascii=i % 2 == 0,
                )
                + "\n"
            )
    for entry, original in zip(iter_entries(path, redactor=redactor), data, strict=True):
        assert entry.data == redactor(original)
        assert not any(s in json.dumps(entry.data, ensure_ascii=False) for s in secrets) and "pw@" not in str(
            entry.data
        )


def test_a_close_journaled_twice_is_one_row_and_one_moment() -> None:
    entries = drill_with_gate()
    close = next(e for e in entries if e.kind == "close")
    twice = [
        *entries,
        Entry(
            close.seq + 1,
            close.ts,
            close.operator,
            "status",
            "incident closed",
            "close",
            {"status": "closed", "gate_green": True},
        ),
    ]
    report = build(from_entries(twice))
    assert [r.what for r in report.timeline()].count("Closed") == 1 and report.moments.closed.seq == close.seq


def test_outside_text_is_shown_not_obeyed_in_every_format(tmp_path: Path) -> None:
    """Control characters (ESC, C1 CSI, bidi override) and odd kinds from a foreign journal line."""
    nasty = "x\x1b]0;PWNED\x07 \x9b31m \u202egnp.exe"
    lines = [
        {
            "seq": 1,
            "ts": "2026-11-21T12:00:00.000Z",
            "operator": f"mallory{nasty}",
            "kind": "declare",
            "step": "declare",
            "summary": nasty,
            "data": {"title": nasty, "severity": "SEV1", "scope": nasty},
        },
        {
            "seq": 2,
            "ts": "2026-11-21T12:00:01.000Z",
            "operator": "a",
            "kind": "row",
            "step": None,
            "summary": nasty,
            "data": {},
        },
        {
            "seq": 3,
            "ts": "2026-11-21T12:00:02.000Z",
            "operator": "a",
            "kind": "_init__",
            "step": nasty,
            "summary": "s",
            "data": {"phase": "result", nasty: 1},
        },
    ]
    path = tmp_path / "j.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    for fmt in ("md", "json", "html"):
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", "export", str(path), "--format", fmt], capture_output=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        text = done.stdout.decode()
        assert not any(c in text for c in ("\x1b", "\x9b", "\u202e", "\x07")), fmt
        assert "PWNED" in text, fmt  # shown, as text


def test_an_export_that_cannot_be_written_says_so_in_one_line_and_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.html"
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(JOURNAL), "--format", "html", "-o", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and done.stderr.startswith(f"cockpit export: cannot write {target}")
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.rglob("*.partial")) and not target.exists()


def test_a_follow_up_names_its_owner_with_an_at_sign() -> None:
    ts = "2026-11-21T12:00:00.000Z"
    entries = [
        Entry(1, ts, "alice", "note", "add an idempotency key to the retry worker @dana.k.", None, {"follow_up": True}),
        Entry(2, ts, "alice", "note", "mail ops@example.com about the page", None, {"follow_up": True}),
        Entry(3, ts, "bob", "note", "not a follow-up @carol", None, {}),
    ]
    report = build(from_entries(entries))
    assert [(f.owner, f.raised_by) for f in report.follow_ups] == [("dana.k", "alice"), ("alice", "alice")]
    assert "owner **dana.k** (raised by alice" in render_markdown(report)
