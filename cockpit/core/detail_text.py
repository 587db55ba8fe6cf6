"""The whole story of one row, as lines of text for the detail view: a journal entry (full
text, operator, readings before/after, the streamed output of its action, what the cockpit
sent) or a panel row (every field the board holds for it). No widgets here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cockpit.core.details import detail_dict
from cockpit.core.readings import FLAGS, Board, age_text
from cockpit.core.runbook import Runbook
from cockpit.core.safe_text import visible
from cockpit.incident.journal import Entry


def words(value: Any) -> str:
    """A value as words: lists joined, mappings as `key value` pairs; never a raw repr."""
    if isinstance(value, Mapping):
        return ", ".join(f"{visible(str(k))} {words(v)}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple)):
        return "; ".join(words(v) for v in value) or "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    return visible("—" if value is None else str(value))


def _section(title: str, lines: Iterable[str]) -> list[str]:
    body = [f"  {line}" for line in lines]
    return ["", title, *body] if body else []


def _readings_table(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Each key reading before → after (the journal keeps them per source kind)."""
    lines = []
    for kind in sorted(set(before) | set(after)):
        b, a = before.get(kind), after.get(kind)
        if isinstance(b, Mapping) or isinstance(a, Mapping):
            b, a = b if isinstance(b, Mapping) else {}, a if isinstance(a, Mapping) else {}
            for name in sorted(set(b) | set(a), key=str):
                mark = "" if b.get(name) == a.get(name) else "   (changed)"
                lines.append(f"{kind} · {visible(str(name))}: {words(b.get(name))} → {words(a.get(name))}{mark}")
        else:
            lines.append(f"{kind}: {words(b)} → {words(a)}")
    return lines


def action_run(entry: Entry, entries: Sequence[Entry]) -> list[Entry]:
    """The entries of the one run of an action this entry belongs to: from its preview to its
    result (a second run of the same action is a different story)."""
    name = entry.data.get("action")
    if not name:
        return []
    same = [e for e in entries if e.data.get("action") == name]
    try:
        at = next(i for i, e in enumerate(same) if e.seq == entry.seq)
    except StopIteration:
        return [entry]
    start = at
    while start > 0 and same[start].data.get("phase") != "preview":
        start -= 1
    end = at
    while end < len(same) - 1 and same[end].data.get("phase") != "result":
        end += 1
    return same[start : end + 1]


def entry_detail(entry: Entry, entries: Sequence[Entry] = ()) -> list[str]:
    """Every line the detail view shows for one journal entry."""
    from cockpit.actions.data import sent_of  # the first frame has no detail view to show

    lines = [
        f"#{entry.seq} · {entry.ts} · {entry.kind}" + (f" · step {entry.step}" if entry.step else ""),
        f"operator: {visible(entry.operator)}" + (f" ({visible(entry.origin)})" if entry.origin else ""),
        "",
        *visible(entry.summary, newlines=True).splitlines(),
    ]
    data = dict(entry.data)
    run = action_run(entry, entries) if data.get("action") else []
    if run:
        lines += _section(
            "What the cockpit was to do (the preview, as confirmed):",
            [visible(t) for e in run if e.data.get("phase") == "preview" for t in e.data.get("touches", [])],
        )
        counts = next(
            (e.data.get("counts") for e in run if e.data.get("phase") == "preview" and e.data.get("counts")), None
        )
        if counts:
            lines.append(f"  counts: {words(counts)}")
        lines += _section(
            "Warnings shown:",
            [visible(w) for e in run if e.data.get("phase") == "preview" for w in e.data.get("warnings", [])],
        )
        lines += _section(
            "Choice:", [f"{e.operator}: {e.data.get('choice')}" for e in run if e.data.get("phase") == "confirm"]
        )
        lines += _section(
            "Command log (what was sent; do it by hand if the cockpit cannot):",
            [visible(c) for e in run for c in sent_of(e.data)],
        )
        lines += _section(
            "Output, as it streamed:",
            [visible(str(e.data.get("line", ""))) for e in run if e.data.get("phase") == "output"],
        )
        result = next((e for e in run if e.data.get("phase") == "result"), None)
        if result is not None:
            rd = result.data
            lines += _section(
                "Result:",
                [
                    f"ok: {words(rd.get('ok'))}",
                    f"result: {words(rd.get('result'))}",
                    f"verify: {words(rd.get('verify'))}",
                ]
                + ([f"STATE LEFT: {words(rd['state_left'])}"] if rd.get("state_left") else [])
                + ([f"took {rd['duration_s']:g} s"] if isinstance(rd.get("duration_s"), (int, float)) else []),
            )
            lines += _section("Details:", [visible(str(d), newlines=True) for d in rd.get("details", [])])
            lines += _section("Readings before → after:", _readings_table(rd.get("before", {}), rd.get("after", {})))
    else:
        before, after = data.pop("before", None), data.pop("after", None)
        if isinstance(before, Mapping) or isinstance(after, Mapping):
            lines += _section("Readings before → after:", _readings_table(before or {}, after or {}))
    shown = (
        {
            "action",
            "phase",
            "touches",
            "counts",
            "warnings",
            "choice",
            "line",
            "sent",
            "ok",
            "result",
            "verify",
            "state_left",
            "duration_s",
            "details",
            "before",
            "after",
        }
        if run
        else set()
    )
    rest = {k: v for k, v in data.items() if k not in shown}
    if "text" in rest:  # an update's whole text, as sent
        lines += _section("Text:", visible(str(rest.pop("text")), newlines=True).splitlines())
    lines += _section("Data:", [f"{visible(str(k))}: {words(v)}" for k, v in rest.items()])
    return lines


