"""Keeping the screen current: the session's entries and readings become one batched
repaint; behind a dialog the panels are frozen and caught up once when it closes; a shared
incident's log is shown in the shared store's one order. A mixin of `CockpitApp`."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ScreenStackError
from textual.css.query import NoMatches
from textual.screen import ModalScreen

from cockpit.core.step_checks import open_preconditions
from cockpit.panels.base import Panel
from cockpit.panels.log import LogPanel
from cockpit.panels.records import RecordsPanel
from cockpit.panels.runbook import RunbookPanel
from cockpit.panels.status_bar import StatusBar, StatusView, stopped_steps

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from cockpit.core.session import Session
    from cockpit.incident.journal import Entry
    from cockpit.ui.notify import Notice, Notifier

    _AppBase = App[None]  # type checkers see the app this mixin is part of
else:
    _AppBase = object


#: Readings and journal entries redraw the view at most this often (seconds); keys and
#: actions redraw at once.
REFRESH_GAP = 0.25
#: A reading waits this long for the readings landing with it (each source is read by its
#: own task, so one second's readings arrive a few ms apart): one redraw for all of them.
SETTLE = 0.05


class ViewRefresh(_AppBase):
    """Renders the session's state; never changes it."""

    session: Session
    notifier: Notifier
    _shown_order: int
    _last_refresh: float = 0.0  # time.monotonic() of the last view refresh
    _last_second: int | None = None  # the board's clock, in whole seconds, at the last redraw
    _refresh_timer: Timer | None = None  # the scheduled redraw (None: none due), stopped when one runs sooner
    _behind_modal: bool
    _held_entries: list[Entry]
    _panels: list[Panel] | None = None  # the main screen's panels (fixed once composed)

    if TYPE_CHECKING:

        def _signal(self, notice: Notice | None) -> None: ...

        def ask_approval(self, entry: Entry) -> None: ...

    def _refresh_shared(self) -> None:
        """Show every operator's entries in the shared store's one order."""
        shared = self.session.shared
        assert shared is not None
        if self._covered():
            return  # frozen behind a dialog; the catch-up after it closes rebuilds the log
        order = shared.ordered_identities()
        if len(order) == self._shown_order:
            return
        self._shown_order = len(order)
        by_identity = {}
        for entry in self.session.journal.entries:
            mirror = entry.data.get("mirror")
            key = (mirror["instance"], mirror["seq"]) if isinstance(mirror, dict) else (shared.instance, entry.seq)
            by_identity[key] = entry
        try:
            log = self.query_one(LogPanel)
        except NoMatches:
            return
        log.clear()
        log.count = 0
        for identity in order[-300:]:
            if identity in by_identity:
                log.add(by_identity[identity])

    # -- keeping the screen current --------------------------------------------------
    def _on_entry(self, entry: Entry) -> None:
        self._signal(self.notifier.on_entry(entry))
        if entry.data.get("approval") == "request":
            self.call_later(self.ask_approval, entry)  # another operator's step waits for my approval
        if self._covered():
            self._held_entries.append(entry)  # shown when the dialog closes (see _refresh_view)
            self._behind_modal = True
            return
        try:
            self.query_one(LogPanel).add(entry)
        except NoMatches:
            return
        self._schedule_refresh()

    def _on_change(self, kind: str) -> None:
        self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        # Many readings can land in one loop turn; redraw once for all of them, and at most
        # every REFRESH_GAP: a fast drill or a busy incident delivers dozens a second, each
        # redraw costs a frame, and nobody reads faster (the drill at 720x spent half its
        # CPU redrawing 24 times a second).
        if self._refresh_timer is not None:
            return
        self._refresh_timer = self.set_timer(
            max(SETTLE, self._last_refresh + REFRESH_GAP - time.monotonic()), self._due_refresh
        )

    def _due_refresh(self) -> None:
        """The scheduled redraw, unless one already ran since it was scheduled (a key, the
        1 s tick): a stale timer left running redrew again, and each tick added one more
        (the drill at 720x redrew ~9 times a second instead of at most 4)."""
        if self._refresh_timer is not None:  # None: a redraw ran since and stopped it
            self._refresh_timer = None  # this one is running: nothing to stop
            self.refresh_view()

    def tick_view(self) -> None:
        """The 1 s redraw (the clock and the ages move without readings), skipped when a
        redraw is already scheduled (it lands within REFRESH_GAP and shows the same) or a
        reading redrew the view in this same second of the board's clock (live sources
        redraw every second). Skipping by "less than x s ago" instead skipped every other
        tick of a 2 s source whose redraws landed just after the tick: ages stepped by 2 s
        and STALE could show up to ~1.5 s late."""
        if self._refresh_timer is not None:
            return
        if self._last_second != int(self.session.board.now().timestamp()):
            self.refresh_view()

    def refresh_view(self) -> None:
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        self._last_refresh = time.monotonic()
        try:
            self._refresh_view()
        except (NoMatches, ScreenStackError):
            return  # shutting down: the main screen (or its widgets) already gone; a timed redraw may land then

    def _covered(self) -> bool:
        """A dialog is on top: the panels behind it are frozen. Textual repaints the whole
        dimmed background for any change behind a modal, so drawing there cost a full frame
        per reading (over SSH, 10-16x the same screen without the dialog)."""
        return isinstance(self.screen, ModalScreen)

    def _on_screen_change(self, screen: object) -> None:
        if self._behind_modal and not self._covered():
            self._schedule_refresh()  # the one catch-up repaint

    def _reserve_panel_rows(self) -> None:
        """Before the first frame: each panel as tall as its sources' expected readings will
        make it, so a reading that lands after the first frame (every `cockpit run` source,
        a drill source slower than the first frame's wait) repaints that panel alone."""
        names: dict[str, list[str]] = {}
        for poller in self.session.pollers:
            names.setdefault(poller.source.kind, []).extend(poller.source.expected_names())
        for panel in self.query(Panel):
            panel.reserve(names.get(panel.source, []))

    def _refresh_view(self) -> None:
        with self.session.board.held_clock() as now:  # one clock read for the whole refresh
            self._last_second = int(now.timestamp())
            self._refresh_at(now)

    def _refresh_at(self, now: datetime) -> None:
        session = self.session
        board = session.board
        # The session evaluates (and journals) the gate in its own loop; the view shows it.
        gate = session.gate_status or session.evaluate_gate()
        if self._covered():
            for notice in self.notifier.on_board(board, session.incident.update_countdown(now)):
                self._signal(notice)
            self._behind_modal = True
            return
        self._behind_modal = False
        if self._held_entries and self.session.shared is not None:
            self._held_entries.clear()  # the shared log is rebuilt in its one order instead
        if self._held_entries:
            log = self.query_one(LogPanel)
            for entry in self._held_entries:
                log.add(entry)
            self._held_entries.clear()
        self.query_one(RecordsPanel).baseline = session.baseline
        if not self._panels:
            self._panels = list(self.query(Panel))  # a CSS query per redraw was ~40 % of the redraw
        with self.batch_update():
            for panel in self._panels:
                panel.refresh_from(board)
            locks = session.shared.locks if session.shared is not None else {}
            self.query_one(RunbookPanel).show(session.runbook, session.read_only, locks, open_preconditions(session))
            for notice in self.notifier.on_board(board, session.incident.update_countdown(now)):
                self._signal(notice)
            self.query_one(StatusBar).show(
                StatusView(
                    session.incident,
                    session.incident.elapsed(now),
                    session.incident.update_countdown(now),
                    session.journal.operator.name,
                    session.read_only,
                    session.backends.label,
                    gate,
                    session.journal_error,
                    None if session.shared is None else (session.shared.error or "shared ✔"),
                    stopped_steps(session.runbook),
                )
            )
