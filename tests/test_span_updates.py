"""A partial screen update sends only the cells that changed (what crosses an SSH link):
the changed runs of a line, and Textual's update written from the run's own column."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.control import Control
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from cockpit.panels.repaint import changed_regions, changed_spans
from cockpit.ui import spans


def line(*texts: str) -> tuple[tuple[str, object], ...]:
    return tuple((text, None) for text in texts)


def test_changed_runs_are_only_the_cells_that_differ() -> None:
    assert changed_spans(line("depth ", "267"), line("depth ", "267")) == []
    assert changed_spans(line("depth ", "267"), line("depth ", "268")) == [(8, 9)]
    # A value at the left and the newest sparkline cell at the right: two runs, not the line.
    assert changed_spans(line("7.1% ", "▁" * 30), line("7.2% ", "▁" * 30 + "▃")) == [(2, 3), (35, 36)]
    # Shorter: the old tail is blanked.
    assert changed_spans(line("12,345 jobs"), line("12 jobs")) == [(2, 11)]
    # Wide characters: one run from the first difference, in cells.
    assert changed_spans(line("界 a"), line("界 b")) == [(3, 4)]
    assert [(r.x, r.y, r.width) for r in changed_regions([line("ab"), line("cd")], [line("ab"), line("cx")], 10)] == [
        (1, 1, 1)
    ]


def test_an_update_of_a_span_is_written_from_the_span_not_from_the_widget_edge() -> None:
    console = Console(width=40, force_terminal=True, color_system=None)
    update = ChopsUpdate([{0: Strip([Segment("queue payment-retry 267")])}], [(0, 20, 23)], [[23]])
    spans.install()
    written = update.render_segments(console)
    assert written == Control.move_to(20, 0).segment.text + "267"
    assert "payment" not in written


def test_an_update_sets_each_style_once_while_it_lasts_and_leaves_the_terminal_reset() -> None:
    """Two changed counts of one panel (same colours) and a green one on another line: the
    style is sent once for the first two, replaced in one sequence for the third, reset
    once at the end, and no newline between lines (each piece has its own cursor move)."""
    console = Console(width=40, force_terminal=True, color_system="256")
    red, green = Style.parse("red on black"), Style.parse("green on black")
    update = ChopsUpdate(
        [
            {0: Strip([Segment("depth ", None), Segment("267", red)])},
            {0: Strip([Segment("fail 12", red)])},
            {0: Strip([Segment("wait ", None), Segment("4s", green)])},
        ],
        [(0, 6, 9), (1, 5, 7), (2, 5, 7)],
        [[9], [7], [7]],
    )
    spans.install()
    written = update.render_segments(console)
    assert written == (
        Control.move_to(6, 0).segment.text
        + "\x1b[31;40m267"
        + Control.move_to(5, 1).segment.text
        + "12"
        + Control.move_to(5, 2).segment.text
        + "\x1b[0;32;40m4s\x1b[0m"
    )


def test_without_the_strip_renderers_the_writer_uses_textual_keeps_its_own_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Textual without `Strip.render_ansi` or `Strip.render_style` keeps its own
    whole-line update rather than a crop that would fail while drawing."""
    for missing in ("render_ansi", "render_style"):
        with monkeypatch.context() as patch:

            def textual_own(self: ChopsUpdate, console: Console) -> str:
                return "textual's own"

            patch.delattr(ChopsUpdate, "_cockpit_span_crop", raising=False)
            patch.setattr(ChopsUpdate, "render_segments", textual_own)
            patch.delattr(Strip, missing)
            assert spans.install() is False
            assert ChopsUpdate.render_segments is textual_own
    assert spans.install() is True
