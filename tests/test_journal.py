"""The journal: durable appends, unique seq across processes, torn lines, resume, redaction."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cockpit.incident import journal
from cockpit.incident.journal import Journal, JournalError, Operator, Redactor

ALICE = Operator("alice", host="bastion", ssh_client="203.0.113.7")


def test_append_writes_one_json_line_per_entry(tmp_path: Path) -> None:
    path = tmp_path / "inc.jsonl"
    with Journal.open(path, ALICE) as j:
        first = j.append("declare", "Checkout failing", data={"severity": "SEV2"})
        second = j.append("note", "payments team paged", step="alert")
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    obj = json.loads(lines[1])
    assert obj["seq"] == 2 and obj["kind"] == "note" and obj["step"] == "alert"
    assert obj["operator"] == "alice"
    assert obj["origin"] == "bastion via ssh from 203.0.113.7"
    assert obj["ts"].endswith("Z")
    assert (first.seq, second.seq) == (1, 2)


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "j.jsonl", ALICE) as j, pytest.raises(ValueError, match="unknown journal kind"):
        j.append("gossip", "nope")


def test_opening_an_existing_journal_resumes_it(tmp_path: Path) -> None:
    path = tmp_path / "inc.jsonl"
    with Journal.open(path, ALICE) as j:
        j.append("declare", "x")
        j.append("note", "y")
    with Journal.open(path, Operator("bob")) as j:
        assert j.resumed
        assert [e.summary for e in j.entries] == ["x", "y"]
        entry = j.append("note", "bob here")
    assert entry.seq == 3 and entry.operator == "bob"


WRITER = textwrap.dedent("""
    import sys
    from cockpit.incident.journal import Journal, Operator
    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Journal.open(path, Operator(name)) as j:
        for i in range(count):
            j.append("note", f"{name} {i}")
""")


def test_concurrent_appends_from_two_processes_keep_every_entry(tmp_path: Path) -> None:
    path = tmp_path / "shared.jsonl"
    count = 150
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count)]) for name in ("alice", "bob")]
    assert [p.wait(60) for p in procs] == [0, 0]
    back = journal.read(path)
    assert back.bad_lines == []
    assert len(back.entries) == 2 * count
    seqs = [e.seq for e in back.entries]
    assert seqs == sorted(seqs) and len(set(seqs)) == 2 * count  # strictly increasing in file order
    for name in ("alice", "bob"):
        mine = [e.summary for e in back.entries if e.operator == name]
        assert mine == [f"{name} {i}" for i in range(count)]


def test_torn_last_line_is_reported_and_every_whole_entry_kept(tmp_path: Path) -> None:
    path = tmp_path / "inc.jsonl"
    with Journal.open(path, ALICE) as j:
        for i in range(5):
            j.append("note", f"entry {i}")
    raw = path.read_bytes()
    whole = raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 1]
    last = raw[len(whole) :]
    path.write_bytes(whole + last[: len(last) // 2])  # the last write cut in half
    back = journal.read(path)
    assert [e.summary for e in back.entries] == [f"entry {i}" for i in range(4)]
    assert back.torn_tail is not None and back.torn_tail.line_no == 5
    # Resuming keeps the fragment on its own line and goes on with the next seq.
    with Journal.open(path, ALICE) as j:
        assert j.bad_lines and j.bad_lines[-1].reason == "torn"
        entry = j.append("note", "after the crash")
    assert entry.seq == 5
    back = journal.read(path)
    assert [e.summary for e in back.entries][-1] == "after the crash"
    assert len(back.bad_lines) == 1 and back.bad_lines[0].line_no == 5


def test_configured_secret_never_reaches_the_file(tmp_path: Path) -> None:
    secret = "s3cr3t-hunter2-token"
    env = {"PG_REPAIR_DSN": f"postgresql://repair:{secret}@db:5432/shop", "DEPLOY_TOKEN": "tok-9f8e7d6c"}
    redactor = Redactor.from_env(["PG_REPAIR_DSN", "DEPLOY_TOKEN", "UNSET_VAR"], env)
    path = tmp_path / "inc.jsonl"
    with Journal.open(path, ALICE, redactor) as j:
        j.append(
            "action",
            f"connected with {env['PG_REPAIR_DSN']}",
            data={
                "dsn": "anything",
                "argv": ["deploy", "--token", "tok-9f8e7d6c"],
                "nested": {"Authorization": "Bearer abc", "output": f"error: password {secret} rejected"},
                "url": "https://user:other-pass@hooks.example.com/x",
            },
        )
    text = path.read_text()
    for leaked in (secret, "tok-9f8e7d6c", "Bearer abc", "other-pass"):
        assert leaked not in text
    entry = journal.read(path).entries[0]
    assert entry.summary == "connected with [redacted]"
    assert entry.data["dsn"] == "[redacted]"
    assert entry.data["argv"] == ["deploy", "--token", "[redacted]"]
    assert entry.data["nested"]["Authorization"] == "[redacted]"
    assert entry.data["url"] == "https://user:[redacted]@hooks.example.com/x"


def test_appends_are_fsynced_before_returning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real_fsync = journal.os.fsync
    monkeypatch.setattr(journal.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    with Journal.open(tmp_path / "inc.jsonl", ALICE) as j:
        before = len(synced)
        j.append("note", "durable")
        assert len(synced) == before + 1


def test_a_failed_write_raises_and_says_the_entry_is_not_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Journal.open(tmp_path / "inc.jsonl", ALICE) as j:

        def disk_full(fd, data):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(journal.os, "write", disk_full)
        with pytest.raises(JournalError, match=r"No space left on device.*NOT saved"):
            j.append("note", "lost?")
        assert j.entries == [] and j.last_seq == 0


def test_operator_detection_order() -> None:
    env = {"COCKPIT_OPERATOR": "carol", "SSH_CLIENT": "198.51.100.4 50022 22"}
    assert Operator.detect("dave", env).name == "dave"
    detected = Operator.detect(None, env)
    assert detected.name == "carol" and detected.ssh_client == "198.51.100.4"
    assert Operator.detect(None, {}).name  # falls back to the login name
    assert Operator.detect(None, {}).ssh_client is None


def test_refresh_sees_entries_from_another_writer(tmp_path: Path) -> None:
    path = tmp_path / "inc.jsonl"
    with Journal.open(path, ALICE) as a, Journal.open(path, Operator("bob")) as b:
        a.append("note", "from alice")
        assert [e.summary for e in b.refresh()] == ["from alice"]
        assert b.append("note", "from bob").seq == 2
