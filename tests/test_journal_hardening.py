"""The journal at its edges: seq never reused across writers, bad lines reported and
skipped (never a crash), no entry written without a valid ts, `act` marks interrupted actions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cockpit.incident.journal import Journal, Operator, read


def test_seq_is_never_reused_while_another_process_appends(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    Journal.open(path, Operator("setup")).close()
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        from cockpit.incident.journal import Journal, Operator
        j = Journal.open({str(path)!r}, Operator("bob"))
        for i in range(3000):
            j.append("note", f"bob {{i}}")
        """),
        ]
    )
    try:
        opened = 0
        while writer.poll() is None or opened < 50:
            with Journal.open(path, Operator("alice")) as journal:
                journal.append("note", f"alice {opened}")
            opened += 1
    finally:
        writer.wait(timeout=120)
    seqs = [e.seq for e in read(path).entries]
    assert len(seqs) == 3000 + opened
    assert seqs == sorted(set(seqs)), [s for s in seqs if seqs.count(s) > 1][:10]


def _line(seq: int, **over) -> str:
    entry = {
        "seq": seq,
        "ts": f"2026-11-29T09:00:{seq:02d}.000Z",
        "operator": "alice",
        "origin": "h",
        "kind": "note",
        "step": None,
        "summary": f"note {seq}",
        "data": {},
    }
    entry.update(over)
    return json.dumps(entry)


def _bad_journal(path: Path) -> None:
    path.write_text(
        "\n".join(
            [
                _line(
                    1,
                    kind="declare",
                    step="declare",
                    summary="declared SEV2: x",
                    data={"title": "x", "severity": "SEV2", "scope": "s", "lead": "alice"},
                ),
                _line(2, ts="UTC"),  # unparsable ts
                _line(3, ts=None),  # the old mirror bug wrote "None"
                _line(4, ts="None"),
                _line(5, summary=["not", "text"]),  # wrong type
                _line(6, data="a string"),
                _line(7, ts="2026-11-29T09:00:07"),  # no UTC offset
                _line(8),
            ]
        )
        + "\n"
    )


def test_bad_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _bad_journal(path)
    back = read(path)
    assert [e.seq for e in back.entries] == [1, 8]
    assert [b.line_no for b in back.bad_lines] == [2, 3, 4, 5, 6, 7]
    assert "bad ts 'UTC'" in back.bad_lines[0].reason and "summary is not text" in back.bad_lines[3].reason
    export = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(path)], capture_output=True, text=True, timeout=60
    )
    assert export.returncode == 0, export.stderr
    assert f"{path}:2: skipped" in export.stderr and "Traceback" not in export.stderr
    with Journal.open(path, Operator("bob")) as journal:  # resume: opens, appends after the highest seq
        assert journal.append("note", "after").seq == 9


def test_the_cockpit_resumes_a_journal_with_bad_lines(tmp_path: Path) -> None:
    from cockpit.core.session import Session
    from cockpit.drill import build_drill

    path = tmp_path / "j.jsonl"
    _bad_journal(path)
    with Journal.open(path, Operator("bob")) as journal:
        session = Session(build_drill(seed=7, speed=60), journal)
        session.resume()
        assert session.incident.declared
        assert all(e.at for e in read(path).entries)


def test_a_mirrored_entry_without_ts_gets_one(tmp_path: Path) -> None:
    from cockpit.core.session import Session
    from cockpit.drill import build_drill

    path = tmp_path / "j.jsonl"
    with Journal.open(path, Operator("alice")) as journal:
        session = Session(build_drill(seed=7, speed=60), journal)
        for ts in (None, "UTC", 12):
            original = {"operator": "bob", "kind": "note", "summary": "from bob", "data": {}}
            if ts is not None:
                original["ts"] = ts
            assert session.mirror(original) is not None
    back = read(path)
    assert not back.bad_lines and len(back.entries) == 3
    assert [e.data["ts_replaced"] for e in back.entries] == ["None", "UTC", "12"]


@pytest.mark.servers
def test_act_marks_an_action_it_finds_interrupted(tmp_path: Path, redis_url: str) -> None:
    from tests.test_actions_live import config_text

    path = tmp_path / "j.jsonl"
    path.write_text(
        "\n".join(
            [
                _line(
                    1,
                    kind="action",
                    step="stop",
                    summary="Pause the risky queues: preview: payment-retry",
                    data={"action": "pause_risky", "phase": "preview", "touches": ["payment-retry"], "counts": {}},
                ),
                _line(
                    2,
                    kind="action",
                    step="stop",
                    summary="Pause the risky queues: confirmed",
                    data={"action": "pause_risky", "phase": "confirm", "choice": "confirm"},
                ),
            ]
        )
        + "\n"
    )
    config = tmp_path / "c.toml"
    config.write_text(config_text(redis_url, journal=path))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cockpit",
            "act",
            "--config",
            str(config),
            "pause_queue",
            "payment-retry",
            "--dry-run",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "INTERRUPTED, state unknown: pause_risky" in done.stderr
    marks = [e for e in read(path).entries if e.data.get("interrupted") == "pause_risky"]
    assert len(marks) == 1 and "payment-retry" in marks[0].summary
    steps = [e for e in read(path).entries if e.kind == "step" and e.step == "stop"]
    assert steps and steps[-1].data["state"] == "failed"