def step_detail(
    step_id: str, runbook: Runbook, entries: Sequence[Entry], preconditions: Sequence[str] = ()
) -> list[str]:
    """A runbook step: what it is for, its state and reason, the change it undoes (owner,
    approvers, what comes first, its preconditions judged now as `preconditions` lines,
    what "undone" means), and every journal entry about it."""
    step = runbook.step(step_id)
    key = f"[{step.key}] " if step.key else "(palette) "
    lines = [f"{key}{step.title} — {runbook.state(step_id).value.upper()}", f"  {visible(step.hint)}"]
    if reason := runbook.reasons.get(step_id):
        lines.append(f"  reason: {visible(reason)}")
    if step.change:
        lines.append(f"  undoes change {visible(step.change)}")
    if step.owner or step.backup:
        lines.append(
            f"  owner: {visible(step.owner or '—')}" + (f" (backup {visible(step.backup)})" if step.backup else "")
        )
    if step.approvers:
        lines.append(f"  approvers: {', '.join(map(visible, step.approvers))}")
    if step.after:
        lines.append(
            "  after (done and verified first): "
            + ", ".join(
                f"{runbook.step(a).title} ({runbook.state(a).value})" if a in runbook.states else a for a in step.after
            )
        )
    if step.preconditions:
        lines += _section(
            "Preconditions, now:", [visible(p) for p in preconditions] or [c.text for c in step.preconditions]
        )
    if step.verify:
        lines += _section("Undone means:", [c.text for c in step.verify])
    about = [e for e in entries if e.step == step_id]
    lines += _section(
        f"Journal ({len(about)} entries; Enter on one in the log shows it whole):",
        [f"#{e.seq} {e.ts[11:19]} {visible(e.operator)}: {visible(e.summary)}" for e in about[-60:]],
    )
    if not about:
        lines += ["", "Nothing journaled for this step yet."]
    return lines


def slot_detail(board: Board, source: str, ident: str) -> list[str]:
    """Every field the board holds for one panel row (a flag: each of its regions)."""
    names = [n for n in board.names(FLAGS) if n.partition("@")[0] == ident] if source == FLAGS else [ident]
    lines = [f"{source}: {visible(ident)}"]
    for name in names:
        slot = board.slot(source, name)
        if slot is None:
            lines += ["", f"{visible(name)}: no reading yet"]
            continue
        latest, good = slot.latest, slot.last_good
        lines += [
            "",
            f"{visible(name)} — {board.freshness(source, name).name}, "
            f"last good {age_text(board.age(source, name))} ago",
        ]
        lines.append(
            f"  latest at {latest.at:%H:%M:%S}: {words(latest.value)}"
            + (f"  ERROR: {visible(latest.error)}" if latest.error else "")
        )
        if good is not None and good is not latest:
            lines.append(f"  last good at {good.at:%H:%M:%S}: {words(good.value)}")
        for key, value in detail_dict(good.detail if good else latest.detail).items():
            lines.append(f"  {visible(str(key))}: {words(value)}")
        values = slot.series.values()[-12:]
        if values:
            lines.append("  recent: " + " ".join(words(v) for v in values))
    return lines
