"""Drive the cockpit in a real tmux: a private server (-L unique socket), keys with
send-keys, the screen with capture-pane (-e for the attributes). Waits on screen
conditions, never on fixed sleeps."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TMUX_CONF = "set -sg escape-time 10\nset -g status off\nset -g history-limit 100\nset -g remain-on-exit on\n"


def tmux_or_skip() -> str:
    path = shutil.which("tmux")
    if path is None:
        pytest.skip("tmux is not installed (scripts/install-servers installs it)")
    return path


class Tmux:
    """One detached tmux session of W×H running one command."""

    def __init__(
        self, tmp_path: Path, command: str, width: int, height: int, env: dict[str, str] | None = None
    ) -> None:
        self.tmux = tmux_or_skip()
        self.socket = f"cockpit-test-{uuid.uuid4().hex[:10]}"
        conf = tmp_path / "tmux.conf"
        conf.write_text(TMUX_CONF)
        self.env = {
            k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "NO_COLOR", "COLUMNS", "LINES")
        }  # the pane has its own size
        self.env.update(env or {})
        # The program's own environment is set by `env` inside the pane: tmux gives a new
        # session its server's environment, plus TERM from default-terminal.
        inner = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
        self._run(
            "-f",
            str(conf),
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            str(width),
            "-y",
            str(height),
            f"cd {shlex.quote(str(tmp_path))} && exec env {inner} {command}",
        )

    def _run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args], capture_output=True, text=True, env=self.env, timeout=20
        )
        if done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args[:3])}: {done.stderr.strip()}")
        return done.stdout

    def keys(self, *keys: str) -> None:
        """tmux key names (Enter, Escape, Tab, Up, Down) or literal text."""
        for key in keys:
            self._run("send-keys", "-t", "main", key)

    def text(self, literal: str) -> None:
        self._run("send-keys", "-t", "main", "-l", literal)

    def capture(self, escapes: bool = False) -> str:
        return self._run("capture-pane", "-p", "-t", "main", *(["-e"] if escapes else []))

    def wait_for(
        self, predicate: Callable[[str], bool], timeout: float = 30.0, what: str = "", escapes: bool = False
    ) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.capture(escapes)
            if predicate(screen):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what or predicate}\n--- screen ---\n{screen}")

    def close(self) -> None:
        subprocess.run([self.tmux, "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=20)


def drill_command(journal: Path, speed: float = 30.0) -> str:
    cockpit = Path(sys.executable).parent / "cockpit"
    return f"{shlex.quote(str(cockpit))} --operator tess drill --speed {speed:g} --journal {shlex.quote(str(journal))}"


_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def attributes_of(screen: str, word: str) -> list[set[str]]:
    """For each occurrence of `word` on an `capture-pane -e` screen: the attributes
    (bold, reverse, colour) its characters all carry."""
    found = []
    for line in screen.splitlines():
        chars: list[tuple[str, frozenset[str]]] = []
        attrs: set[str] = set()
        pos = 0
        for match in _SGR.finditer(line):
            chars += [(c, frozenset(attrs)) for c in line[pos : match.start()]]
            attrs = _apply_sgr(attrs, match.group(1))
            pos = match.end()
        chars += [(c, frozenset(attrs)) for c in line[pos:]]
        plain = "".join(c for c, _ in chars)
        start = plain.find(word)
        while start >= 0:
            common = set.intersection(*(set(a) for _, a in chars[start : start + len(word)]))
            found.append(common)
            start = plain.find(word, start + 1)
    return found


def _apply_sgr(attrs: set[str], params: str) -> set[str]:
    codes = [p for p in re.split("[;:]", params)] if params else ["0"]
    attrs = set(attrs)
    i = 0
    while i < len(codes):
        code = int(codes[i] or 0)
        if code == 0:
            attrs.clear()
        elif code == 1:
            attrs.add("bold")
        elif code == 22:
            attrs.discard("bold")
        elif code == 7:
            attrs.add("reverse")
        elif code == 27:
            attrs.discard("reverse")
        elif code in (38, 48):
            i += 2 if i + 1 < len(codes) and codes[i + 1] == "5" else 4
            attrs.add("colour")
        elif 30 <= code <= 37 or 90 <= code <= 97 or 40 <= code <= 47 or 100 <= code <= 107:
            attrs.add("colour")
        i += 1
    return attrs
