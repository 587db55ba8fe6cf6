"""The layering rule of DESIGN.md: below the UI, nothing imports Textual; panels import no backend."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The UI package: everything under cockpit/ui/ may import Textual (as import-linter's contract says).
UI_PACKAGE = "cockpit/ui/"
UI_LIBRARIES = {"textual", "rich", "cockpit.panels"}
BACKEND_CLIENTS = {"redis", "psycopg", "psycopg_pool", "httpx", "prometheus_api_client", "requests"}


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name the file imports (`from a.b import c` counts as a.b and a.b.c)."""
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def imports_any(path: Path, packages: set[str]) -> bool:
    return any(name == pkg or name.startswith(pkg + ".") for name in imported_modules(path) for pkg in packages)


def test_core_modules_do_not_import_textual() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "cockpit").rglob("*.py")
        if not str(p.relative_to(ROOT)).startswith(UI_PACKAGE) and imports_any(p, UI_LIBRARIES)
    ]
    assert offenders == []


def test_panels_do_not_import_backend_clients() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "panels").rglob("*.py") if imports_any(p, BACKEND_CLIENTS)]
    assert offenders == []


def test_the_rule_itself_would_catch_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from textual.app import App\nimport redis.asyncio\nfrom cockpit import panels\n")
    assert imports_any(bad, {"textual"}) and imports_any(bad, {"redis"}) and imports_any(bad, {"cockpit.panels"})
    good = tmp_path / "good.py"
    good.write_text("from cockpit.core.readings import Board\nimport redistools\n")
    assert not imports_any(good, UI_LIBRARIES | BACKEND_CLIENTS)
