"""The app's view keys: detail (Enter), zoom (z), row filter (/), log toggle (t), the hint
for a key nothing answers, and the bell/OSC 9 signal. A mixin of `CockpitApp`, kept apart
so the app module stays wiring."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static

from cockpit.panels.base import Panel
from cockpit.panels.log import LogPanel
from cockpit.panels.runbook import RunbookPanel
from cockpit.ui.notify import Notice, in_tmux, terminal_bytes

if TYPE_CHECKING:
    from textual.app import App

    from cockpit.core.session import Session

    _AppBase = App[None]  # type checkers see the app this mixin is part of
else:
    _AppBase = object

#: How long the footer says that a key does nothing.
KEY_HINT_SECONDS = 1.2
#: Keys that do nothing on purpose (focus moves, modifiers, Esc out of habit): no hint.
QUIET_KEYS = {
    "escape",
    "tab",
    "shift+tab",
    "ctrl+i",
    "shift",
    "ctrl",
    "alt",
    "meta",
    "super",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
    "home",
    "end",
}


class ViewActions(_AppBase):
    """Keys that change what is shown, never what is in the systems or the journal."""

    session: Session
    signals: list[Notice]
    _hint_timer: Timer | None
    last_key_hint = ""

    # -- which widget a view key acts on ---------------------------------------------------
    def _view_target(self) -> Panel | LogPanel | None:
        focused = self.focused
        return focused if isinstance(focused, (Panel, LogPanel)) else None

    def _focused_runbook(self) -> RunbookPanel | None:
        return self.focused if isinstance(self.focused, RunbookPanel) else None

    def action_open_detail(self) -> None:
        if (runbook := self._focused_runbook()) is not None:
            runbook.action_open_detail()
            return
        target = self._view_target()
        if target is None:
            # Nothing focused: the newest log entry, the most likely question ("what just happened?").
            try:
                target = self.query_one(LogPanel)
            except NoMatches:
                return
        target.action_open_detail()

    def on_panel_open_detail(self, message: Panel.OpenDetail) -> None:
        from cockpit.ui.detail import DetailScreen  # loaded on first use

        panel = message.panel
        self.push_screen(
            DetailScreen(
                f"{panel.title}: {message.ident}",
                panel.detail(self.session.board, message.ident),
            )
        )

    def on_runbook_panel_open_step(self, message: RunbookPanel.OpenStep) -> None:
        from cockpit.core.detail_text import step_detail
        from cockpit.core.step_checks import preconditions
        from cockpit.ui.detail import DetailScreen

        session = self.session
        self.push_screen(
            DetailScreen(
                f"Runbook step: {message.step_id}",
                step_detail(
                    message.step_id,
                    session.runbook,
                    session.journal.entries,
                    [j.line for j in preconditions(session, message.step_id)],
                ),
            )
        )

    def on_log_panel_open_entry(self, message: LogPanel.OpenEntry) -> None:
        from cockpit.core.detail_text import entry_detail
        from cockpit.ui.detail import DetailScreen

        entry = message.entry
        self.push_screen(
            DetailScreen(
                f"Log entry #{entry.seq}",
                entry_detail(entry, self.session.journal.entries),
            )
        )

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is not None:
            screen.minimize()
            return
        target = self._view_target()
        if target is None:
            panels = list(self.query(Panel))
            if not panels:
                return
            target = panels[0]
            target.focus()
        screen.maximize(target, container=False)
        if isinstance(target, Panel):
            target.redraw()  # a zoomed panel shows every row

    def action_filter_rows(self) -> None:
        from cockpit.ui.detail import FilterScreen  # loaded on first use

        target = self._view_target()
        if target is None:
            self.show_key_hint("/ filters the focused panel: Tab to a panel or the log first")
            return

        def done(text: str | None) -> None:
            if text is not None:
                target.set_filter(text)

        title = target.title if isinstance(target, Panel) else "the incident log"
        self.push_screen(FilterScreen(title, target.filter_text), done)

    def action_toggle_log(self) -> None:
        screen = self.screen
        screen.toggle_class("-log-view")
        if screen.has_class("-log-view"):
            self.query_one(LogPanel).focus()
        elif isinstance(self.focused, LogPanel):
            self.focused.blur()

    # -- keys that do nothing --------------------------------------------------------------
    def on_key(self, event: events.Key) -> None:
        """A key nothing answers gets a hint in the footer for a moment, not silence."""
        if isinstance(self.screen, ModalScreen) or event.key in QUIET_KEYS:
            return
        if event.key in self.active_bindings:
            return
        shown = event.character if event.is_printable and event.character else event.key
        where = " (read-only)" if self.session.read_only else ""
        self.show_key_hint(f"no action on '{shown}'{where} — ? for help")

    def show_key_hint(self, text: str) -> None:
        try:
            hint = self.query_one("#key-hint", Static)
        except NoMatches:
            return
        hint.update(Text(text))  # a key's character ("[") is shown, never read as markup
        hint.add_class("-shown")
        self.last_key_hint = text
        if self._hint_timer is not None:
            self._hint_timer.stop()
        self._hint_timer = self.set_timer(
            KEY_HINT_SECONDS,
            lambda: hint.remove_class("-shown"),
        )

    # -- getting attention -----------------------------------------------------------------
    def _signal(self, notice: Notice | None) -> None:
        """Bell and OSC 9 desktop notification (through tmux when inside it), as configured."""
        if notice is None:
            return
        self.signals.append(notice)
        cfg = self.session.config.notify
        driver = self._driver
        if not self.is_headless and driver is not None and (cfg.bell or cfg.osc9):
            driver.write(
                terminal_bytes(f"cockpit: {notice.text}", bell=cfg.bell, osc9=cfg.osc9, tmux=in_tmux(os.environ))
            )
