"""The layering rule of DESIGN.md: below the UI, nothing imports Textual; panels import no backend."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_MODULES = {"cockpit/app.py", "cockpit/screens.py"}
BACKEND_CLIENTS = {"redis", "psycopg", "psycopg_pool", "httpx", "prometheus_api_client", "requests"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_modules_do_not_import_textual() -> None:
    offenders = [
        str(p.relative_to(ROOT)) for p in (ROOT / "cockpit").rglob("*.py")
        if str(p.relative_to(ROOT)) not in UI_MODULES and {"textual", "rich", "panels"} & imported_roots(p)
    ]
    assert offenders == []


def test_panels_do_not_import_backend_clients() -> None:
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "panels").rglob("*.py")
                 if BACKEND_CLIENTS & imported_roots(p)]
    assert offenders == []


def test_the_rule_itself_would_catch_an_offender(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from textual.app import App\nimport redis.asyncio\n")
    assert {"textual", "redis"} <= imported_roots(bad)
