"""Crash safety: SIGKILL at random points loses no acknowledged entry, and resume restores
the incident (runbook, clock, severity, lead, baselines, countdown) and flags what was running."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from cockpit.core.runbook import Runbook, StepState
from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator, read

ROOT = Path(__file__).resolve().parent.parent


def run_until_killed(path: Path, acks_before_kill: int, seed: int) -> list[int]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.scripted_incident", str(path), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    acked: list[int] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ACK "):
            acked.append(int(line.split()[1]))
            if len(acked) >= acks_before_kill:
                proc.send_signal(signal.SIGKILL)
                break
        if line.startswith("DONE"):
            break
    proc.wait(30)
    return acked


def test_sigkill_at_random_points_loses_nothing_acknowledged_and_resume_restores(tmp_path: Path) -> None:
    rng = random.Random(20261121)
    interrupted_seen = 0
    for run in range(12):
        path = tmp_path / f"run{run}.jsonl"
        acked = run_until_killed(path, rng.randint(3, 70), seed=run)
        back = read(path)
        on_disk = {e.seq for e in back.entries}
        assert set(acked) <= on_disk, f"run {run}: acknowledged entries missing: {set(acked) - on_disk}"
        assert len(back.bad_lines) <= 1  # at most the one write the kill cut short
        expected = Runbook.from_entries(back.entries)
        journal = Journal.open(path, Operator("bob"))
        session = Session(build_drill(seed=run, speed=200), journal)
        assert session.runbook.states == expected.states
        interrupted = session.interrupted_actions()
        session.resume()
        for preview in interrupted:
            interrupted_seen += 1
            assert session.runbook.state(preview.step) is StepState.FAILED
            assert "interrupted" in session.runbook.reasons[preview.step]
        assert all(
            state is not StepState.RUNNING or step not in {p.step for p in interrupted}
            for step, state in session.runbook.states.items()
        )
        assert session.incident.declared == any(e.kind == "declare" for e in back.entries)
        entry = journal.append("note", "after the resume")
        assert entry.seq == max(on_disk) + 1 + len(interrupted) + 1 + sum(1 for p in interrupted if p.step)
        journal.close()
    assert interrupted_seen > 0  # some kills really landed in the middle of an action


def test_resume_restores_clock_severity_lead_baseline_and_countdown(tmp_path: Path) -> None:
    path = tmp_path / "inc.jsonl"
    journal = Journal.open(path, Operator("alice"))
    session = Session(build_drill(speed=1), journal)
    session.declare("checkout failing", "SEV1", "all checkouts", "alice")
    session.record("reading", "baseline", data={"baseline": True, "suspects": {"dupes": 42.0}})
    session.record("status", "lead handed to bob", data={"lead": "bob"})
    session.record("update", "status update sent", step="alert", data={"text": "we are on it"})
    declared_at = session.incident.declared_at
    journal.close()
    time.sleep(0.05)
    journal = Journal.open(path, Operator("carol"))
    again = Session(build_drill(speed=1), journal)
    assert again.incident.declared_at == declared_at and again.incident.severity == "SEV1"
    assert again.incident.lead == "bob" and again.baseline == {"dupes": 42.0}
    assert again.incident.last_update_at is not None and again.incident.update_countdown(again.board.clock()) > 0
    assert again.runbook.state("declare") is StepState.DONE
    again.resume()
    assert journal.entries[-1].data.get("resumed") and journal.entries[-1].operator == "carol"
    journal.close()
