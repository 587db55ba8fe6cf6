"""The README's examples pass the checks it tells the reader to run: its release file checks
clean against config.example.toml, and its Commands table names every option of `act`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, cwd=ROOT)


def test_the_readmes_release_example_checks_clean_against_the_example_config(tmp_path: Path) -> None:
    section = README[README.index("## The release file") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None, "the README's release file section has no TOML example"
    release = tmp_path / "release.toml"
    release.write_text(block.group(1), encoding="utf-8")
    done = _cli("check-config", "config.example.toml", "--release", str(release))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{release}: OK (release " in done.stdout


def test_the_readmes_act_row_names_every_option_of_act() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `cockpit act "))
    shown = set(re.findall(r"--[a-z][a-z-]+", row.split("|")[1]))
    done = _cli("act", "--help")
    assert done.returncode == 0, done.stderr
    options = set(re.findall(r"^\s+(--[a-z][a-z-]+)", done.stdout, re.M)) - {"--help"}
    assert options and options <= shown, f"act has {sorted(options - shown)}, the README's Commands table does not"
