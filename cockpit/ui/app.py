"""The Textual app: layout, key bindings from the registry, screens. Wiring only —
the session does the work, the panels do the drawing."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.filter import Monochrome, NoColor
from textual.timer import Timer
from textual.widgets import Static

from cockpit.core.session import Session
from cockpit.incident.journal import Entry
from cockpit.panels.checks import ChecksPanel
from cockpit.panels.error_rate import ErrorRatePanel
from cockpit.panels.flags import FlagsPanel
from cockpit.panels.log import LogPanel
from cockpit.panels.queues import QueuesPanel
from cockpit.panels.records import RecordsPanel
from cockpit.panels.runbook import RunbookPanel
from cockpit.panels.status_bar import StatusBar
from cockpit.ui.app_view import ViewActions
from cockpit.ui.commands import KEY_DISPLAY, Command, commands
from cockpit.ui.footer import MainFooter
from cockpit.ui.glyphs import AsciiFilter, wants_ascii
from cockpit.ui.keys import KeyActions
from cockpit.ui.notify import Notice, Notifier
from cockpit.ui.one_frame import ShownOnce, TerminalSizes
from cockpit.ui.palette import RegistryCommands, action_string
from cockpit.ui.refresh import ViewRefresh
from cockpit.ui.spans import install as install_span_updates

#: How long (real seconds) the first frame waits for the first readings; slower sources
#: fill in as they answer.
FIRST_FRAME_WAIT = 0.3


class CockpitApp(KeyActions, ViewRefresh, ViewActions, App[None]):
    TITLE = "cockpit"
    COMMANDS = {RegistryCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    CSS = """
    Screen { layout: vertical; layers: default hint; }
    #body { height: 1fr; }
    #left { width: 3fr; scrollbar-size-vertical: 1; }
    #right { width: 2fr; max-width: 72; }
    Screen.-narrow #right { width: 28; }
    /* The column's scroll bar has its place from the first layout (one frame, not two). */
    Screen.-narrow #left { width: 1fr; scrollbar-gutter: stable; }
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
        install_span_updates()  # a changed cell is written alone, not the line up to it
        #: Screens skip a `Resize` to the size they have while the terminal has had one size.
        self.terminal_sizes = TerminalSizes()
        self._pointer_shape_sent = ""
        self.session = session
        #: Checks the environment and every backend once at start; failures are shown on screen.
        self.preflight = preflight
        self.commands: list[Command] = commands(session.read_only, session.steps)
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
            "release_view",
            "approve",
        }
        self._shown_order = 0
        for command in self.commands:
            if not command.key:
                continue  # palette only
            self.bind(
                command.key,
                action_string(command),
                description=command.label,
                show=command.footer,
                key_display=KEY_DISPLAY.get(command.key),
            )
        cfg = session.config
        self._targets = {q.name: (q.expect, q.target) for q in cfg.postgres.suspects} if cfg.postgres else {}
        self._thresholds = {q.name: (q.warn, q.critical) for q in cfg.prometheus.queries} if cfg.prometheus else {}
        self._risky = {q.name for q in cfg.queues if q.risky}
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
    def get_default_screen(self) -> ShownOnce[None]:
        return ShownOnce(id="_default")

    def _set_pointer_shape(self, shape: str, *args: Any, **kwargs: Any) -> None:
        # Textual sends the pointer shape each time a screen is mounted, "default" again
        # after "default": opening a dialog wrote it ~30 ms before the dialog's frame.
        # (A private method: whatever else a later Textual passes is passed on as is.)
        if args or kwargs or shape != self._pointer_shape_sent:
            self._pointer_shape_sent = shape
            super()._set_pointer_shape(shape, *args, **kwargs)

    def on_resize(self, event: events.Resize) -> None:
        self.terminal_sizes.saw(event.size)  # (Textual's own handler runs after this one)

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
        yield MainFooter()
        yield Static("", id="key-hint")

    async def on_load(self) -> None:
        if not self.session.backends.local_reads:
            # Real systems: the first frame comes first. Their reads (and the client
            # libraries they load, ~150 ms) start once it is on the screen (`_start_loops`).
            return
        # The drill reads in-process: read every source once before the widgets exist, so
        # the first frame already shows its values (one layout and one paint instead of a
        # "waiting" frame that is laid out and painted again a moment later).
        first_reads = [poller.prime() for poller in self.session.pollers]
        if first_reads:
            await asyncio.wait(first_reads, timeout=FIRST_FRAME_WAIT)

    def on_mount(self) -> None:
        log = self.query_one(LogPanel)
        # In journal order, each with its own time: a resumed drill's times never run backwards.
        for entry in sorted(self.session.journal.entries, key=lambda e: e.seq)[-300:]:
            log.add(entry)
        self._reserve_panel_rows()
        self.notifier.seed(self.session.journal.entries)
        self.session.listeners.append(self._on_entry)
        self.session.change_listeners.append(self._on_change)
        if self.session.journal.resumed:
            self._resume()
        # The session owns time: it polls, evaluates the gate and journals it; the app renders
        # (the first frame already shows the state of the readings the load waited for).
        if self.session.gate_status is None:
            self.session.evaluate_gate()
        if self.session.backends.local_reads:
            self._start_loops()
        else:
            self.call_after_refresh(self._start_loops)  # after the first frame (see on_load)
        self.set_interval(1.0, self.tick_view)
        self.screen_change_signal.subscribe(self, self._on_screen_change)
        self.refresh_view()
        self.call_after_refresh(self.end_startup_gc_pause)

    def _start_loops(self) -> None:
        """The preflight, the session's polling loop and the shared log's loop."""
        if self.preflight is not None:
            self.run_worker(
                self._preflight(self.preflight), group="preflight", exit_on_error=False, description="preflight"
            )
        self.run_worker(self.session.run(), group="session", exit_on_error=False, description="session loop")
        if self.session.shared is not None:
            self.run_worker(self.session.shared.run(), group="shared", exit_on_error=False, description="shared log")
            self.set_interval(0.5, self._refresh_shared)

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
        self.notify(
            outcome.message[:300],
            severity="information" if outcome.status == "done" else "error",
            timeout=10,
            markup=False,  # backend error text: shown, never read as markup
        )
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

    def on_unmount(self) -> None:
        self.session.listeners.remove(self._on_entry)
        self.session.change_listeners.remove(self._on_change)
