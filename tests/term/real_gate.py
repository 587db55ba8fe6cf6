"""The drill cockpit, run as a real terminal program, driven through the real steps (declare,
pause, flags, revert, caches) until the session's own gate evaluation turns MITIGATED: the
gate entry, the notifier and the terminal bytes are all the product's.

    python -m tests.term.real_gate JOURNAL [SPEED]
"""

from __future__ import annotations

import sys

from cockpit.actions import Preview
from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Journal, Operator
from cockpit.ui.app import CockpitApp

STEPS = ("pause_risky", "flags_safe", "revert", "clear_caches")


async def yes(preview: Preview) -> Preview:
    return preview


class RealGateApp(CockpitApp):
    def on_ready(self) -> None:
        self.run_worker(self._drive(), exclusive=False)

    async def _drive(self) -> None:
        self.session.declare("Checkout failing", "SEV2", "customers cannot pay", "pty")
        for name in STEPS:
            await self.session.run_action(name, yes)


def main() -> None:
    journal = Journal.open(sys.argv[1], Operator("pty"))
    speed = float(sys.argv[2]) if len(sys.argv) > 2 else 120.0
    try:
        RealGateApp(Session(build_drill(seed=7, speed=speed), journal)).run()
    finally:
        journal.close()


if __name__ == "__main__":
    main()
