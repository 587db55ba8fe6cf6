"""Run a program on a real pseudo-terminal and collect every byte it writes."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Sequence


class PtyRun:
    def __init__(
        self, argv: Sequence[str], env: dict[str, str], cols: int = 100, rows: int = 30, cwd: str | None = None
    ) -> None:
        self.output = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the program, with the pty as its controlling terminal
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], list(argv), env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def read_until(self, predicate: Callable[[bytes], bool], timeout: float = 30.0) -> bytes:
        deadline = time.monotonic() + timeout
        while not predicate(bytes(self.output)):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; last output: {bytes(self.output[-600:])!r}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.2))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the program ended; last output: {bytes(self.output[-600:])!r}")
                self.output += chunk
        return bytes(self.output)

    def wait_exit(self, timeout: float = 20.0) -> int:
        """Read until the program ends; its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.1)[0]:
                with contextlib.suppress(OSError):
                    self.output += os.read(self.fd, 65536)
        raise AssertionError(f"the program did not end; last output: {bytes(self.output[-600:])!r}")

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> None:
        if not self.pid:
            os.close(self.fd)
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            with contextlib.suppress(OSError):
                os.read(self.fd, 65536) if select.select([self.fd], [], [], 0.1)[0] else None
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
