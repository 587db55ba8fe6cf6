"""The cockpit in a real tmux, as an on-call engineer meets it at 2 a.m.: keys sent with
send-keys, the screen read with capture-pane (-e for bold/reverse). Drill at high speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.incident.journal import read
from tests.term.tmux import Tmux, attributes_of, drill_command

XTERM = {"TERM": "xterm-256color"}


@pytest.fixture
def cockpit_in_tmux(tmp_path: Path):
    started: list[Tmux] = []

    def start(width: int = 120, height: int = 36, env: dict[str, str] | None = None, speed: float = 30) -> Tmux:
        tmux = Tmux(tmp_path, drill_command(tmp_path / "drill.jsonl", speed), width, height, env or XTERM)
        started.append(tmux)
        tmux.wait_for(lambda s: "Runbook" in s and "Gate" in s, what="the cockpit's first frame")
        return tmux

    yield start
    for tmux in started:
        tmux.close()


def journal(tmp_path: Path) -> list:
    path = tmp_path / "drill.jsonl"
    return read(path).entries if path.exists() else []


@pytest.mark.parametrize("size", [(80, 24), (120, 36), (200, 50)])
def test_every_size_shows_header_gate_and_the_next_step(cockpit_in_tmux, size: tuple[int, int]) -> None:
    tmux = cockpit_in_tmux(*size)
    screen = tmux.wait_for(lambda s: "next: Declare" in s, what="the next step")
    lines = screen.splitlines()
    assert "DRILL SEV2" in lines[0] and "NOT DECLARED" in lines[0]  # header
    assert lines[1].lstrip().startswith("NOT RESTORED — ")  # the one gate state, with its reason
    assert lines[2].lstrip().startswith("Gate ✖")  # the gate line: every condition with ✔/✖ and a word
    assert "[d]" in screen and "Declare" in screen  # the runbook, with the key of the next step
    assert "CRIT" in screen  # a panel with its alarm word
    assert all(len(line) <= size[0] for line in lines)


def test_at_80x24_t_shows_the_log_readable_and_back(cockpit_in_tmux, tmp_path: Path) -> None:
    tmux = cockpit_in_tmux(80, 24)
    tmux.keys("n")
    tmux.wait_for(lambda s: "Note for the incident log" in s, what="note dialog")
    note = "paged payments team; they confirm the retry job double-books holds since 01:52"
    tmux.text(note)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "Note for the incident log" not in s, what="note saved")
    tmux.keys("t")
    screen = tmux.wait_for(
        lambda s: "Incident log" in s and "paged payments team; they confirm" in s, what="the log, full width"
    )
    # The header: the one gate state with its reason, then the gate line of every condition.
    assert "next: Declare" in screen and screen.splitlines()[1].lstrip().startswith("NOT RESTORED")
    assert screen.splitlines()[2].lstrip().startswith("Gate")
    tmux.keys("t")
    tmux.wait_for(lambda s: "Error rate" in s and "Incident log" not in s, what="the panels again")


def test_the_one_letter_close_cannot_close_the_incident(cockpit_in_tmux, tmp_path: Path) -> None:
    tmux = cockpit_in_tmux()
    tmux.keys("x")
    tmux.wait_for(lambda s: "why close now?" in s, what="the close dialog")
    tmux.keys("n", "Enter")
    screen = tmux.wait_for(lambda s: "Not submitted" in s, what="Enter refused")
    assert "Esc = cancel" in screen or "Esc cancels" in screen
    tmux.keys("Tab", "Tab", "y", "Enter")  # letters on the buttons go into the reason, never press them
    tmux.wait_for(lambda s: "Not submitted" in s or "ny" in s, what="still open")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "why close now?" not in s and "Not submitted" not in s, what="Esc cancels")
    entries = journal(tmp_path)
    assert not [e for e in entries if e.step == "close" or e.kind == "close"], entries


def test_at_80x24_the_close_dialog_keeps_its_reason_field_and_buttons_on_screen(cockpit_in_tmux) -> None:
    tmux = cockpit_in_tmux(80, 24)
    # Nothing done yet: the open-items list is long (every step, most gate conditions).
    tmux.keys("x")
    screen = tmux.wait_for(lambda s: "Still open" in s, what="the close dialog")
    assert "why close now?" in screen, screen  # the reason field is not pushed off the screen
    assert "Close anyway" in screen and "Cancel" in screen, screen
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Still open" not in s, what="Esc cancels")


def test_enter_on_a_log_entry_shows_its_whole_text(cockpit_in_tmux) -> None:
    tmux = cockpit_in_tmux(100, 30)
    long_note = (
        "customer support reports 41 tickets about double charges; list exported to the shared drive "
        "under incident-2026-11-29; refunds wait for the repair step END-OF-NOTE"
    )
    tmux.keys("n")
    tmux.wait_for(lambda s: "Note for the incident log" in s, what="note dialog")
    tmux.text(long_note)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "Note for the incident log" not in s, what="note saved")
    tmux.keys("t")  # the log, focused
    screen = tmux.wait_for(lambda s: "customer support reports" in s, what="note in the log")
    assert "END-OF-NOTE" not in screen  # cut in the one-line log
    tmux.keys("Enter")
    detail = tmux.wait_for(lambda s: "END-OF-NOTE" in s, what="the whole text")
    assert "operator: tess" in detail and "Log entry #" in detail
    tmux.keys("q")
    tmux.wait_for(lambda s: "END-OF-NOTE" not in s, what="detail closed")


def test_zoom_and_filter_a_panel(cockpit_in_tmux) -> None:
    tmux = cockpit_in_tmux(120, 36)
    tmux.wait_for(lambda s: "payment-retry" in s and "emails" in s, what="queues")
    tmux.keys("Tab", "Tab")  # error rate, then queues
    tmux.keys("z")
    zoomed = tmux.wait_for(lambda s: "Queues" in s.splitlines()[0], what="queues zoomed")
    assert "Runbook" not in zoomed and "Error rate" not in zoomed
    tmux.keys("/")
    tmux.wait_for(lambda s: "Filter rows of Queues" in s, what="filter dialog")
    tmux.text("pay")
    tmux.keys("Enter")
    shown = tmux.wait_for(lambda s: "/pay (1 of 2)" in s, what="filtered")
    assert "payment-retry" in shown and "emails" not in shown
    tmux.keys("/")
    tmux.wait_for(lambda s: "Filter rows of Queues" in s, what="filter dialog")
    tmux.keys("BSpace", "BSpace", "BSpace")
    tmux.wait_for(lambda s: "text to keep, or !text to hide" in s, what="the old filter deleted")  # placeholder
    tmux.text("!pay")
    tmux.wait_for(lambda s: "!pay" in s, what="typed")
    tmux.keys("Enter")
    shown = tmux.wait_for(lambda s: "/!pay (1 of 2)" in s, what="inverted filter")
    assert "emails" in shown and "payment-retry" not in shown
    tmux.keys("Enter")  # the detail of the row under the cursor
    tmux.wait_for(lambda s: "queues: emails" in s, what="row detail")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "queues: emails" not in s, what="detail closed")
    tmux.keys("z")
    tmux.wait_for(lambda s: "Runbook" in s and "Error rate" in s, what="back from zoom")


@pytest.mark.parametrize(
    "env", [{"TERM": "xterm-256color", "NO_COLOR": "1"}, {"TERM": "xterm-16color"}], ids=["NO_COLOR", "16-colours"]
)
def test_alarms_stand_out_by_attribute_not_only_colour(cockpit_in_tmux, env: dict[str, str]) -> None:
    tmux = cockpit_in_tmux(160, 50, env)
    screen = tmux.wait_for(lambda s: "CRIT" in s and "FAIL" in s, what="alarm words", escapes=True)
    for word in ("CRIT", "FAIL"):
        found = attributes_of(screen, word)
        assert found and all({"bold", "reverse"} & attrs for attrs in found), (word, found)
    if "NO_COLOR" in env:
        assert "colour" not in set().union(*attributes_of(screen, "CRIT"))  # the terminal's own colours


def test_term_linux_draws_ascii_only(cockpit_in_tmux) -> None:
    tmux = cockpit_in_tmux(100, 30, {"TERM": "linux"})
    screen = tmux.wait_for(lambda s: "CRIT" in s and "payment-retry" in s, what="panels")
    assert screen.isascii(), sorted({c for c in screen if not c.isascii()})
    assert "+- Error rate" in screen  # borders in ASCII, same places


def test_a_filter_with_brackets_is_shown_as_typed_and_the_cockpit_keeps_running(cockpit_in_tmux) -> None:
    """As markup, the border's "/[/x]" raised MarkupError and ended the app; "[b]…[/b]" lost its brackets."""
    tmux = cockpit_in_tmux()
    tmux.keys("Tab")
    tmux.keys("/")
    tmux.wait_for(lambda s: "Filter rows of" in s, what="the filter dialog")
    tmux.text("[/x][b]pay[/b]")
    tmux.keys("Enter")
    screen = tmux.wait_for(
        lambda s: "/[/x][b]pay[/b]" in s and "Filter rows of" not in s, what="the filter in the border"
    )
    assert "Runbook" in screen and "next: Declare [d]" in screen  # still running; the key shown, not read as dim
