"""The drill's first screen, and each dialog when it opens, reach the terminal once: through
a real pty, each panel's (or the dialog's) fixed text is written once, not repainted.

Textual wrote the first screen ~5 times in its first second (its own resize events, a
repaint asked for by the screen as it was shown, every widget repainted after its first
size, the footer's keys rebuilt twice) and help ~4 times (cockpit.ui.one_frame).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.terminal import PtyProcess, cockpit_argv


def _quiet(term: PtyProcess, quiet: float = 0.5, timeout: float = 30.0) -> None:
    """Pump until nothing was written for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = len(term.output)
        term.pump(quiet)
        if len(term.output) == before:
            return
    raise AssertionError("the drill never stopped writing")


def _drill(tmp_path: Path, size: tuple[int, int]) -> PtyProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    # Speed 0.01: the drill's clock barely moves, so nothing on screen changes by itself.
    argv = cockpit_argv("drill", "--speed", "0.01", "--journal", str(tmp_path / "j.jsonl"))
    return PtyProcess(argv, env, size=size)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
def test_the_first_screen_is_written_once(tmp_path: Path, size: tuple[int, int]) -> None:
    term = _drill(tmp_path, size)
    try:
        term.wait_for(lambda out: "Runbook" in out and "Error rate" in out, timeout=40, what="the first frame")
        _quiet(term)
        out = term.output
    finally:
        term.stop()
    # Panels whose text does not change once the drill's first readings are in: a repaint
    # of the whole screen (or of a column) writes their titles again.
    for title in (b"Error rate", b"Queues", b"Runbook"):
        assert out.count(title) == 1, (title, out.count(title), len(out))
    cols, rows = size
    assert len(out) < cols * rows * 8, len(out)  # under two frames (~3.5 bytes a cell); it was ~20


@pytest.mark.parametrize(
    ("key", "text"),
    [(b"?", b"what it does"), (b"n", b"Note for the incident log")],
)
def test_a_dialog_opens_in_one_frame(tmp_path: Path, key: bytes, text: bytes) -> None:
    term = _drill(tmp_path, (120, 36))
    try:
        term.wait_for(lambda out: "Runbook" in out and "Error rate" in out, timeout=40, what="the first frame")
        _quiet(term)
        start = len(term.output)
        term.send(key)
        term.wait_for(lambda out: text.decode() in out, timeout=20, what="the dialog")
        _quiet(term)
        opened = term.output[start:]
    finally:
        term.stop()
    assert opened.count(text) == 1, (opened.count(text), len(opened))
    assert len(opened) < 120 * 36 * 6, len(opened)  # one frame of the dimmed screen and the dialog
