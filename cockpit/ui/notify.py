"""Getting the attention of someone who looked away: the terminal bell and an OSC 9
desktop notification, once per change, for the events that matter at 2 a.m.

- the gate changes state (NOT RESTORED / MITIGATED / RESTORED, either way);
- a guard halts a step (an action ends not ok: stopped, refused, rolled back);
- a region's flag backend goes UNREACHABLE;
- the next status update falls due.

The decisions (`Notifier`) know nothing of terminals; `terminal_bytes` builds what is
written: BEL, then `ESC ] 9 ; text BEL`, wrapped for tmux passthrough
(`ESC P tmux; …ESC-doubled… ESC \\`) when running inside tmux. tmux passes it on only with
`set -g allow-passthrough on` (tmux ≥ 3.3); BEL works without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from cockpit.config import NotifyConfig
from cockpit.core.readings import FLAGS, Board
from cockpit.core.safe_text import visible
from cockpit.incident.journal import Entry

#: An OSC 9 text longer than this is cut: terminals show a line, not a report.
MAX_TEXT = 160


class Notice(NamedTuple):
    event: str  # gate, guard, unreachable, update_due
    text: str


def terminal_bytes(text: str, *, bell: bool = True, osc9: bool = True, tmux: bool = False) -> str:
    """What to write to the terminal for one notice (a str of terminal bytes)."""
    out = "\a" if bell else ""
    if osc9:
        # The text must not end the sequence early or carry controls of its own.
        body = visible(text)[:MAX_TEXT].replace("\u241b", "")
        osc = f"\x1b]9;{body}\x07"
        if tmux:
            osc = "\x1bPtmux;" + osc.replace("\x1b", "\x1b\x1b") + "\x1b\\"
        out += osc
    return out


def in_tmux(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("TMUX"))


def unreachable_regions(board: Board) -> list[str]:
    """Regions whose every flag cell is unreachable (the region's backend is down)."""
    regions: dict[str, bool] = {}  # region -> every cell so far unreachable
    for name, slot in board.slots(FLAGS):
        region = name.partition("@")[2]
        regions[region] = regions.get(region, True) and slot.latest.error is not None
    return [region for region, down in regions.items() if down]


class Notifier:
    """Turns journal entries and readings into notices, each change once."""

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config
        self._gate: str | None = None
        self._unreachable: set[str] = set()
        self._update_due = False
        #: (board, its flags version) -> the regions down then: UNREACHABLE follows the
        #: readings' errors, not the clock, so it is worked out again only when they change.
        self._regions_seen: tuple[int, int, list[str]] | None = None

    def seed(self, entries: Iterable[Entry]) -> None:
        """Learn the gate state already in the journal (a resume must not ring for old news)."""
        for entry in entries:
            if entry.kind == "gate" and isinstance(entry.data.get("state"), str):
                self._gate = entry.data["state"]
            elif entry.kind == "status" and entry.data.get("gate") in ("green", "broken"):
                self._gate = "RESTORED" if entry.data["gate"] == "green" else "NOT RESTORED"

    def on_entry(self, entry: Entry) -> Notice | None:
        data = entry.data
        if entry.kind == "gate" and isinstance(data.get("state"), str):
            return self._gate_change(data["state"], entry.summary)
        if entry.kind == "status" and data.get("gate") in ("green", "broken"):
            # Journals from before gate entries: green is RESTORED, broken is NOT RESTORED.
            state = "RESTORED" if data["gate"] == "green" else "NOT RESTORED"
            return self._gate_change(state, f"gate: {state} — {entry.summary}")
        if entry.kind == "guard" and data.get("event") in ("halt", "pause"):
            return Notice("guard", entry.summary) if self.config.guard else None
        if entry.kind == "action" and data.get("phase") == "result" and data.get("ok") is False:
            if not self.config.guard:
                return None
            where = f"step {entry.step}" if entry.step else str(data.get("action", "an action"))
            return Notice("guard", f"HALTED {where}: {entry.summary}")
        return None

    def _gate_change(self, state: str, summary: str) -> Notice | None:
        if state == self._gate:
            return None
        self._gate = state
        return Notice("gate", summary) if self.config.gate else None

    def on_regions(self, unreachable: Iterable[str]) -> list[Notice]:
        """Regions now unreachable: a notice for each that just became so."""
        now = set(unreachable)
        new = sorted(now - self._unreachable)
        self._unreachable = now
        if not self.config.unreachable:
            return []
        return [Notice("unreachable", f"region {name} UNREACHABLE: flag values there are unknown") for name in new]

    def on_board(self, board: Board, countdown: float | None) -> list[Notice]:
        """Everything the readings and the clock say now (called on every screen refresh)."""
        key = (id(board), board.version(FLAGS))
        if self._regions_seen is None or self._regions_seen[:2] != key:
            self._regions_seen = (*key, unreachable_regions(board))
        notices = self.on_regions(self._regions_seen[2])
        if (due := self.on_countdown(countdown)) is not None:
            notices.append(due)
        return notices

    def on_countdown(self, countdown: float | None) -> Notice | None:
        """Once when the next status update falls due; again only after one was sent."""
        due = countdown is not None and countdown <= 0
        became_due = due and not self._update_due
        self._update_due = due
        if became_due and self.config.update_due:
            return Notice("update_due", "status update due now (a)")
        return None
