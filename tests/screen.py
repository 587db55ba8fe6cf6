"""Read the TUI as a person would: the screen's characters, as plain text."""

from __future__ import annotations

from textual.app import App


def screen_text(app: App) -> str:
    """Every line of what the terminal shows right now (the active screen, modals included)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)
