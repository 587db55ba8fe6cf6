"""README's key table is the registry's, the same one the help screen shows."""

from __future__ import annotations

from pathlib import Path

from cockpit.ui.commands import KEY_DISPLAY, PALETTE, commands, markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_key_table_equals_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    start, end = text.index("<!-- keys:start -->\n"), text.index("<!-- keys:end -->")
    shown = text[start + len("<!-- keys:start -->\n") : end]
    assert shown == markdown_table(), "README's key table is stale: paste `python -m cockpit.ui.commands` into it"


def test_the_table_has_every_command_and_its_key() -> None:
    table = markdown_table()
    for command in commands(False):
        assert f"| `{KEY_DISPLAY.get(command.key, command.key)}` | {command.name} |" in table
    assert PALETTE[0] in table
