"""The curated timeline: one row per milestone, action, note and override.

A `Curator` is fed journal entries in order and returns a row when one is complete.
Previews, confirmations, output lines and step-state changes are folded into the action
they belong to; readings go to the charts instead. It keeps only the open actions'
previews, so it streams a journal of any length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cockpit.incident.journal import Entry
from cockpit.incident.report.model import Change, Row

#: The reading families an action's before/after shows, in the order people read them.
CHANGE_FAMILIES = ("error_rate", "queues", "suspects")
MAX_CHANGES = 8
_GATE_STATES = ("NOT RESTORED", "MITIGATED", "RESTORED")


@dataclass
class _Open:
    """An action between its preview and its result."""

    title: str
    touches: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    confirmed_by: str = ""
    output_lines: int = 0


def action_title(entry: Entry) -> str:
    """The action's title as its entries spell it ('Pause the risky queues: preview: …')."""
    for marker in (": preview", ": confirmed", ": cancelled", ": dry run"):
        if marker in entry.summary:
            return entry.summary.split(marker, 1)[0]
    return str(entry.data.get("action") or entry.summary)


def reading_changes(before: Any, after: Any) -> tuple[Change, ...]:
    """Error rates always; queue depths and suspect counts where they moved."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ()
    out: list[Change] = []
    for family in CHANGE_FAMILIES:
        old, new = before.get(family) or {}, after.get(family) or {}
        if not isinstance(old, dict) or not isinstance(new, dict):
            continue
        for name in dict.fromkeys([*old, *new]):
            a, b = _number(old.get(name)), _number(new.get(name))
            if family == "error_rate" or a != b:
                out.append(Change(family, str(name), a, b))
    return tuple(out[:MAX_CHANGES])


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


class Curator:
    def __init__(self, has_gate_entries: bool = False) -> None:
        #: Old journals record "restored" as a status entry; with gate entries those rows would repeat.
        self.has_gate_entries = has_gate_entries
        self._open: dict[str, _Open] = {}
        self._closed = False  # a close may be journaled twice (close entry and status): one row
        # By kind, named here: a journal's kind is outside text and must not pick a method by name.
        self._handlers = {
            "declare": self._declare,
            "reading": self._reading,
            "step": self._step,
            "note": self._note,
            "gate": self._gate,
            "close": self._close,
            "reopen": self._reopen,
            "override": self._override,
            "guard": self._guard,
            "status": self._status,
            "action": self._action,
            "update": self._update,
        }

    def feed(self, entry: Entry) -> Row | None:
        handler = self._handlers.get(entry.kind)
        return handler(entry) if handler else self._row(entry, "status", entry.summary)

    @staticmethod
    def _row(entry: Entry, kind: str, what: str, **extra: Any) -> Row:
        return Row(entry.seq, entry.at, entry.operator, kind, what, step=entry.step, **extra)

    def _declare(self, e: Entry) -> Row:
        return self._row(
            e,
            "milestone",
            f"Declared {e.data.get('severity', '')}: {e.data.get('title', '')}".strip(),
            result=str(e.data.get("scope", "")),
        )

    def _reading(self, e: Entry) -> None:
        return None

    def _step(self, e: Entry) -> Row | None:
        if e.data.get("state") == "skipped":
            reason = str(e.data.get("reason") or "no reason given")
            title = e.summary.removeprefix("step ").split(": skipped", 1)[0]
            return self._row(e, "skip", f"Skipped: {title}", result=reason, outcome="skipped")
        return None  # running/done/failed belong to the action that caused them

    def _note(self, e: Entry) -> Row:
        follow = e.data.get("follow_up")
        return self._row(e, "note", ("Follow-up: " if follow else "") + e.summary)

    def _gate(self, e: Entry) -> Row:
        state, previous = str(e.data.get("state", "")), str(e.data.get("previous", ""))
        fell = (
            previous in _GATE_STATES
            and state in _GATE_STATES
            and _GATE_STATES.index(state) < _GATE_STATES.index(previous)
        )
        what = f"Gate {'fell back to' if fell else 'reached'} {state}" if state else e.summary
        return self._row(e, "milestone", what, result=str(e.data.get("reason") or ""))

    def _close(self, e: Entry) -> Row | None:
        if self._closed:
            return None
        self._closed = True
        reason = str(e.data.get("reason") or "")
        what = "Closed with an override" if e.data.get("override") else "Closed"
        return self._row(e, "milestone", what, result=reason)

    def _reopen(self, e: Entry) -> Row:
        self._closed = False
        return self._row(e, "milestone", "Reopened", result=str(e.data.get("reason") or ""))

    def _guard(self, e: Entry) -> Row:
        """A guard halt or abort is a milestone (the step stopped there); a pause or continue a
        status row; each with the readings it rested on."""
        readings = e.data.get("readings")
        shown = "; ".join(str(r) for r in readings) if isinstance(readings, list) else ""
        kind = "milestone" if e.data.get("event") in ("halt", "abort") else "status"
        return self._row(e, kind, e.summary, result=shown)

    def _override(self, e: Entry) -> Row:
        return self._row(
            e, "override", f"Override: {e.data.get('what') or e.summary}", result=str(e.data.get("reason") or "")
        )

    def _status(self, e: Entry) -> Row | None:
        d = e.data
        if "gate" in d:
            if self.has_gate_entries:
                return None
            green = d.get("gate") == "green"
            return self._row(
                e,
                "milestone",
                "Service restored: gate green" if green else "Gate broken",
                result="" if green else e.summary.removeprefix("gate broken: "),
            )
        if d.get("status") == "closed":
            if self._closed:
                return None
            self._closed = True
            override = d.get("override")
            return self._row(
                e, "milestone", "Closed with an override" if override else "Closed", result=str(override or "")
            )
        if d.get("status") in ("restored", "mitigated"):
            return None  # the gate's own row says it
        if d.get("interrupted"):
            return self._row(e, "status", f"Interrupted: {d['interrupted']}", result=e.summary, outcome="interrupted")
        return self._row(e, "status", e.summary)

    def _action(self, e: Entry) -> Row | None:
        name = str(e.data.get("action") or "")
        phase = e.data.get("phase")
        if phase == "preview":
            if e.data.get("error"):
                return self._row(
                    e,
                    "action",
                    action_title(e),
                    result=f"preview failed: {e.data['error']}",
                    outcome="failed",
                    folded=("nothing was changed",),
                )
            self._open[name] = _Open(
                action_title(e),
                [str(t) for t in e.data.get("touches") or ()],
                [str(w) for w in e.data.get("warnings") or ()],
            )
            return None
        if phase == "confirm":
            choice = e.data.get("choice")
            if choice == "confirm":
                self._open.setdefault(name, _Open(action_title(e))).confirmed_by = e.operator
                return None
            opened = self._open.pop(name, _Open(action_title(e)))
            outcome = "cancelled" if choice == "cancel" else "dry run"
            return self._row(
                e, "action", opened.title, result="nothing was changed", outcome=outcome, folded=self._folded(opened)
            )
        if phase == "output":
            if name in self._open:
                self._open[name].output_lines += 1
            return None
        if phase == "result":
            return self._result(e, "action")
        return self._row(e, "status", e.summary)

    def _update(self, e: Entry) -> Row | None:
        if e.data.get("phase") == "result":
            return self._result(e, "update")
        return self._row(e, "status", e.summary)

    def _result(self, e: Entry, kind: str) -> Row:
        d = e.data
        opened = self._open.pop(str(d.get("action") or ""), None) or _Open(e.summary.split(":", 1)[0])
        ok = bool(d.get("ok"))
        if kind == "update":
            what = f"{str(d.get('audience') or '').capitalize()} update sent".strip()
            result = str(d.get("sent_to") or d.get("result") or "")
        else:
            what = opened.title
            result = "; ".join(
                str(x) for x in (d.get("result"), f"verify: {d['verify']}" if d.get("verify") else None) if x
            )
        if not ok and d.get("state_left"):
            result += f"; state left: {d['state_left']}"
        took = d.get("duration_s")
        return Row(
            e.seq,
            e.at,
            e.operator,
            kind,
            what,
            result=result,
            outcome="done" if ok else "failed",
            step=e.step,
            took_s=float(took) if isinstance(took, (int, float)) else None,
            changes=reading_changes(d.get("before"), d.get("after")),
            folded=self._folded(opened),
        )

    @staticmethod
    def _folded(opened: _Open) -> tuple[str, ...]:
        out = []
        if opened.touches:
            out.append("previewed: " + "; ".join(opened.touches))
        out += [f"warning: {w}" for w in opened.warnings]
        if opened.confirmed_by:
            out.append(f"confirmed by {opened.confirmed_by}")
        if opened.output_lines:
            out.append(f"{opened.output_lines} output line{'s' if opened.output_lines != 1 else ''} (in the journal)")
        return tuple(out)


def curate(entries: Iterable[Entry], has_gate_entries: bool = False) -> Iterator[Row]:
    curator = Curator(has_gate_entries)
    for entry in entries:
        row = curator.feed(entry)
        if row is not None:
            yield row


_RELEASE = re.compile(r"release (?P<bad>\S+) -> (?P<good>\S+)")


def release_from_touches(touches: Iterable[str]) -> tuple[str, str] | None:
    """'release 2026.11.3 -> 2026.11.2' in a revert preview: the bad release and the one restored."""
    for text in touches:
        match = _RELEASE.search(str(text))
        if match:
            return match.group("bad"), match.group("good")
    return None
