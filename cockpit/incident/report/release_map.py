"""The release map in the report: each change, its undo, owner and order; which undo ran
when and by whom; every precondition override and guard stop with its readings; and the
changes not undone, with the reason given.

Read from the journal alone (the `release` entry the session writes when it starts with a
release file, then the `step`, `action`, `override` and `guard` entries), so a report
needs no config. A journal without a `release` entry has no release section.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cockpit.incident.journal import Entry
from cockpit.incident.report import words

#: The journal kind that carries the release map (written once, when the session starts).
RELEASE_KIND = "release"


@dataclass(frozen=True)
class UndoStep:
    step: str
    change: str
    undo: str  # the action and its parameters in words: "clear_caches(caches=sessions)"
    state: str  # pending, running, done, skipped, failed
    by: str = ""  # who finished it (done, skipped or failed)
    at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class ChangeRow:
    id: str
    kind: str
    what: str
    owner: str
    backup: str
    after: tuple[str, ...]
    precondition: tuple[str, ...]
    verify: tuple[str, ...]
    guard: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class Stop:
    """A precondition override or a guard halt/pause, with the readings it rested on."""

    at: datetime
    who: str
    step: str
    what: str  # "override", "guard halt", "guard pause", ...
    reason: str
    readings: tuple[str, ...]


@dataclass(frozen=True)
class NotUndone:
    change: str
    why: str


@dataclass(frozen=True)
class ReleaseSection:
    id: str
    title: str
    shipped_at: str
    owner: str
    backup: str
    links: tuple[tuple[str, str], ...]
    changes: tuple[ChangeRow, ...]
    order: tuple[UndoStep, ...]
    stops: tuple[Stop, ...]
    not_undone: tuple[NotUndone, ...]


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def _change(raw: dict[str, Any]) -> ChangeRow:
    guard = raw.get("guard") if isinstance(raw.get("guard"), dict) else None
    guard_text = ""
    if guard:
        limit = guard.get("failure_limit", 1)
        guard_text = " or ".join(_strs(guard.get("failure"))) + (f" ({limit} in a row)" if limit != 1 else "")
    return ChangeRow(
        str(raw.get("id", "")),
        str(raw.get("kind", "")),
        str(raw.get("what", "")),
        str(raw.get("owner", "")),
        str(raw.get("backup", "")),
        _strs(raw.get("after")),
        _strs(raw.get("precondition")),
        _strs(raw.get("verify")),
        guard_text,
        _strs(raw.get("steps")),
    )


def _reading(value: object) -> str:
    """One reading as the journal has it: a judged condition (`{"condition", "truth",
    "detail"}`) or a line of text."""
    if not isinstance(value, dict):
        return str(value)
    condition, detail, truth = value.get("condition"), value.get("detail", ""), value.get("truth")
    text = f"{condition}: {detail}" if condition else str(detail)
    return f"{text} ({truth})" if truth else text


def _readings(data: dict[str, Any]) -> tuple[str, ...]:
    for key in ("readings", "preconditions", "guard_readings"):
        value = data.get(key)
        if isinstance(value, list):
            return tuple(_reading(v) for v in value)
    return ()


def release_section(entries: Iterable[Entry]) -> ReleaseSection | None:
    """One pass over the journal; None when it has no release map."""
    head: dict[str, Any] | None = None
    states: dict[str, tuple[str, str, datetime, str]] = {}
    stops: list[Stop] = []
    for e in entries:
        d = e.data
        if e.kind == RELEASE_KIND and isinstance(d.get("changes"), list):
            head = d
        elif e.kind == "step" and e.step:
            states[e.step] = (str(d.get("state", "")), e.operator, e.at, str(d.get("reason") or ""))
        elif e.kind == "override" and e.step:  # kept below when on an undo step (not, e.g., closing early)
            stops.append(Stop(e.at, e.operator, e.step, "override", str(d.get("reason") or ""), _readings(d)))
        elif e.kind == "guard" and d.get("event") in ("halt", "pause", "abort"):
            what = f"guard {d.get('event')}"
            stops.append(Stop(e.at, e.operator, e.step or "", what, str(d.get("reason") or e.summary), _readings(d)))
    if head is None:
        return None
    changes = tuple(_change(c) for c in head["changes"] if isinstance(c, dict))
    undo_of = {str(u.get("step")): (str(c.get("id")), str(u.get("undo", ""))) for c in head["changes"]
               if isinstance(c, dict) for u in c.get("undo", []) if isinstance(u, dict)}  # fmt: skip
    undo_steps = set(_strs(head.get("order")))
    stops = [s for s in stops if s.what != "override" or s.step in undo_steps]
    order = []
    for step in _strs(head.get("order")):
        change, undo = undo_of.get(step, ("", ""))
        state, by, at, reason = states.get(step, ("pending", "", None, ""))
        order.append(UndoStep(step, change, undo, state or "pending", by, at, reason))
    links: dict[str, Any] = head["links"] if isinstance(head.get("links"), dict) else {}
    return ReleaseSection(
        str(head.get("id", "")),
        str(head.get("title", "")),
        str(head.get("shipped_at", "")),
        str(head.get("owner", "")),
        str(head.get("backup", "")),
        tuple((str(k), str(v)) for k, v in links.items()),
        changes,
        tuple(order),
        tuple(stops),
        tuple(_not_undone(changes, order)),
    )


def _not_undone(changes: tuple[ChangeRow, ...], order: list[UndoStep]) -> Iterator[NotUndone]:
    by_step = {s.step: s for s in order}
    for change in changes:
        steps = [by_step[s] for s in change.steps if s in by_step]
        left = [s for s in steps if s.state != "done"]
        if not left:
            continue
        why = []
        for s in left:
            if s.state == "skipped":
                why.append(f"{s.step} skipped by {s.by}: {s.reason or 'no reason given'}")
            elif s.state == "failed":
                why.append(f"{s.step} failed" + (f": {s.reason}" if s.reason else ""))
            else:
                why.append(f"{s.step} {s.state}: no reason recorded")
        yield NotUndone(change.id, "; ".join(why))


# -- rendering -------------------------------------------------------------------------
def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def markdown(section: ReleaseSection, tz: Any) -> Iterator[str]:
    s = section
    yield f"## Release map: {_cell(s.id)}" + (f" — {_cell(s.title)}" if s.title and s.title != s.id else "") + "\n\n"
    meta = [f"shipped {s.shipped_at}" if s.shipped_at else "", f"owner {s.owner}" if s.owner else ""]
    meta += [f"backup {s.backup}" if s.backup else ""] + [f"[{k}]({v})" for k, v in s.links]
    if any(meta):
        yield " · ".join(_cell(m) for m in meta if m) + "\n\n"
    yield "| change | kind | what | owner (backup) | after | precondition | verify | guard |\n"
    yield "|---|---|---|---|---|---|---|---|\n"
    for c in s.changes:
        owner = c.owner + (f" ({c.backup})" if c.backup else "")
        cells = (c.id, c.kind, c.what, owner, ", ".join(c.after), "; ".join(c.precondition), "; ".join(c.verify))
        yield "| " + " | ".join(_cell(x) or "—" for x in (*cells, c.guard)) + " |\n"
    yield "\n### Undo, in the order run\n\n| # | step | change | undo | state | when, by whom |\n|---|---|---|---|---|---|\n"
    for i, u in enumerate(s.order, 1):
        when = f"{words.when(u.at, tz)}, {u.by}" if u.at else "—"
        state = u.state + (f" ({u.reason})" if u.reason else "")
        yield f"| {i} | {_cell(u.step)} | {_cell(u.change)} | {_cell(u.undo)} | {_cell(state)} | {_cell(when)} |\n"
    yield "\n### Precondition overrides and guard stops\n\n"
    for stop in s.stops:
        yield f"- {words.when(stop.at, tz)}, {_cell(stop.who)}: {stop.what} on step {_cell(stop.step)}: "
        yield _cell(stop.reason or "no reason given") + "\n"
        yield "".join(f"  - {_cell(r)}\n" for r in stop.readings)
    if not s.stops:
        yield "None.\n"
    yield "\n### Changes not undone\n\n"
    yield "".join(f"- **{_cell(n.change)}**: {_cell(n.why)}\n" for n in s.not_undone) or "Every change was undone.\n"
    yield "\n"


def as_json(section: ReleaseSection, at: Any) -> dict[str, Any]:
    s = section
    return {
        "id": s.id,
        "title": s.title,
        "shipped_at": s.shipped_at,
        "owner": s.owner,
        "backup": s.backup,
        "links": dict(s.links),
        "changes": [
            {
                "id": c.id,
                "kind": c.kind,
                "what": c.what,
                "owner": c.owner,
                "backup": c.backup,
                "after": list(c.after),
                "precondition": list(c.precondition),
                "verify": list(c.verify),
                "guard": c.guard,
                "steps": list(c.steps),
            }
            for c in s.changes
        ],
        "order": [
            {
                "step": u.step,
                "change": u.change,
                "undo": u.undo,
                "state": u.state,
                "by": u.by,
                "at": at(u.at),
                "reason": u.reason,
            }
            for u in s.order
        ],
        "stops": [
            {
                "at": at(x.at),
                "who": x.who,
                "step": x.step,
                "what": x.what,
                "reason": x.reason,
                "readings": list(x.readings),
            }
            for x in s.stops
        ],
        "not_undone": [{"change": n.change, "why": n.why} for n in s.not_undone],
    }


def html(section: ReleaseSection, tz: Any, e: Any) -> Iterator[str]:
    s = section
    yield f'<section id="release"><h2>Release map: {e(s.id)}' + (f" — {e(s.title)}" if s.title != s.id else "")
    yield "</h2><table><thead><tr><th>change</th><th>kind</th><th>what</th><th>owner (backup)</th><th>after</th>"
    yield "<th>precondition</th><th>verify</th><th>guard</th></tr></thead><tbody>"
    for c in s.changes:
        owner = c.owner + (f" ({c.backup})" if c.backup else "")
        cells = (c.id, c.kind, c.what, owner, ", ".join(c.after), "; ".join(c.precondition), "; ".join(c.verify))
        yield "<tr>" + "".join(f"<td>{e(x)}</td>" for x in (*cells, c.guard)) + "</tr>"
    yield "</tbody></table><h3>Undo, in the order run</h3><table><thead><tr><th>#</th><th>step</th><th>change</th>"
    yield "<th>undo</th><th>state</th><th>when, by whom</th></tr></thead><tbody>"
    for i, u in enumerate(s.order, 1):
        when = f"{words.when(u.at, tz)}, {u.by}" if u.at else "—"
        state = u.state + (f" ({u.reason})" if u.reason else "")
        yield f"<tr><td>{i}</td>" + "".join(f"<td>{e(x)}</td>" for x in (u.step, u.change, u.undo, state, when))
        yield "</tr>"
    yield "</tbody></table><h3>Precondition overrides and guard stops</h3><ul>"
    for x in s.stops:
        yield f"<li>{e(words.when(x.at, tz))}, {e(x.who)}: {e(x.what)} on step {e(x.step)}: {e(x.reason)}"
        yield "<ul>" + "".join(f"<li>{e(r)}</li>" for r in x.readings) + "</ul></li>" if x.readings else "</li>"
    yield "</ul>" if s.stops else "<li>None.</li></ul>"
    yield "<h3>Changes not undone</h3><ul>"
    yield (
        "".join(f"<li><b>{e(n.change)}</b>: {e(n.why)}</li>" for n in s.not_undone)
        or "<li>Every change was undone.</li>"
    )
    yield "</ul></section>\n"
