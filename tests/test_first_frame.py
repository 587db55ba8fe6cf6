"""The drill's first screen is written to the terminal once, through a real pty.

Textual repainted it three times in the ~50 ms after the first frame (the driver's first
`Resize` events lay it out again, and the screen asked for a whole repaint when shown):
~36 KB more at 120x36. Repaints of unchanged lines are now dropped (cockpit.ui.frames).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.terminal import PtyProcess, cockpit_argv


def _settle(term: PtyProcess, quiet: float = 0.4, timeout: float = 30.0) -> None:
    """Pump until the terminal has had no output for `quiet` seconds (the start-up burst is over)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = len(term.output)
        term.pump(quiet)
        if len(term.output) == before:
            return
    raise AssertionError("the drill never stopped writing")


def test_the_first_screen_is_written_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    term = PtyProcess(cockpit_argv("drill", "--journal", str(tmp_path / "j.jsonl")), env, size=(120, 36))
    try:
        term.wait_for(lambda out: "Incident log" in out and "palette" in out, timeout=40, what="the first frame")
        _settle(term)
        out = term.output
    finally:
        term.stop()
    # Each panel's title is on the screen once; a repaint of the whole screen (or of a
    # column) writes the titles again.
    for title in (b"Error rate", b"Queues", b"Runbook", b"Incident log"):
        assert out.count(title) == 1, (title, out.count(title), len(out))
    assert len(out) < 20_000, len(out)  # one frame at 120x36 is ~12 KB; it was ~48 KB
