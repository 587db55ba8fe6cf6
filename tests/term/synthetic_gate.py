"""The drill cockpit, run as a real terminal program, that announces one synthetic gate
change (kind="gate", as the session journals it) a moment after start: the notification
path (listener -> notifier -> driver -> terminal bytes) is the real one.

    python -m tests.term.synthetic_gate JOURNAL [SPEED]
"""

from __future__ import annotations

import sys

from cockpit.core.session import Session
from cockpit.drill import build_drill
from cockpit.incident.journal import Entry, Journal, Operator
from cockpit.ui.app import CockpitApp

GATE_ENTRY = Entry(
    seq=10_000,
    ts="2026-11-29T02:00:00+00:00",
    operator="cockpit",
    kind="gate",
    summary="gate: MITIGATED — data: 382 duplicate discount holds (target 0)",
    data={
        "v": 1,
        "state": "MITIGATED",
        "previous": "NOT RESTORED",
        "reason": "data: 382 duplicate discount holds (target 0)",
        "conditions": [],
    },
)


class SyntheticGateApp(CockpitApp):
    def on_ready(self) -> None:
        self.set_timer(0.5, self._announce)

    def _announce(self) -> None:
        for listener in list(self.session.listeners):
            listener(GATE_ENTRY)
        for listener in list(self.session.listeners):
            listener(GATE_ENTRY)  # the same state twice: must signal once


def main() -> None:
    journal = Journal.open(sys.argv[1], Operator("pty"))
    speed = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    try:
        SyntheticGateApp(Session(build_drill(seed=7, speed=speed), journal)).run()
    finally:
        journal.close()


if __name__ == "__main__":
    main()
