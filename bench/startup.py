"""Start-up: launch to the first frame showing live values, through a real pty.

Compares `cockpit drill` with a minimal Textual app that paints one frame (the floor).
Run: .venv/bin/python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
FLOOR_APP = """
from textual.app import App
from textual.widgets import Static
class Floor(App):
    def compose(self):
        yield Static("FLOOR-READY")
Floor().run()
"""


def time_to_marker(argv: list[str], marker: bytes, timeout: float = 20.0) -> float:
    """Seconds from fork to the first time `marker` appears in what the program writes to its terminal."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"})
        os.execv(argv[0], argv)
    seen = b""
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    return time.perf_counter() - started
        raise RuntimeError(f"{argv} never showed {marker!r}")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR_APP)
        floor, drill = [], []
        for run in range(args.runs):
            floor.append(time_to_marker([sys.executable, str(floor_script)], b"FLOOR-READY"))
            # "CRIT" appears only once the error-rate panel shows a live value.
            drill.append(time_to_marker([str(VENV_BIN / "cockpit"), "drill", "--journal", f"{tmp}/d{run}.jsonl"],
                                        b"CRIT"))
    f, d = statistics.median(floor), statistics.median(drill)
    print(f"minimal Textual app, first frame:      median {f * 1000:6.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in floor)})")
    print(f"cockpit drill, first live values:      median {d * 1000:6.0f} ms  (runs: {', '.join(f'{x * 1000:.0f}' for x in drill)})")
    print(f"ratio drill / floor: {d / f:.2f}x")


if __name__ == "__main__":
    main()
