"""The command-line contract: usage errors exit 2 with a clear message."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit.cli", *args], capture_output=True, text=True)


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
