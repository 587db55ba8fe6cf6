"""`cockpit drill 2>err.log` still draws on the terminal; errors go to the file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.term.pty_run import PtyRun

ROOT = Path(__file__).resolve().parents[2]


def test_redirected_stderr_still_draws_on_the_controlling_terminal(tmp_path: Path) -> None:
    err = tmp_path / "err.log"
    cockpit = Path(sys.executable).parent / "cockpit"
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "NO_COLOR")}
    env["TERM"] = "xterm-256color"
    command = f"exec '{cockpit}' drill --speed 60 --journal '{tmp_path / 'j.jsonl'}' 2>'{err}' >'{tmp_path / 'out'}'"
    run = PtyRun(["/bin/sh", "-c", command], env, cwd=str(tmp_path))
    try:
        # (At 100 columns the log is hidden: the narrow layout, from the first frame on.)
        run.read_until(lambda b: b"Runbook" in b and b"Error rate" in b, timeout=40)
        run.write(b"q")
        run.read_until(lambda b: b"Quit cockpit?" in b, timeout=20)
        run.write(b"y")
        assert run.wait_exit() == 0
        assert b"\x1b[?1049l" in run.output  # left the alternate screen
    finally:
        run.close()
    logged = err.read_text()
    assert "\x1b[" not in logged, logged[:300]  # no screen drawn into the error log
    assert "journal:" in (tmp_path / "out").read_text()
