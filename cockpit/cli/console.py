"""What headless commands print: every line redacted like the journal and made visible.

`snapshot`, `act` and their error messages print backend text (queue names, errors that
echo a URL with its token, command output). One writer puts all of it through the same
`Redactor` as the journal and through `visible()`, so no output channel is an exception.
"""

from __future__ import annotations

import sys
from typing import TextIO

from cockpit.core.redact import Redactor
from cockpit.core.safe_text import visible


class Console:
    """Prints to stdout/stderr through the journal's redaction and `visible()`."""

    def __init__(self, redactor: Redactor | None = None, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.redactor = redactor or Redactor()
        self._out = out
        self._err = err

    def safe(self, text: str) -> str:
        return visible(self.redactor.text(str(text)), newlines=True, tabs=True)

    def out(self, text: str = "") -> None:
        print(self.safe(text), file=self._out or sys.stdout, flush=True)

    def err(self, text: str) -> None:
        print(self.safe(text), file=self._err or sys.stderr, flush=True)
