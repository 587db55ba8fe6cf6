"""The post-incident report: golden files of a scripted drill incident, time zones, secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cockpit.journal import Entry, read
from cockpit.report import SCHEMA, build_report, render_markdown
from tests.golden.record import JOURNAL, SECRET

GOLDEN = Path(__file__).parent / "golden"


def export(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "cockpit.cli", "export", str(JOURNAL), *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; UPDATE_GOLDEN=1 rewrites it after a review"


def test_markdown_export_matches_the_golden_file() -> None:
    check_golden("drill-incident.md", export("--format", "md"))


def test_json_export_matches_the_golden_file_and_schema() -> None:
    text = export("--format", "json")
    check_golden("drill-incident.json", text)
    report = json.loads(text)
    assert report["schema"] == SCHEMA
    assert set(report) == {"schema", "time_zone", "incident", "milestones", "durations_s", "impact", "timeline",
                           "steps", "repair_ledger", "messages", "follow_ups", "notes"}
    assert report["incident"]["status"] == "closed" and report["incident"]["operators"] == ["alice", "bob"]
    assert report["impact"]["affected_records"]["marked_for_review"] > 0
    assert report["repair_ledger"][0]["sha256"] and report["repair_ledger"][0]["applied"]
    assert [m["audience"] for m in report["messages"]] == ["status", "customer"]
    assert [f["operator"] for f in report["follow_ups"]] == ["bob"]
    assert report["durations_s"]["to_restore"] > report["durations_s"]["to_mitigate"] > 0
    actions = [t for t in report["timeline"] if "before" in t]
    assert actions and all(t["before"] and t["after"] for t in actions)


def test_the_secret_never_reaches_the_journal_or_either_report() -> None:
    assert SECRET not in JOURNAL.read_text()
    for fmt in ("md", "json"):
        assert SECRET not in export("--format", fmt)
    assert "[redacted]" in export("--format", "md")  # the note that held it is still there, minus the secret


def test_times_render_in_a_chosen_zone_across_a_dst_change() -> None:
    entries = [Entry(1, "2026-03-08T06:59:59.000Z", "alice", "declare", "declared", "declare",
                     {"title": "t", "severity": "SEV1"}),
               Entry(2, "2026-03-08T07:00:00.000Z", "alice", "note", "an hour later on the wall, a second later in UTC")]
    ny = build_report(entries, "America/New_York")
    assert [t["at"] for t in ny["timeline"]] == ["2026-03-08 01:59:59 EST", "2026-03-08 03:00:00 EDT"]
    utc = build_report(entries, "UTC")
    assert [t["at"] for t in utc["timeline"]] == ["2026-03-08 06:59:59 UTC", "2026-03-08 07:00:00 UTC"]
    assert "01:59:59 EST" in render_markdown(ny)


def test_export_rejects_an_unknown_zone_and_tolerates_a_torn_journal(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "cockpit.cli", "export", str(JOURNAL), "--tz", "Mars/Olympus"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown time zone" in done.stderr
    torn = tmp_path / "torn.jsonl"
    raw = JOURNAL.read_bytes()
    torn.write_bytes(raw[: len(raw) - 40])
    done = subprocess.run([sys.executable, "-m", "cockpit.cli", "export", str(torn), "-o", str(tmp_path / "r.md")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "skipped a torn line" in done.stderr
    assert (tmp_path / "r.md").read_text().startswith("# Post-incident report")
    assert len(read(torn).entries) == len(read(JOURNAL).entries) - 1
