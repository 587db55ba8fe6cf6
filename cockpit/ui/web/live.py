"""What the read-only web view shows, kept up to date by following the journal file.

`JournalFollower` reads only what was appended since the last look (whole lines; a line
still being written waits for its newline). `LiveState` folds each entry into the header,
gate, runbook, latest readings and the curated timeline (the newest rows only), so a
long incident costs the view no more memory than a short one.
"""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.core.redact import Redactor
from cockpit.core.runbook import Runbook
from cockpit.core.step_meta import steps_from_entries
from cockpit.incident.journal import Entry
from cockpit.incident.report.curate import Curator
from cockpit.incident.report.model import Charts, Marker, Row
from cockpit.incident.report.series import SeriesBuilder, readings_in

#: Timeline rows the page keeps (newest first on the page).
MAX_ROWS = 200
#: Action markers the charts keep (the newest).
MAX_MARKERS = 500
#: Bytes read per poll at most, so a huge journal is taken in over a few polls, not one gulp.
READ_CHUNK = 4 << 20


@dataclass(frozen=True)
class Condition:
    name: str
    ok: bool
    detail: str
    level: str = ""  # the gate state it is needed for: "mitigated" or "restored"


@dataclass
class LiveState:
    title: str = ""
    severity: str = ""
    lead: str = ""
    status: str = "not declared"
    declared_at: datetime | None = None
    last_at: datetime | None = None
    gate: str | None = None
    gate_reason: str = ""
    gate_at: datetime | None = None
    conditions: tuple[Condition, ...] = ()
    readings: dict[str, dict[str, float]] = field(default_factory=dict)
    readings_at: datetime | None = None
    runbook: Runbook = field(default_factory=Runbook)
    rows: deque[Row] = field(default_factory=lambda: deque(maxlen=MAX_ROWS))
    first_at: datetime | None = None
    series: SeriesBuilder = field(default_factory=SeriesBuilder)
    markers: deque[Marker] = field(default_factory=lambda: deque(maxlen=MAX_MARKERS))
    entries: int = 0
    version: int = 0
    _curator: Curator = field(default_factory=lambda: Curator(has_gate_entries=False))

    def apply(self, e: Entry) -> None:
        self.entries += 1
        self.first_at = self.first_at or e.at
        self.last_at = e.at
        d = e.data
        if e.kind == "declare":
            self.title, self.severity = str(d.get("title", "")), str(d.get("severity", ""))
            self.lead = str(d.get("lead", ""))
            self.declared_at = self.declared_at or e.at
            self.status = "open"
            if "steps" in d and not self.runbook.reasons and len(set(self.runbook.states.values())) <= 1:
                self.runbook = Runbook(steps_from_entries([e]))  # the runbook the journal was worked with
        elif e.kind == "status":
            for key in ("severity", "lead", "status"):
                if key in d:
                    setattr(self, key, str(d[key]))
            if "gate" in d and not self._curator.has_gate_entries:
                self.gate = "RESTORED" if d["gate"] == "green" else "NOT RESTORED"
                self.gate_reason = "" if d["gate"] == "green" else e.summary.removeprefix("gate broken: ")
                self.gate_at = e.at
        elif e.kind == "gate":
            self._curator.has_gate_entries = True
            self.gate, self.gate_reason, self.gate_at = str(d.get("state", "")), str(d.get("reason") or ""), e.at
            self.conditions = tuple(
                Condition(str(c.get("name", "")), bool(c.get("ok")), str(c.get("detail", "")), str(c.get("level", "")))
                for c in d.get("conditions") or ()
                if isinstance(c, dict)
            )
            if self.status not in ("closed",):
                self.status = {"MITIGATED": "mitigated", "RESTORED": "restored"}.get(self.gate, self.status)
        elif e.kind == "close":
            self.status = "closed"
        elif e.kind == "reopen":
            self.status = "reopened"
        self.runbook.apply(e)
        self._take_readings(e)
        for moment, readings in readings_in(e.kind, d, e.at):
            self.series.add_readings(moment, readings)
        row = self._curator.feed(e)
        if row is not None:
            self.rows.append(row)
            if row.is_action:
                self.markers.append(
                    Marker(row.at.timestamp(), f"{row.what} ({row.outcome}, {row.who})", row.outcome == "done")
                )
            elif e.kind == "gate" and self.gate in ("MITIGATED", "RESTORED"):
                self.markers.append(Marker(row.at.timestamp(), row.what, True, self.gate.lower()))
        self.version += 1

    def charts(self) -> Charts:
        """The readings so far as the report's charts (a marker per action, gate moments labelled)."""
        start = self.first_at.timestamp() if self.first_at else None
        end = self.last_at.timestamp() if self.last_at else None
        return Charts(self.series.build(), tuple(self.markers), start, end)

    def _take_readings(self, e: Entry) -> None:
        d = e.data
        source: Any = (
            d.get("after") if isinstance(d.get("after"), dict) else d if e.kind in ("reading", "status") else None
        )
        if not isinstance(source, dict):
            return
        took = False
        for family in ("error_rate", "queues", "suspects"):
            values = source.get(family)
            if isinstance(values, dict) and values:
                self.readings[family] = {
                    str(k): float(v)
                    for k, v in values.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                }
                took = True
        if took:
            self.readings_at = e.at


class JournalFollower:
    """Reads a journal from where it left off; tolerates a missing file and a half-written last line."""

    def __init__(self, path: str | Path, redactor: Redactor | None = None) -> None:
        self.path = Path(path)
        self.redactor = redactor or Redactor()
        self.offset = 0
        self._inode: int | None = None

    def poll(self) -> list[Entry]:
        try:
            with open(self.path, "rb") as handle:
                status = os.fstat(handle.fileno())
                if self._inode is not None and (status.st_ino != self._inode or status.st_size < self.offset):
                    raise FileReplaced(str(self.path))
                self._inode = status.st_ino
                if status.st_size <= self.offset:
                    return []
                handle.seek(self.offset)
                raw = handle.read(READ_CHUNK)
        except FileNotFoundError:
            return []
        end = raw.rfind(b"\n")
        if end < 0:
            return []  # a line still being written: wait for its newline
        self.offset += end + 1
        out = []
        for line in raw[: end + 1].splitlines():
            if not line.strip():
                continue
            try:
                entry = Entry.from_dict(json.loads(line))
            except (ValueError, UnicodeDecodeError, TypeError, AttributeError):
                continue  # the export and the cockpit report bad lines; the page just skips them
            out.append(Entry.from_dict(self.redactor(entry.to_dict())))
        return out


class FileReplaced(Exception):
    """The journal was truncated or replaced under us: start again from its beginning."""
