"""Journals for the report tests, in the shapes the contracts between the engineers fix.

`drill_with_gate` is the recorded drill plus the gate's journaled moments (contract 1:
`kind="gate"` entries with state/previous/reason/conditions; `kind="close"` with open
items), placed where the drill's gate changed; the original golden journal stays the
old shape (no gate entries), for the fallback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cockpit.incident.journal import Entry, read
from tests.golden.record import JOURNAL

OPEN_ITEM = "orders marked needs_review: the payments team checks each by hand"


def gate_entry(seq: int, ts: str, operator: str, state: str, previous: str, reason: str) -> Entry:
    conditions = [
        {"name": "error rate", "ok": state != "NOT RESTORED", "detail": "checkout 5xx ratio", "level": "mitigated"},
        {"name": "data", "ok": state == "RESTORED", "detail": reason or "suspect counts 0", "level": "restored"},
    ]
    return Entry(
        seq,
        ts,
        operator,
        "gate",
        f"gate: {state}" + (f" — {reason}" if reason else ""),
        "watch",
        {"v": 1, "state": state, "previous": previous, "reason": reason, "conditions": conditions},
    )


def open_items(entries: list[Entry]) -> list[str]:
    """What the close entry lists as still open."""
    return [str(i) for i in next(e for e in entries if e.kind == "close").data.get("open_items", [])]


def drill_with_gate() -> list[Entry]:
    recorded = read(JOURNAL).entries
    if any(e.kind == "gate" for e in recorded) and any(e.kind == "close" for e in recorded):
        return recorded  # the drill journals its gate itself now: use it as recorded
    out: list[dict[str, Any]] = []
    for e in recorded:
        d = e.data
        if e.kind == "status" and d.get("status") == "closed":
            out.append(
                Entry(
                    0,
                    e.ts,
                    e.operator,
                    "close",
                    "incident closed",
                    "close",
                    {"override": False, "reason": "", "open_items": [OPEN_ITEM]},
                ).to_dict()
            )
            continue
        if e.kind == "status" and d.get("gate") == "green":
            out.append(gate_entry(0, e.ts, e.operator, "RESTORED", "MITIGATED", "").to_dict())
        out.append(e.to_dict())
        if e.kind == "declare":
            out.append(
                gate_entry(
                    0,
                    e.ts,
                    e.operator,
                    "NOT RESTORED",
                    "NOT RESTORED",
                    "error rate: checkout 5xx ratio 7.5% (limit 1%)",
                ).to_dict()
            )
        if e.kind == "action" and d.get("action") == "flags_safe" and d.get("phase") == "result":
            out.append(
                gate_entry(
                    0, e.ts, e.operator, "MITIGATED", "NOT RESTORED", "data: 221 duplicate discount holds (target 0)"
                ).to_dict()
            )
    return [Entry.from_dict({**obj, "seq": i}) for i, obj in enumerate(out, start=1)]


def write(entries: list[Entry], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for e in entries:
            handle.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
    return path
