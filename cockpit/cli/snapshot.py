"""`cockpit snapshot`: read every source once, with the same sources the cockpit polls."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cockpit.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, load_config
from cockpit.cli.console import Console
from cockpit.config import Config
from cockpit.core.details import check_result, detail_dict, flag_cell
from cockpit.core.gate import Gate, GateStatus
from cockpit.core.polling import short_error
from cockpit.core.readings import CHECKS, ERROR_RATE, FLAGS, SOURCE_KINDS, Board, Reading, wall_clock
from cockpit.core.redact import Redactor
from cockpit.wiring import build_sources


def command(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    if cfg is None:
        return EXIT_USAGE
    redactor = Redactor.from_env(cfg.secret_env_names())
    snap = asyncio.run(take_snapshot(cfg))
    # The same redaction as the journal: an error may echo a URL with its token.
    Console(redactor).out(render_json(snap, redactor) if args.json else render_text(snap))
    return EXIT_OK if snap.all_ok else EXIT_FAILURE


def reading_ok(r: Reading) -> bool:
    """Read, and readable: not failed, not a failing check, not NO DATA, not a missing flag."""
    no_data = r.source == ERROR_RATE and not isinstance(r.value, float)
    missing = r.source == FLAGS and flag_cell(r.detail, r.name).reads_missing
    failing = r.source == CHECKS and check_result(r.detail, r.name).ok is False
    return r.error is None and not failing and not no_data and not missing


@dataclass
class Snapshot:
    taken_at: datetime
    readings: list[tuple[str, Reading]] = field(default_factory=list)  # (source ident, reading)
    gate: GateStatus | None = None

    @property
    def all_ok(self) -> bool:
        return all(reading_ok(r) for _, r in self.readings)


async def _read_one(source: Any) -> list[tuple[str, Reading]]:
    try:
        readings = await asyncio.wait_for(source.read(), source.timeout)
    except Exception as exc:  # noqa: BLE001 - a failed source is reported, the others still print
        error = f"no answer within {source.timeout:g}s" if isinstance(exc, TimeoutError) else short_error(exc)
        readings = [Reading(source.kind, name, None, wall_clock(), error) for name in source.expected_names()]
    finally:
        await source.close()
    return [(source.ident, r.shown_safely()) for r in readings]


async def take_snapshot(config: Config) -> Snapshot:
    sources = build_sources(config)
    groups = await asyncio.gather(*(_read_one(s) for s in sources))  # in parallel: one slow source delays nobody
    readings = [pair for group in groups for pair in group]
    return Snapshot(wall_clock(), readings, gate_once(config, sources, [r for _, r in readings]))


def gate_once(config: Config, sources: list[Any], readings: list[Reading]) -> GateStatus:
    """The gate on one set of readings: the same conditions as the cockpit's, so it can be
    MITIGATED at best (a trend needs history, and the watch window needs time)."""
    board = Board()
    for source in sources:
        board.set_interval(source.kind, max(source.interval, board.interval(source.kind)))
    for reading in readings:
        if reading.error is None:
            board.update([reading])
        else:
            board.fail(reading.source, [reading.name], reading.error)
    return Gate(config, board).evaluate()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


def as_dict(snap: Snapshot) -> dict[str, Any]:
    out: dict[str, Any] = {"taken_at": snap.taken_at.isoformat(), "ok": snap.all_ok}
    if snap.gate is not None:
        out["gate"] = snap.gate.as_dict()
    for kind in SOURCE_KINDS:
        out[kind] = [
            {
                "source": ident,
                "name": r.name,
                "value": _plain(r.value),
                "age_s": round((snap.taken_at - r.at).total_seconds(), 3),
                "error": r.error,
                "detail": {k: _plain(v) for k, v in detail_dict(r.detail).items()},
            }
            for ident, r in snap.readings
            if r.source == kind
        ]
    return out


def render_json(snap: Snapshot, redactor: Redactor | None = None) -> str:
    """Redacted before encoding: a secret JSON would escape could not be found afterwards."""
    data = as_dict(snap)
    return json.dumps(redactor(data) if redactor else data, indent=2, default=str)


def render_text(snap: Snapshot) -> str:
    lines = []
    if snap.gate is not None:
        lines.append(f"gate: {snap.gate.state}" + (f" — {snap.gate.reason}" if snap.gate.reason else ""))
        lines += [f"  {'✔' if c.ok else '✖'} {c.name:<11} {c.detail}" for c in snap.gate.conditions]
    for kind in SOURCE_KINDS:
        rows = [(ident, r) for ident, r in snap.readings if r.source == kind]
        if not rows:
            continue
        lines.append(f"{kind}:")
        for ident, r in rows:
            value = "—" if r.value is None else (f"{r.value:.4g}" if isinstance(r.value, float) else str(r.value))
            if r.error:
                state = f"ERROR {r.error}"
            elif r.source == ERROR_RATE and not isinstance(r.value, float):
                state = "NO DATA (the query returned no series)"
            elif r.source == FLAGS and (cell := flag_cell(r.detail, r.name)).reads_missing:
                state = f"MISSING {cell.missing_reason}"
            elif r.source == CHECKS and (result := check_result(r.detail, r.name)).ok is not None:
                state = "PASS" if result.ok else f"FAIL {result.reason}"
            else:
                state = "ok"
            lines.append(f"  {r.name:<40} {value:>10}  {state}  [{ident}]")
    return "\n".join(lines) if lines else "no sources configured"
