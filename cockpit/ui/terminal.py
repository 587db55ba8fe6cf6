"""The terminal the UI draws on: the controlling terminal, even when stdin, stdout or
stderr is redirected (`cockpit run 2>err.log` must not draw the screen into err.log).

Textual draws on file descriptor 2 and reads descriptor 0. When either is not a terminal,
they are pointed at /dev/tty for the run, and Python's own error output (tracebacks,
warnings, Textual's crash report) keeps going where stderr was sent.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO


def use_controlling_terminal() -> TextIO | None:
    """Point fds 0 and 2 at /dev/tty where they are not terminals. Returns the stream errors
    now go to (the redirected stderr), or None when nothing had to change. Raises OSError
    when there is no controlling terminal at all."""
    stdin_tty, stderr_tty = os.isatty(0), os.isatty(2)
    if stdin_tty and stderr_tty:
        return None
    tty = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    errors: TextIO | None = None
    try:
        if not stderr_tty:
            # Keep the redirected stderr for errors, then draw on the terminal instead.
            errors = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="backslashreplace")
            os.dup2(tty, 2)
            sys.stderr = errors
        if not stdin_tty:
            os.dup2(tty, 0)
    finally:
        os.close(tty)
    return errors
