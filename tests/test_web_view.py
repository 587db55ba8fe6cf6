"""`cockpit serve`: the read-only live page, in headless Chromium, following a growing journal."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.core.runbook import Runbook, StepState
from tests.browser import LivePage
from tests.report_journals import drill_with_gate, gate_entry, write


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, list]]:
    """`cockpit serve` on the drill's journal cut just before the gate reached RESTORED."""
    entries = drill_with_gate()
    cut = next(i for i, e in enumerate(entries) if e.kind == "gate" and e.data["state"] == "RESTORED")
    journal = write(entries[:cut], tmp_path / "incident.jsonl")
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "serve", "--journal", str(journal), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, f"no address in {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}"
        yield match.group(0), journal, entries[:cut]
    finally:
        process.terminate()
        process.wait(timeout=20)


def request(url: str, method: str, path: str) -> tuple[int, str]:
    host, port = re.match(r"http://([^:]+):(\d+)/", url).groups()  # type: ignore[union-attr]
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=b"x" if method in ("POST", "PUT", "PATCH") else None)
        reply = connection.getresponse()
        return reply.status, reply.getheader("Allow") or ""
    finally:
        connection.close()


def test_the_page_follows_the_journal_live(served: tuple[str, Path, list]) -> None:
    url, journal, entries = served
    page = LivePage(url)
    try:
        gate = "document.getElementById('gate-state') && document.getElementById('gate-state').textContent"
        so_far = [e.data["state"] for e in entries if e.kind == "gate"][-1]
        assert so_far != "RESTORED"
        page.wait_for(gate, lambda v: v == so_far, "the gate as journaled so far")
        text = page.evaluate("document.body.innerText")
        assert (
            "DRILL: checkout failing after release 2026.11.3" in text
            and f"status {'mitigated' if so_far == 'MITIGATED' else 'open'}" in text
        )
        book = Runbook.from_entries(entries)
        done = sum(1 for s in book.steps if book.state(s.id) in (StepState.DONE, StepState.SKIPPED))
        assert 0 < done < len(book.steps) and f"Runbook: {done} of {len(book.steps)} steps done" in text
        assert "checkout 5xx ratio" in text  # latest readings
        rows = page.evaluate("document.querySelectorAll('#timeline tbody tr').length")
        assert rows == sum(
            1 for e in entries if e.kind in ("declare", "note", "gate") or e.data.get("phase") == "result"
        )
        # Another cockpit appends to the journal: the open page changes without a reload.
        last = entries[-1]
        with open(journal, "a", encoding="utf-8") as handle:
            handle.write(
                json.dumps(gate_entry(last.seq + 1, last.ts, "bob", "RESTORED", "MITIGATED", "").to_dict()) + "\n"
            )
        page.wait_for(gate, lambda v: v == "RESTORED", "the appended gate entry on the page")
        assert "status restored" in page.evaluate("document.body.innerText")
        assert (
            page.evaluate("document.querySelector('#timeline tbody tr td:nth-child(3)').textContent")
            == "Gate reached RESTORED"
        )
        # A half-written line is not shown until its newline arrives.
        note = json.dumps(
            {
                "seq": last.seq + 2,
                "ts": last.ts,
                "operator": "carol",
                "kind": "note",
                "step": None,
                "summary": "customers confirm checkout works",
                "data": {},
            }
        )
        with open(journal, "a", encoding="utf-8") as handle:
            handle.write(note[:30])
            handle.flush()
            time.sleep(0.6)  # two of the server's polls: the torn line must not appear (or break the page)
            assert "customers confirm" not in page.evaluate("document.body.innerText")
            handle.write(note[30:] + "\n")
        page.wait_for("document.body.innerText", lambda v: "customers confirm checkout works" in v, "the note")
        # The charts follow too: one dashed marker per action in each chart, the gate's moments labelled.
        actions = sum(1 for e in entries if e.data.get("phase") == "result")
        markers = page.evaluate(
            "Array.from(document.querySelectorAll('#charts svg.chart'))"
            ".map(s => s.querySelectorAll('line.marker.action').length)"
        )
        assert markers == [actions] * 3
        assert "RESTORED" in page.evaluate("document.querySelector('#charts svg.chart').textContent")
    finally:
        page.close()


def test_nothing_can_be_written_and_unknown_paths_are_404(served: tuple[str, Path, list]) -> None:
    url, journal, _entries = served
    size = journal.stat().st_size
    for path in ("/", "/events", "/live.js"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            status, allow = request(url, method, path)
            assert status == 405 and "GET" in allow and method not in allow, (method, path)
    for path in ("/act", "/api/actions/pause_risky", "/journal.jsonl", "/../incident.jsonl"):
        assert request(url, "GET", path)[0] == 404, path
        assert request(url, "POST", path)[0] == 404, path
    assert request(url, "GET", "/")[0] == 200
    assert journal.stat().st_size == size


def test_the_follower_waits_for_whole_lines_and_starts_over_when_the_journal_is_replaced(tmp_path: Path) -> None:
    from cockpit.ui.web.live import FileReplaced, JournalFollower, LiveState

    path = tmp_path / "later.jsonl"
    follower, state = JournalFollower(path), LiveState()
    assert follower.poll() == []  # not there yet: nothing, no error
    entries = drill_with_gate()
    lines = [json.dumps(e.to_dict()) + "\n" for e in entries[:5]]
    path.write_text(lines[0] + lines[1][:20])
    first = follower.poll()
    assert [e.seq for e in first] == [1]  # the torn second line waits for its newline
    with open(path, "a") as handle:
        handle.write(lines[1][20:] + "".join(lines[2:]))
    for entry in [*first, *follower.poll()]:
        state.apply(entry)
    assert state.entries == 5 and state.title.startswith("DRILL") and state.version == 5
    path.write_text(lines[0])  # replaced by a shorter file (a new incident, or a restore)
    with pytest.raises(FileReplaced):
        follower.poll()


def test_serve_refuses_a_bad_port_or_zone_in_one_line() -> None:
    for args, expected in (
        (["--port", "70000"], "a port is 0 to 65535"),
        (["--tz", "Mars/Olympus"], "unknown time zone"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", "serve", "--journal", "j.jsonl", *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr
