"""The one registry of named commands: it feeds the key bindings, the footer, the help
screen and the command palette, so they can never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cockpit.core.runbook import Phase, StepDef, default_steps

#: Runbook phases whose (first) step shows in the footer.
FOOTER_PHASES = (Phase.DECLARE, Phase.STOP, Phase.FLAGS, Phase.REVERT)


class Command(NamedTuple):
    name: str  # the app's action_<name> handles it
    key: str
    description: str
    label: str  # the footer's short label
    writes: bool  # changes something (journal or backend): never bound in --read-only
    footer: bool = True
    group: str = "incident"


def commands(read_only: bool, runbook: Sequence[StepDef] | None = None) -> list[Command]:
    """Every command, in help order; read-only mode leaves the writing ones out entirely.
    One command per runbook step (`Session.steps`; default: the default steps); a step
    with no key of its own is reached from the palette only."""
    shown: set[Phase] = set()
    steps = []
    for s in default_steps() if runbook is None else runbook:
        footer = s.phase in FOOTER_PHASES and s.phase not in shown and bool(s.key)
        shown |= {s.phase} if footer else set()
        steps.append(Command(f"step_{s.id}", s.key, f"{s.title}: {s.hint}", s.short, True, footer, "runbook"))
    general = [
        Command(
            "maintenance", "m", "Toggle the read-only/maintenance switch in every region", "Maint.", True, footer=False
        ),
        Command("note", "n", "Add a note to the incident log", "Note", True),
        Command("skip_step", "k", "Skip a runbook step (a reason is required)", "Skip", True, footer=False),
        Command("hand_lead", "l", "Hand the rollback lead to someone else (journaled)", "Lead", True, footer=False),
        Command(
            "set_driver",
            "o",
            "Say who is at the keyboard now (shared tmux): entries are theirs",
            "Driver",
            True,
            footer=False,
        ),
        Command(
            "export",
            "e",
            "Export the post-incident report (Markdown and JSON) next to the journal",
            "Export",
            False,
            footer=False,
        ),
        Command(
            "focus_next",
            "tab",
            "Focus the next panel or the log (↑/↓ then move its cursor row)",
            "Next",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "open_detail",
            "enter",
            "Open the focused row or log entry whole: text, operator, readings "
            "before/after, streamed output, commands sent",
            "Detail",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "zoom",
            "z",
            "Zoom the focused panel to the full screen, and back (Esc also returns)",
            "Zoom",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "filter_rows",
            "slash",
            "Filter the rows of the focused panel or the log (text; !text hides)",
            "Filter",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "toggle_log",
            "t",
            "Show the incident log full width instead of the panels, and back",
            "Log",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "release_view",
            "g",
            "The release map, live: each change, what it touched, its undo, owner, order and state",
            "Release",
            False,
            footer=False,
            group="view",
        ),
        Command(
            "approve",
            "",
            "Approve the step another operator asks you (a listed approver) to approve",
            "Approve",
            True,
            footer=False,
        ),
        Command("help", "question_mark", "Show every key", "Help", False),
        Command("quit_cockpit", "q", "Quit (the incident stays open in the journal)", "Quit", False),
    ]
    return [c for c in steps + general if not (read_only and c.writes)]


#: Textual's command palette: not a registry command, listed in help and README all the same.
PALETTE = ("ctrl+p", "Command palette: search every command")

KEY_DISPLAY = {"question_mark": "?", "slash": "/", "enter": "Enter", "tab": "Tab", "": "—"}


def markdown_table(read_only: bool = False) -> str:
    """README's key table, from the same registry as the help screen (a test keeps them equal)."""
    rows = ["| key | command | what it does |", "|---|---|---|"]
    for c in commands(read_only):
        rows.append(f"| `{KEY_DISPLAY.get(c.key, c.key)}` | {c.name} | {c.description} |")
    rows.append(f"| `{PALETTE[0]}` | palette | {PALETTE[1]} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
