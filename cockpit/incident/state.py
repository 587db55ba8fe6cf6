"""The incident itself (title, severity, lead, clock, update countdown), rebuilt from the journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.config import IncidentDefaults
from cockpit.incident.journal import Entry


@dataclass
class Incident:
    title: str
    severity: str
    lead: str
    scope: str = ""
    declared_at: datetime | None = None
    last_update_at: datetime | None = None
    update_interval: float = 1800.0
    status: str = "open"  # open, mitigated, restored, closed
    closed_at: datetime | None = None
    driver: str | None = None  # who is at the keyboard in a shared session

    @classmethod
    def from_defaults(cls, defaults: IncidentDefaults) -> Incident:
        return cls(defaults.title, defaults.severity, defaults.lead or "", update_interval=defaults.update_interval)

    def apply(self, entry: Entry) -> None:
        """Replay one journal entry (resume is replaying them all)."""
        data = entry.data
        if entry.kind == "declare":
            self.title = str(data.get("title", self.title))
            self.severity = str(data.get("severity", self.severity))
            self.lead = str(data.get("lead", self.lead))
            self.scope = str(data.get("scope", self.scope))
            self.declared_at = self.declared_at or entry.at
        elif entry.kind == "update":
            self.last_update_at = entry.at
        elif entry.kind == "gate" and self.status != "closed":
            state = str(data.get("state", ""))
            self.status = {"MITIGATED": "mitigated", "RESTORED": "restored"}.get(state, "open")
        elif entry.kind == "close":
            self.status, self.closed_at = "closed", entry.at
        elif entry.kind == "reopen":
            self.status, self.closed_at = "open", None
        elif entry.kind == "status":
            if "status" in data:
                self.status = str(data["status"])
                if self.status == "closed":
                    self.closed_at = entry.at
            if "severity" in data:
                self.severity = str(data["severity"])
            if "lead" in data:
                self.lead = str(data["lead"])
            if "driver" in data:
                self.driver = str(data["driver"]) or None

    @property
    def declared(self) -> bool:
        return self.declared_at is not None

    def elapsed(self, now: datetime) -> float:
        if self.declared_at is None:
            return 0.0
        end = self.closed_at or now
        return max(0.0, (end - self.declared_at).total_seconds())

    def next_update_due(self) -> datetime | None:
        anchor = self.last_update_at or self.declared_at
        return anchor + timedelta(seconds=self.update_interval) if anchor else None

    def update_countdown(self, now: datetime) -> float | None:
        """Seconds until the next promised update (negative when it is overdue); None once closed."""
        if self.status == "closed":
            return None
        due = self.next_update_due()
        return (due - now).total_seconds() if due else None


def clock_text(seconds: float) -> str:
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def coarse_text(seconds: float) -> str:
    """A duration that changes once a minute (seconds only in the last minute): cheap to redraw."""
    seconds = int(seconds)
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 60:
        return f"{sign}{seconds}s"
    if seconds < 3600:
        return f"{sign}{seconds // 60}m"
    return f"{sign}{seconds // 3600}h{seconds % 3600 // 60:02d}m"
