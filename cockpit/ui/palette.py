"""The command palette (ctrl+p): exactly the key registry's commands, each run as if its
key were pressed."""

from __future__ import annotations

from functools import partial
from typing import Protocol, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from cockpit.ui.commands import KEY_DISPLAY, Command


class PaletteHost(Protocol):
    """What the palette needs of the app."""

    commands: list[Command]

    def palette_run(self, action: str) -> None: ...


def action_string(command: Command) -> str:
    if command.name.startswith("step_"):
        return f"step('{command.name.removeprefix('step_')}')"
    return command.name


class RegistryCommands(Provider):
    """The command palette lists exactly the registry's commands."""

    async def discover(self) -> Hits:
        app = cast("PaletteHost", self.app)
        for command in app.commands:
            yield DiscoveryHit(
                # Plain text, never markup: a key shown as "[/]" would be read as a closing tag.
                Text(f"{command.description} [{KEY_DISPLAY.get(command.key, command.key)}]"),
                partial(app.palette_run, action_string(command)),
                help=command.name,
            )

    async def search(self, query: str) -> Hits:
        app = cast("PaletteHost", self.app)
        matcher = self.matcher(query)
        for command in app.commands:
            text = f"{command.description} [{KEY_DISPLAY.get(command.key, command.key)}]"
            if (score := matcher.match(f"{command.name} {text}")) > 0:
                yield Hit(
                    score, matcher.highlight(text), partial(app.palette_run, action_string(command)), help=command.name
                )
