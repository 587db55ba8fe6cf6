"""The command-line contract: usage errors exit 2 with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True)


def test_unknown_subcommand_is_a_usage_error() -> None:
    done = run("launch-rockets")
    assert done.returncode == 2
    assert "invalid choice: 'launch-rockets'" in done.stderr
    assert "try 'cockpit --help'" in done.stderr


def test_missing_argument_is_a_usage_error() -> None:
    done = run("check-config")
    assert done.returncode == 2
    assert "the following arguments are required: PATH" in done.stderr


def test_no_subcommand_prints_help_and_exits_2() -> None:
    done = run()
    assert done.returncode == 2
    assert "check-config" in done.stderr


def test_help_lists_global_options() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "--operator" in done.stdout and "--read-only" in done.stdout


def test_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    for argv in (
        [sys.executable, "-m", "cockpit", "--version"],
        [str(Path(sys.executable).parent / "cockpit"), "--version"],
    ):
        done = subprocess.run(argv, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout == f"cockpit {version('cockpit')}\n"


def test_python_dash_m_cockpit_is_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(ROOT / "config.example.toml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "config.example.toml: OK (" in done.stdout
    done = subprocess.run([sys.executable, "-m", "cockpit", "launch-rockets"], capture_output=True, text=True)
    assert done.returncode == 2 and "try 'cockpit --help'" in done.stderr


def test_scripts_drill_starts_the_drill_on_a_terminal(tmp_path: Path) -> None:
    """The README's one drill command, on a real pseudo-terminal: it installs nothing more
    here (the suite's .venv is installed) and shows the drill's screen."""
    import contextlib
    import fcntl
    import os
    import pty
    import select
    import signal
    import struct
    import termios
    import time

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    journal = tmp_path / "drill.jsonl"
    env = dict(os.environ, TERM="xterm-256color")
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "drill"), "--journal", str(journal), "--operator", "tess"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=tmp_path,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 90
        while b"Runbook" not in seen or b"Declare" not in seen:
            assert time.monotonic() < deadline, f"no drill screen after 90 s; got {seen[-500:]!r}"
            assert proc.poll() is None, f"scripts/drill exited {proc.returncode}: {seen[-500:]!r}"
            if select.select([master], [], [], 0.5)[0]:
                with contextlib.suppress(OSError):  # the terminal closed under us: the poll above reports why
                    seen += os.read(master, 65536)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
        os.close(master)
    assert journal.exists()


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["check-config", "config.example.toml"], 141), (["--version"], 141), (["check-config", "--help"], 0)],
    ids=["check-config", "version", "help"],
)
def test_a_closed_stdout_ends_the_command_quietly(argv: list[str], code: int) -> None:
    """`cockpit check-config … | head -1`: the reader goes away; the command stops with
    the shell's SIGPIPE code and no traceback (the pipe's read end is closed before it
    starts). argparse's help already ignores a failed write and exits 0."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cockpit", *argv], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == code, (done.returncode, done.stderr)
