"""Run a cockpit command in a real pseudo-terminal and collect every byte it writes."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Mapping, Sequence


class PtyProcess:
    """A child process on a pty of a given size; `output` is every byte it wrote."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], size: tuple[int, int] = (140, 45)) -> None:
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        # COLUMNS/LINES (set in pytest-xdist workers) would override the pty's size in Textual.
        child_env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
        self.proc = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=child_env, start_new_session=True, close_fds=True
        )
        os.close(slave)
        self.output = b""

    def pump(self, seconds: float = 0.1) -> None:
        ready, _, _ = select.select([self.master], [], [], seconds)
        if ready:
            try:
                self.output += os.read(self.master, 1 << 16)
            except OSError:  # the child closed the pty
                time.sleep(seconds)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 60.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if predicate(self.output.decode("utf-8", "replace")):
                return
        tail = self.output[-3000:].decode("utf-8", "replace")
        raise AssertionError(f"timed out waiting for {what}; last output:\n{tail}")

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # our own child's process group only
        self.proc.wait(timeout=10)
        os.close(self.master)


def cockpit_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "cockpit", *args]
