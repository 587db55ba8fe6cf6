"""BEL and OSC 9 on a gate change, read from the program's real pseudo-terminal."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cockpit.ui.notify import terminal_bytes
from tests.term.pty_run import PtyRun

ROOT = Path(__file__).resolve().parents[2]
OSC9 = b"\x1b]9;cockpit: gate: MITIGATED"


def run_gate_drill(tmp_path: Path, extra_env: dict[str, str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR")}
    env.update({"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), **extra_env})
    run = PtyRun(
        [sys.executable, "-m", "tests.term.synthetic_gate", str(tmp_path / "j.jsonl"), "120"], env, cwd=str(ROOT)
    )
    try:
        tmux_osc = b"\x1bPtmux;\x1b\x1b]9;cockpit: gate: MITIGATED"
        wanted = tmux_osc if "TMUX" in extra_env else OSC9
        out = run.read_until(lambda b: wanted in b and b.find(b"\x07", b.find(wanted)) >= 0, timeout=40)
        # Wait a little longer: the second (identical) announcement must not ring again.
        run.read_until(lambda b: len(b) > len(out) + 2000, timeout=40)
        return bytes(run.output)
    finally:
        run.close()


def test_a_gate_change_rings_the_bell_and_sends_osc9_once(tmp_path: Path) -> None:
    out = run_gate_drill(tmp_path, {})
    at = out.index(OSC9)
    assert out[at - 1 : at] == b"\x07"  # BEL right before the notification
    assert (
        out[at:].split(b"\x07", 1)[0] == b"\x1b]9;cockpit: gate: MITIGATED \xe2\x80\x94 data: 382 duplicate "
        b"discount holds (target 0)"
    )
    assert out.count(OSC9) == 1


def test_inside_tmux_the_notification_is_wrapped_for_passthrough(tmp_path: Path) -> None:
    out = run_gate_drill(tmp_path, {"TMUX": "/tmp/tmux-test/default,1,0"})
    expected = terminal_bytes(
        "cockpit: gate: MITIGATED — data: 382 duplicate discount holds (target 0)", tmux=True
    ).encode()
    assert expected.startswith(b"\x07\x1bPtmux;\x1b\x1b]9;") and expected.endswith(b"\x07\x1b\\")
    assert out.count(expected) == 1
    assert OSC9 not in out.replace(expected, b"")  # never unwrapped inside tmux


@pytest.mark.parametrize(
    "bell,osc9,expected", [(False, True, "\x1b]9;hi\x07"), (True, False, "\x07"), (False, False, "")]
)
def test_each_signal_can_be_turned_off(bell: bool, osc9: bool, expected: str) -> None:
    assert terminal_bytes("hi", bell=bell, osc9=osc9) == expected


def test_outside_text_cannot_end_the_notification_early() -> None:
    out = terminal_bytes("queue \x1b]0;pwned\x07 down")
    assert out.count("\x07") == 2 and out.count("\x1b") == 1


def test_a_real_gate_change_from_the_drill_rings_once(tmp_path: Path) -> None:
    """Not a synthetic entry: the drill is driven through its steps until the session's own
    gate evaluation journals MITIGATED; the pty then carries BEL + OSC 9 for it, once."""
    from cockpit.incident.journal import read

    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR")}
    env.update({"TERM": "xterm-256color", "PYTHONPATH": str(ROOT)})
    journal = tmp_path / "j.jsonl"
    run = PtyRun([sys.executable, "-m", "tests.term.real_gate", str(journal), "120"], env, cwd=str(ROOT))
    try:
        out = run.read_until(lambda b: OSC9 in b and b.find(b"\x07", b.find(OSC9)) >= 0, timeout=120)
        run.read_until(lambda b: len(b) > len(out) + 2000, timeout=40)  # no second ring for the same state
        out = bytes(run.output)
    finally:
        run.close()
    gates = [e for e in read(journal).entries if e.kind == "gate" and e.data.get("state") == "MITIGATED"]
    assert gates, "the session journaled no MITIGATED gate"
    at = out.index(OSC9)
    assert out[at - 1 : at] == b"\x07"
    assert out[at:].split(b"\x07", 1)[0] == f"\x1b]9;cockpit: {gates[0].summary}".encode()
    assert out.count(OSC9) == len(gates)  # once per journaled change to MITIGATED, no more
