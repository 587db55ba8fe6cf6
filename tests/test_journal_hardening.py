"""The journal at its edges: seq never reused across writers, bad lines reported and
skipped (never a crash), no entry written without a valid ts, `act` marks interrupted actions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from cockpit.journal import Journal, Operator, read


def test_seq_is_never_reused_while_another_process_appends(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    Journal.open(path, Operator("setup")).close()
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f'''
        from cockpit.journal import Journal, Operator
        j = Journal.open({str(path)!r}, Operator("bob"))
        for i in range(3000):
            j.append("note", f"bob {{i}}")
        ''')])
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
