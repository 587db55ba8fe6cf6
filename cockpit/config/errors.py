"""The one exception a bad configuration raises."""

from __future__ import annotations

from cockpit.config.reader import Problem


class ConfigError(Exception):
    """The configuration cannot be used; `problems` says every reason."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.render(self.filename) for p in self.problems]
