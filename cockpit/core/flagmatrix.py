"""Flags × regions: per cell desired vs observed, drift, partial rollout, freshness."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from cockpit.core.details import flag_cell
from cockpit.core.readings import FLAGS, Board, Freshness


class FlagCell(NamedTuple):
    flag: str
    region: str
    observed: float | None  # rollout percent actually served (0 = off)
    desired: float | None  # what the control plane wants, when known
    freshness: Freshness
    error: str | None
    age: float
    drift: bool  # observed differs from desired, or from the other regions
    partial: bool  # 0 < rollout < 100
    missing: bool = False  # the region says the flag (or its hash) does not exist


class FlagMatrix(NamedTuple):
    flags: tuple[str, ...]
    regions: tuple[str, ...]
    cells: dict[tuple[str, str], FlagCell]

    @property
    def drifting(self) -> list[FlagCell]:
        return [c for c in self.cells.values() if c.drift]


def build_matrix(board: Board) -> FlagMatrix:
    flags: list[str] = []
    regions: list[str] = []
    raw: dict[tuple[str, str], tuple[float | None, float | None, Freshness, str | None, float]] = {}
    missing: set[tuple[str, str]] = set()
    for name, slot in board.slots(FLAGS):
        flag, _, region = name.partition("@")
        flags += [flag] if flag not in flags else []
        regions += [region] if region not in regions else []
        good = slot.last_good
        observed = good.value if good and isinstance(good.value, float) else None
        cell = flag_cell(good.detail, name) if good else None
        desired = cell.desired_rollout if cell else None
        if cell and cell.reads_missing:
            missing.add((flag, region))
        raw[(flag, region)] = (
            observed,
            desired,
            board.freshness(FLAGS, name),
            slot.latest.error,
            board.age(FLAGS, name),
        )
    cells = {}
    for flag in flags:
        values = [raw[(flag, r)][0] for r in regions if (flag, r) in raw and raw[(flag, r)][0] is not None]
        top = Counter(values).most_common(1)
        # Only a strict majority is "what the regions agree on"; without one, every cell disagrees.
        majority = top[0][0] if top and top[0][1] * 2 > len(values) else None
        disagree = len(set(values)) > 1
        for region in regions:
            if (flag, region) not in raw:
                continue
            observed, desired, fresh, error, age = raw[(flag, region)]
            drift = observed is not None and (
                (desired is not None and observed != desired) or (disagree and observed != majority)
            )
            partial = observed is not None and 0 < observed < 100
            cells[(flag, region)] = FlagCell(
                flag, region, observed, desired, fresh, error, age, drift, partial, (flag, region) in missing
            )
    return FlagMatrix(tuple(flags), tuple(regions), cells)
