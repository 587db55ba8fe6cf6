"""The Textual app: layout, key bindings from the registry, screens. Wiring only —
the session does the work, the panels do the drawing."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.filter import Monochrome, NoColor
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Footer, Static

from cockpit.actions import Preview
from cockpit.core.runbook import step_by_id
from cockpit.core.session import Session
from cockpit.incident.journal import Entry
from cockpit.panels.base import Panel
from cockpit.panels.checks import ChecksPanel
from cockpit.panels.error_rate import ErrorRatePanel
from cockpit.panels.flags import FlagsPanel
from cockpit.panels.log import LogPanel
from cockpit.panels.queues import QueuesPanel
from cockpit.panels.records import RecordsPanel
from cockpit.panels.runbook import RunbookPanel
from cockpit.panels.status_bar import StatusBar, StatusView
from cockpit.ui.app_view import ViewActions
from cockpit.ui.commands import KEY_DISPLAY, Command, commands
from cockpit.ui.glyphs import AsciiFilter, wants_ascii
from cockpit.ui.notify import Notice, Notifier

#: How long (real seconds) the first frame waits for the first readings; slower sources
#: fill in as they answer.
FIRST_FRAME_WAIT = 0.3


def _action_string(command: Command) -> str:
    if command.name.startswith("step_"):
        return f"step('{command.name.removeprefix('step_')}')"
    return command.name


class RegistryCommands(Provider):
    """The command palette lists exactly the registry's commands."""

    async def discover(self) -> Hits:
        app = self.app
        assert isinstance(app, CockpitApp)
        for command in app.commands:
            yield DiscoveryHit(
                f"{command.description} [{KEY_DISPLAY.get(command.key, command.key)}]",
                partial(app.palette_run, _action_string(command)),
                help=command.name,
            )

    async def search(self, query: str) -> Hits:
        app = self.app
        assert isinstance(app, CockpitApp)
        matcher = self.matcher(query)
        for command in app.commands:
            text = f"{command.description} [{KEY_DISPLAY.get(command.key, command.key)}]"
            if (score := matcher.match(f"{command.name} {text}")) > 0:
                yield Hit(
                    score, matcher.highlight(text), partial(app.palette_run, _action_string(command)), help=command.name
                )


