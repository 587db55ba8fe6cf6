"""Helpers for driving the drill cockpit with Textual's pilot."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from cockpit.core.session import Session
from cockpit.drill import DrillBackends, build_drill
from cockpit.incident.journal import Journal, Operator, read
from cockpit.ui.app import CockpitApp
from tests.screen import screen_text


def drill_app(
    journal_path: Path, *, speed: float = 60.0, seed: int = 7, read_only: bool = False, operator: str = "alice"
) -> tuple[CockpitApp, DrillBackends, Journal]:
    backends = build_drill(seed=seed, speed=speed)
    journal = Journal.open(journal_path, Operator(operator))
    return CockpitApp(Session(backends, journal, read_only=read_only)), backends, journal


async def wait_until(pilot: Pilot, predicate: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Pause the pilot until `predicate()` holds. The default timeout is generous: it only
    bounds a failure, and a test machine shared by several suites can be slow to paint."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what or predicate}\n--- screen ---\n{screen_text(pilot.app)}")


def journal_entries(path: Path) -> list:
    return read(path).entries
