"""Packaging: the top-level panels/ folder installs as cockpit.panels, never as `panels`
(PyPI has an unrelated package of that name)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_cockpit_has_its_panels_inside(tmp_path: Path) -> None:
    # Outside the source tree (pytest puts the tree itself on sys.path), as a user runs it.
    probe = (
        "import importlib.util, cockpit.panels.base as base; "
        "import pathlib; print(pathlib.Path(base.__file__).resolve()); print(importlib.util.find_spec('panels'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [str(ROOT / "panels" / "base.py"), "None"]


def test_a_wheel_installs_no_top_level_panels(tmp_path: Path) -> None:
    # A copy of the tree, so setuptools' build/ directory starts empty and stays out of the worktree.
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        symlinks=True,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "node_modules", "__pycache__", "*.egg-info", ".pytest_cache"
        ),
    )
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("cockpit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"cockpit", "-".join(wheel.name.split("-")[:2]) + ".dist-info"}
    panels = {p.name for p in (ROOT / "panels").glob("*.py")}
    assert {name.split("/")[-1] for name in names if name.startswith("cockpit/panels/")} == panels
    assert "cockpit/__main__.py" in names and "cockpit/ui/app.py" in names
    assert "cockpit/drill/release.toml" in names  # the drill's release file ships with it