class CockpitApp(ViewActions, App[None]):
    TITLE = "cockpit"
    COMMANDS = {RegistryCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    CSS = """
    Screen { layout: vertical; layers: default hint; }
    #body { height: 1fr; }
    #left { width: 3fr; scrollbar-size-vertical: 1; }
    #right { width: 2fr; max-width: 72; }
    Screen.-narrow #right { width: 28; }
    Screen.-narrow #left { width: 1fr; }
    /* Small terminals: the panels, or (t) the log full width; the runbook always shows. */
    Screen.-narrow #log { display: none; }
    Screen.-log-view #left { display: none; }
    Screen.-log-view #right { width: 1fr; max-width: 100%; }
    Screen.-log-view #log { display: block; }
    #runbook { height: auto; }
    #key-hint { dock: bottom; layer: hint; height: 1; width: 100%; display: none;
                background: $warning; color: $background; text-style: bold; padding: 0 1; }
    #key-hint.-shown { display: block; }
    """
    BINDINGS = [
        Binding("ctrl+c", "ctrl_c", "", show=False, priority=True),
        Binding("ctrl+q", "quit_cockpit", "", show=False, priority=True),
    ]

    def __init__(self, session: Session, preflight: Callable[[], Awaitable[list[str]]] | None = None) -> None:
        super().__init__()
        self.session = session
        #: Checks the environment and every backend once at start; failures are shown on screen.
        self.preflight = preflight
        self.commands: list[Command] = commands(session.read_only)
        self._registry_actions = {
            "step",
            "maintenance",
            "note",
            "skip_step",
            "help",
            "quit_cockpit",
            "export",
            "hand_lead",
            "set_driver",
            "open_detail",
            "zoom",
            "filter_rows",
            "toggle_log",
        }
        self._shown_order = 0
        for command in self.commands:
            self.bind(
                command.key,
                _action_string(command),
                description=command.label,
                show=command.footer,
                key_display=KEY_DISPLAY.get(command.key),
            )
        cfg = session.config
        self._targets = {q.name: (q.expect, q.target) for q in cfg.postgres.suspects} if cfg.postgres else {}
        self._thresholds = {q.name: (q.warn, q.critical) for q in cfg.prometheus.queries} if cfg.prometheus else {}
        self._risky = {q.name for q in cfg.queues if q.risky}
        self._refresh_pending = False
        #: Something changed while a dialog covered the panels: repaint once when it closes.
        self._behind_modal = False
        self._held_entries: list[Entry] = []
        self._hint_timer: Timer | None = None
        if self.no_color:
            # Textual's NO_COLOR default turns colours into greys: red alarms became dark grey
            # on near-black (1.3:1). No colour at all instead: the terminal's own foreground
            # and background, so bold and reverse (alarms, the cursor row) have full contrast.
            self._filters = [NoColor() if isinstance(f, Monochrome) else f for f in self._filters]
        if wants_ascii(os.environ, sys.stderr.encoding):
            self._filters.append(AsciiFilter())  # TERM=linux and friends: no boxes for symbols
        self.notifier = Notifier(cfg.notify)
        #: Every notice signalled this run (what the bell and OSC 9 said), newest last.
        self.signals: list[Notice] = []

    # -- layout ----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="body"):
            with VerticalScroll(id="left"):
                yield ErrorRatePanel(self._thresholds, id="error-rate")
                yield QueuesPanel(self._risky, id="queues")
                yield FlagsPanel(id="flags")
                yield RecordsPanel(self._targets, id="records")
                yield ChecksPanel(id="checks")
            with Vertical(id="right"):
                yield RunbookPanel(id="runbook")
                yield LogPanel(id="log")
        yield Footer()
        yield Static("", id="key-hint")

    async def on_load(self) -> None:
        # Read every source once before the widgets exist (waiting briefly), so the first
        # frame already shows live values: one layout and one paint instead of a "waiting"
        # frame that is laid out and painted again a moment later.
        first_reads = [poller.prime() for poller in self.session.pollers]
        if first_reads:
            await asyncio.wait(first_reads, timeout=FIRST_FRAME_WAIT)

    def on_mount(self) -> None:
        log = self.query_one(LogPanel)
        # In journal order, each with its own time: a resumed drill's times never run backwards.
        for entry in sorted(self.session.journal.entries, key=lambda e: e.seq)[-300:]:
            log.add(entry)
        self.notifier.seed(self.session.journal.entries)
        self.session.listeners.append(self._on_entry)
        self.session.change_listeners.append(self._on_change)
        if self.preflight is not None:
            self.run_worker(
                self._preflight(self.preflight), group="preflight", exit_on_error=False, description="preflight"
            )
        if self.session.journal.resumed:
            self._resume()
        # The session owns time: it polls, evaluates the gate and journals it; the app renders
        # (the first frame already shows the state of the readings the load waited for).
        if self.session.gate_status is None:
            self.session.evaluate_gate()
        self.run_worker(self.session.run(), group="session", exit_on_error=False, description="session loop")
        if self.session.shared is not None:
            self.run_worker(self.session.shared.run(), group="shared", exit_on_error=False, description="shared log")
            self.set_interval(0.5, self._refresh_shared)
        self.set_interval(1.0, self.refresh_view)
        self.screen_change_signal.subscribe(self, self._on_screen_change)
        self.refresh_view()
        self.call_after_refresh(self.end_startup_gc_pause)

    async def _preflight(self, check: Callable[[], Awaitable[list[str]]]) -> None:
        problems = await check()
        if problems:
            from cockpit.ui.close_dialog import PreflightScreen  # only when something failed

            self.push_screen(PreflightScreen(problems))

    def _resume(self) -> None:
        from cockpit.ui.close_dialog import ResumeScreen  # only on resume

        session = self.session
        entries = session.journal.entries
        last = max(entries, key=lambda e: e.seq)
        what = (
            f"journal {session.journal.path}: {len(entries)} entries, last #{last.seq} at {last.ts} "
            f"by {last.operator}. Incident {session.incident.status.upper()}, gate {session.gate_state}."
        )
        interrupted = session.interrupted_actions()
        session.resume()
        if session.read_only:
            interrupted = []
        in_flight = [(str(p.data["action"]), "; ".join(p.data.get("touches", []))) for p in interrupted]

        def chosen(name: str | None) -> None:
            if name:
                self.run_worker(
                    self._reverify(name), group=f"action:{name}", exit_on_error=False, description=f"re-verify {name}"
                )

        self.push_screen(ResumeScreen(what, in_flight), chosen)

    async def _reverify(self, name: str) -> None:
        outcome = await self.session.reverify(name)
        self.notify(outcome.message[:300], severity="information" if outcome.status == "done" else "error", timeout=10)
        self.refresh_view()

    @staticmethod
    def end_startup_gc_pause() -> None:
        """After the first frame: if the command line paused the garbage collector for
        start-up, collect once, freeze what survived (imports, widgets: they live as long
        as the app, so later collections need not scan them) and collect normally again."""
        if not gc.isenabled():
            gc.collect()
            gc.freeze()
            gc.enable()

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
        # Many readings can land in one loop turn; redraw once for all of them.
        if not self._refresh_pending:
            self._refresh_pending = True
            self.call_later(self.refresh_view)

    def refresh_view(self) -> None:
        self._refresh_pending = False
        try:
            self._refresh_view()
        except NoMatches:
            return  # shutting down: the main screen's widgets are already gone

    def _covered(self) -> bool:
        """A dialog is on top: the panels behind it are frozen. Textual repaints the whole
        dimmed background for any change behind a modal, so drawing there cost a full frame
        per reading (over SSH, 10-16x the same screen without the dialog)."""
        return isinstance(self.screen, ModalScreen)

    def _on_screen_change(self, screen: object) -> None:
        if self._behind_modal and not self._covered():
            self._schedule_refresh()  # the one catch-up repaint

    def _refresh_view(self) -> None:
        with self.session.board.held_clock() as now:  # one clock read for the whole refresh
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
        with self.batch_update():
            for panel in self.query(Panel):
                panel.refresh_from(board)
            locks = session.shared.locks if session.shared is not None else {}
            self.query_one(RunbookPanel).show(session.runbook, session.read_only, locks)
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
                )
            )

    def on_unmount(self) -> None:
        self.session.listeners.remove(self._on_entry)
        self.session.change_listeners.remove(self._on_change)

    # -- actions -----------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The cockpit's own keys must not fire underneath a dialog (focus keys etc. still work).
        if isinstance(self.screen, ModalScreen) and action in self._registry_actions:
            return False
        # A closed incident binds no rollback action (x reopens it).
        return not (
            self.session.closed
            and (action == "maintenance" or (action == "step" and parameters and parameters[0] != "close"))
        )

    def action_step(self, step_id: str) -> None:
        step = step_by_id(step_id)
        if step_id == "declare":
            self._declare()
        elif step_id == "watch":
            self.session.start_watch()
            status = self.session.evaluate_gate()
            self.notify(
                "SERVICE RESTORED ✔" if status.green else f"Watching: {status.state} — {status.reason}",
                severity="information" if status.green else "warning",
                timeout=6,
            )
        elif step_id == "close":
            self._close()
        elif step.action:
            self._start_action(step.action)

    def action_maintenance(self) -> None:
        self._start_action("maintenance")

    def _start_action(self, name: str) -> None:
        # A second press while it runs is refused by the session ("busy") and shown as a notice.
        self.run_worker(
            self._run_action(name), group=f"action:{name}", exit_on_error=False, description=f"action {name}"
        )

    async def _run_action(self, name: str) -> None:
        outcome = await self.session.run_action(name, self._confirm)
        if outcome.status == "unjournaled":
            await self._journal_failed(outcome.message)
            self.refresh_view()
            return
        levels: dict[str, SeverityLevel] = {
            "done": "information",
            "cancelled": "information",
            "busy": "warning",
            "locked": "warning",
        }
        severity = levels.get(outcome.status, "error")
        if outcome.state_left:
            # What the systems now hold comes first: it is what the operator acts on next.
            # The whole story is in the journal (and the log panel).
            self.notify(
                f"State left: {outcome.state_left[:240]}",
                title=f"FAILED: {outcome.message[:80]}",
                severity="error",
                timeout=20,
            )
        else:
            self.notify(outcome.message[:300], severity=severity, timeout=8 if outcome.status == "failed" else 4)
        self.refresh_view()

    async def _journal_failed(self, message: str) -> None:
        """It ran but its record is not durable: a blocking dialog until written or put off."""
        from cockpit.ui.screens import AskScreen

        while self.session.journal.unsaved:
            retry = await self.push_screen_wait(
                AskScreen(
                    "NOT JOURNALED: the action ran, its result is not saved",
                    f"{message[:600]}\n\n{len(self.session.journal.unsaved)} entr(y/ies) wait in memory; they are written "
                    "with the next entry that can be written. Free the disk (or fix the journal) and retry.",
                    yes_label="Retry writing",
                )
            )
            if not retry:
                self.notify(
                    "The unsaved result stays in memory; the status bar shows the journal error",
                    severity="error",
                    timeout=20,
                )
                return
            if self.session.retry_unsaved():
                self.notify("The action's result is now in the journal", timeout=6)

    async def _confirm(self, preview: Preview) -> Preview | None:
        from cockpit.ui.screens import ConfirmScreen  # dialogs load on first use: faster start-up

        return await self.push_screen_wait(ConfirmScreen(preview))

    def _declare(self) -> None:
        from cockpit.ui.screens import DeclareScreen  # dialogs load on first use: faster start-up

        inc = self.session.incident
        cfg = self.session.config.incident

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.session.declare(values["title"], values["severity"], values["scope"], values["lead"])
                self.refresh_view()

        # The configured lead ([incident] lead), else whoever declares: never a placeholder name.
        lead = inc.lead or self.session.journal.operator.name
        self.push_screen(DeclareScreen(inc.title, cfg.severities, inc.severity, lead), done)

    def _close(self) -> None:
        from cockpit.incident.closing import MIN_REASON_WORDS
        from cockpit.ui.close_dialog import ClosedScreen, CloseOverrideScreen, CloseRestoredScreen  # on first use

        session = self.session
        if session.closed:

            def after(answer: tuple[str, str] | None) -> None:
                if answer and answer[0] == "reopen":
                    session.reopen(answer[1])
                elif answer and answer[0] == "export":
                    self.action_export()
                self.refresh_view()

            closed_at = session.incident.closed_at
            when = f"Closed at {closed_at:%H:%M:%S} UTC. " if closed_at else ""
            self.push_screen(
                ClosedScreen(
                    when + "No rollback action runs while it is closed. Reopen it (journaled) or export the report."
                ),
                after,
            )
            return
        status = session.evaluate_gate()

        def done(reason: str | None) -> None:
            if reason is None:
                return
            try:
                session.close(reason)
            except ValueError as exc:
                self.notify(str(exc), severity="error")
            self.refresh_view()

        items = session.open_items()
        if status.green:
            self.push_screen(CloseRestoredScreen(items), done)
        else:
            self.push_screen(CloseOverrideScreen(status.state, status.reason, items, MIN_REASON_WORDS), done)

    def action_note(self) -> None:
        from cockpit.ui.screens import NoteScreen  # dialogs load on first use: faster start-up

        def done(result: tuple[str, bool] | None) -> None:
            if result:
                self.session.note(result[0], follow_up=result[1])

        self.push_screen(NoteScreen(), done)

    def action_skip_step(self) -> None:
        from cockpit.ui.screens import ReasonScreen, skip_choices  # dialogs load on first use: faster start-up

        def done(answer: tuple[str, str] | None) -> None:
            if answer:
                self.session.skip(answer[0], answer[1])
                self.refresh_view()

        self.push_screen(
            ReasonScreen("Skip a runbook step", "Skipping is journaled with your reason.", skip_choices()), done
        )

    def action_export(self) -> None:
        try:
            paths = self.session.export_report()
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error")
            return
        self.notify("report written: " + ", ".join(str(p) for p in paths), timeout=8)

    def action_hand_lead(self) -> None:
        from cockpit.ui.screens import TextScreen  # dialogs load on first use: faster start-up

        def done(name: str | None) -> None:
            if name:
                self.session.hand_lead(name)
                self.refresh_view()

        self.push_screen(
            TextScreen(
                "Hand the rollback lead",
                f"The lead is {self.session.incident.lead or 'nobody'} now. The hand-over is journaled.",
                "new rollback lead",
            ),
            done,
        )

    def action_set_driver(self) -> None:
        from cockpit.ui.screens import TextScreen  # dialogs load on first use: faster start-up

        def done(name: str | None) -> None:
            if name:
                self.session.set_driver(name)
                self.refresh_view()

        self.push_screen(
            TextScreen(
                "Who is at the keyboard?",
                f"Entries are attributed to "
                f"{self.session.journal.operator.name} now. In a shared tmux session, set this "
                "when you take the keyboard.",
                "your name",
            ),
            done,
        )

    def action_help(self) -> None:
        from cockpit.ui.screens import HelpScreen  # dialogs load on first use: faster start-up

        self.push_screen(HelpScreen(self.commands, self.session.read_only))

    def action_ctrl_c(self) -> None:
        self.notify("Ctrl+C does not quit the cockpit: press q", severity="warning", timeout=3)

    def action_quit_cockpit(self) -> None:
        from cockpit.ui.screens import AskScreen  # dialogs load on first use: faster start-up

        if isinstance(self.screen, AskScreen):
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.exit()

        running = ", ".join(sorted(self.session.in_flight))
        detail = "The incident stays open in the journal; start cockpit again with the same journal to resume."
        if running:
            detail = f"STILL RUNNING: {running} — quitting interrupts it. " + detail
        self.push_screen(AskScreen("Quit cockpit?", detail, "Quit"), done)

    def palette_run(self, action: str) -> None:
        """Run an action string from the command palette (same as pressing its key)."""
        self.call_later(self.run_action, action)
