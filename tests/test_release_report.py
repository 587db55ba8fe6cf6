"""The report's release map: changes, undo, owner and order; which undo ran when and by whom;
precondition overrides and guard stops with their readings; changes not undone, with why.
Built from a real journal file written through the journal, exported as Markdown, JSON, HTML."""

from __future__ import annotations

import json
from pathlib import Path

from cockpit.config import loads
from cockpit.config.release import load_release
from cockpit.core.release_plan import release_record
from cockpit.incident.journal import Journal, Operator
from cockpit.incident.report import build, from_file, render_html, render_json, render_markdown
from tests.test_release_file import CONFIG, RELEASE


def journal(tmp_path: Path) -> Path:
    release_path = tmp_path / "release.toml"
    release_path.write_text(RELEASE)
    record = release_record(load_release(release_path, loads(CONFIG)))
    path = tmp_path / "incident.jsonl"
    ana, ben = Operator("ana"), Operator("ben")
    j = Journal.open(path, ana)
    j.append("declare", "declared", step="declare", data={"title": "Checkout failing", "severity": "SEV2"})
    j.append("release", "release 2026.11.3: 7 changes, 8 undo steps", data=record)
    j.append("step", "step stop: done", step="retry-job:pause_queues", data={"state": "done"})
    j.append("step", "step flag: done", step="flag", data={"state": "done"}, operator=ben)
    j.append(
        "override",
        "precondition overridden",
        step="code",
        data={
            "what": "ran Revert although a precondition failed",
            "reason": "retry queue pause confirmed by hand",
            "readings": [
                {
                    "condition": "queue payment-retry paused",
                    "truth": "unknown",
                    "detail": "queue payment-retry: stale (40s old)",
                }
            ],
        },
    )
    j.append("step", "step code: done", step="code", data={"state": "done"})
    j.append(
        "guard",
        "GUARD HALT: restart",
        step="retry-job:restart_staged",
        data={
            "v": 1,
            "event": "halt",
            "reason": "error_rate checkout 7.2% > 5.0% (4s old)",
            "readings": ["error_rate checkout 7.2% > 5.0% (4s old)", "queue payment-retry rising (+40 in 5m)"],
        },
    )
    j.append("step", "failed", step="retry-job:restart_staged", data={"state": "failed", "reason": "guard halt"})
    j.append(
        "step",
        "skipped",
        step="customer-banner",
        data={"state": "skipped", "reason": "status page never went out"},
        operator=ben,
    )
    # Closing before RESTORED is an override too, but of the close step, not of an undo: not a stop here.
    j.append(
        "override",
        "override: closed at broken",
        step="close",
        data={"what": "close before RESTORED (gate broken: 5xx)", "reason": "handing over to day shift"},
    )
    j.close()
    return path


def test_the_report_has_the_release_map_and_what_became_of_each_undo(tmp_path: Path) -> None:
    report = build(from_file(journal(tmp_path)))
    section = report.release
    assert section is not None and section.id == "2026.11.3" and section.owner == "sam"
    assert [u.step for u in section.order][:3] == ["retry-job:pause_queues", "flag", "code"]
    flag = next(u for u in section.order if u.step == "flag")
    assert (flag.state, flag.by, flag.undo) == ("done", "ben", "set_flags(flags=new_checkout)")
    assert [(s.what, s.step) for s in section.stops] == [
        ("override", "code"),
        ("guard halt", "retry-job:restart_staged"),
    ]
    assert section.stops[0].readings == ("queue payment-retry paused: queue payment-retry: stale (40s old) (unknown)",)
    not_undone = {n.change: n.why for n in section.not_undone}
    assert not_undone["customer-banner"] == "customer-banner skipped by ben: status page never went out"
    assert not_undone["retry-job"] == "retry-job:restart_staged failed: guard halt"
    assert not_undone["cache"] == "cache pending: no reason recorded"
    assert "flag" not in not_undone and "code" not in not_undone

    md = render_markdown(report)
    assert "## Release map: 2026.11.3 — New checkout flow" in md
    assert "| flag | flag | new_checkout at 25% | kim | — | — | flag new_checkout safe | — |" in md
    assert "| 2 | flag | flag | set_flags(flags=new_checkout) | done |" in md
    assert "  - queue payment-retry rising (+40 in 5m)" in md
    assert "- **customer-banner**: customer-banner skipped by ben: status page never went out" in md

    data = json.loads(render_json(report))
    rm = data["release_map"]
    assert rm["changes"][3]["guard"] == "error_rate > 5% or queue payment-retry growing (2 in a row)"
    assert rm["order"][1]["by"] == "ben" and rm["stops"][1]["what"] == "guard halt"
    html = render_html(report)
    assert (
        '<section id="release"><h2>Release map: 2026.11.3' in html
        and "<li>queue payment-retry paused: queue payment-retry: stale" in html
    )


def test_a_journal_without_a_release_file_reports_as_before(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    j = Journal.open(path, Operator("ana"))
    j.append("declare", "declared", step="declare", data={"title": "t"})
    j.close()
    report = build(from_file(path))
    assert report.release is None
    assert "release_map" not in json.loads(render_json(report))
    assert "Release map" not in render_markdown(report)
