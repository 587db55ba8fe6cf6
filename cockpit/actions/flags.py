"""Flags to their safe values in every region, regions in parallel, each read back.

A kill switch sets enabled = false, never "0 percent". A region that rejects the change or
still disagrees afterwards is named, with what it says now; nothing is hidden or retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.actions.data import FlagReadback, Writes
from cockpit.actions.outcome import NOT_CHANGED, UNKNOWN, describe, write_outcome
from cockpit.backends.flags import FlagRegionSource
from cockpit.core.details import flag_cell
from cockpit.core.readings import Reading


class SetFlags(Action):
    """Set flags to target values in every region they live in."""

    def __init__(
        self,
        sources: Sequence[FlagRegionSource],
        targets: dict[str, bool],
        *,
        name: str,
        title: str,
        step: str | None,
        patience: float = 10.0,
    ) -> None:
        self.sources = list(sources)
        self.targets = targets  # flag -> enabled
        self.name, self.title, self.step = name, title, step
        self.patience = patience

    def _cells(self) -> list[tuple[FlagRegionSource, str]]:
        return [(s, f.name) for s in self.sources for f in s.flags if f.name in self.targets]

    async def _observe(self) -> dict[tuple[str, str], tuple[float | None, str | None]]:
        """(flag, region) -> (rollout served, error), every region read in parallel."""

        async def one(source: FlagRegionSource) -> tuple[FlagRegionSource, list[Reading], str | None]:
            try:
                return source, await source.read(), None
            except Exception as exc:  # noqa: BLE001 - a dead region is reported, not fatal
                return source, [], f"{type(exc).__name__}: {str(exc)[:100]}"

        out: dict[tuple[str, str], tuple[float | None, str | None]] = {}
        for source, readings, error in await asyncio.gather(*(one(s) for s in self.sources)):
            by_name = {r.name: r for r in readings}
            for flag in source.flags:
                if flag.name in self.targets:
                    r = by_name.get(f"{flag.name}@{source.region.name}")
                    value = r.value if r is not None and isinstance(r.value, float) else None
                    problem = error or (r.error if r else "no reading")
                    cell = flag_cell(r.detail, r.name) if r is not None else None
                    if cell is not None and cell.reads_missing:
                        # Absent is not off: a deleted hash must not pass for a kill switch.
                        problem = f"MISSING ({cell.missing_reason})"
                    out[(flag.name, source.region.name)] = (value, problem)
        return out

    async def preview(self) -> Preview:
        observed = await self._observe()
        lines, changes = [], 0
        for source, flag in self._cells():
            value, error = observed[(flag, source.region.name)]
            want = "on" if self.targets[flag] else "off"
            if error:
                lines.append(f"{flag}@{source.region.name}: UNREADABLE ({error}) -> {want}")
                changes += 1
            elif ((value or 0) > 0) == self.targets[flag] and (not self.targets[flag] or (value or 0) >= 100):
                lines.append(f"{flag}@{source.region.name}: already {want}")
            else:
                lines.append(f"{flag}@{source.region.name}: {_pct(value)} -> {want}")
                changes += 1
        return Preview(
            self.name,
            self.title,
            tuple(lines) or ("no flag is configured",),
            {"cells": len(lines), "changes": changes, "regions": len(self.sources)},
            warnings=("A kill switch: enabled = false in each region (never 0 %).",),
            nothing_to_do=changes == 0,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        async def region(source: FlagRegionSource) -> list[tuple[str, str, BaseException | None]]:
            done: list[tuple[str, str, BaseException | None]] = []
            for flag in source.flags:
                if flag.name not in self.targets:
                    continue
                source.desired[flag.name] = 100.0 if self.targets[flag.name] else 0.0
                try:
                    done.append((flag.name, await source.set(flag.name, self.targets[flag.name]), None))
                except Exception as exc:  # noqa: BLE001 - reported per region
                    done.append((flag.name, "", exc))
            return [(f"{name}@{source.region.name}", what, err) for name, what, err in done]

        results = [cell for cells in await asyncio.gather(*(region(s) for s in self.sources)) for cell in cells]
        by_outcome: dict[str, list[str]] = {}
        failed = []
        # The command log: the exact write per cell (a failed one is named by its cell).
        sent = [
            f"{cell}: {what}" if err is None else f"{cell}: write failed: {describe(err)}"
            for cell, what, err in results
        ]
        for cell, what, err in results:
            if err is None:
                progress(f"{cell}: {what}")
                continue
            outcome = write_outcome(err)
            by_outcome.setdefault(outcome, []).append(cell)
            failed.append(f"{cell}: {describe(err)}")
            progress(f"{cell}: FAILED ({outcome}): {describe(err)}")
        if failed:
            written = [cell for cell, _, err in results if err is None]
            left = [f"written: {', '.join(written) or 'none'}"]
            if NOT_CHANGED in by_outcome:
                left.append(f"NOT changed (still serve their old value): {', '.join(by_outcome[NOT_CHANGED])}")
            if UNKNOWN in by_outcome:
                left.append(f"unknown (the write may have landed; see the read-back): {', '.join(by_outcome[UNKNOWN])}")
            return Result(
                False,
                f"{len(failed)} of {len(results)} writes failed: {'; '.join(failed)}",
                state_left="; ".join(left),
                data=Writes(
                    "written",
                    tuple(written),
                    tuple(sent),
                    tuple(failed),
                    tuple(by_outcome.get(NOT_CHANGED, [])),
                    tuple(by_outcome.get(UNKNOWN, [])),
                ),
            )
        return Result(
            True,
            f"{len(results)} flag cells written in {len(self.sources)} regions",
            data=Writes("written", tuple(cell for cell, _, _ in results), tuple(sent)),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        # Patience is wall time: a region that hangs to its timeout on every read-back must
        # not stretch "10 s" into 20 (and the result says how long it really waited).
        started = time.monotonic()
        while True:
            observed = await self._observe()
            waited = time.monotonic() - started
            wrong = []
            for source, flag in self._cells():
                value, error = observed[(flag, source.region.name)]
                ok = error is None and ((value or 0) > 0) == self.targets[flag]
                if not ok:
                    wrong.append(
                        f"{flag}@{source.region.name} " + (f"unreadable: {error}" if error else f"reads {_pct(value)}")
                    )
            if not wrong or waited >= self.patience:
                break
            await asyncio.sleep(min(1.0, max(0.0, self.patience - waited)))
        readback = {f"{flag}@{region}": value for (flag, region), (value, _) in observed.items()}
        if wrong:
            return Result(
                False,
                f"still wrong after {waited:.0f}s: {'; '.join(wrong)}",
                state_left="those regions do not serve the safe value",
                data=FlagReadback(readback),
            )
        return Result(True, f"every region reads back the target ({len(readback)} cells)", data=FlagReadback(readback))


def _pct(value: float | None) -> str:
    if value is None:
        return "?"
    return "off" if value <= 0 else "on" if value >= 100 else f"{value:.0f}%"


class MaintenanceToggle(Action):
    """The read-only/maintenance switch: one configured flag, on or off in every region."""

    name = "maintenance"
    title = "Toggle the read-only/maintenance switch in every region"
    step = None

    def __init__(self, sources: Sequence[FlagRegionSource], flag: str, on_value: bool) -> None:
        self.sources = [s for s in sources if any(f.name == flag for f in s.flags)]
        self.flag, self.on_value = flag, on_value
        self._inner: SetFlags | None = None

    async def preview(self) -> Preview:
        probe = SetFlags(self.sources, {self.flag: self.on_value}, name=self.name, title=self.title, step=None)
        observed = await probe._observe()
        is_on = bool(observed) and all(((v or 0) > 0) == self.on_value for v, _ in observed.values())
        target = (not self.on_value) if is_on else self.on_value
        verb = "OFF (back to normal)" if is_on else "ON (read-only / maintenance)"
        self._inner = SetFlags(
            self.sources,
            {self.flag: target},
            name=self.name,
            title=f"Switch {self.flag} {verb} in every region",
            step=None,
        )
        preview = await self._inner.preview()
        return Preview(self.name, self._inner.title, preview.touches, preview.counts, preview.warnings)

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        assert self._inner is not None
        return await self._inner.execute(preview, progress)

    async def verify(self, preview: Preview, executed: Result) -> Result:
        assert self._inner is not None
        return await self._inner.verify(preview, executed)
