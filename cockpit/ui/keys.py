"""The app's keys that act: runbook steps, maintenance, note, skip, export, hand the lead,
who drives, help, quit. Each opens its dialog and hands the answer to the session; the
session does the work. A mixin of `CockpitApp`, kept apart so the app module stays wiring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

from cockpit.actions import Preview
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from textual.app import App

    from cockpit.core.guarded_run import GuardPause
    from cockpit.core.session import Session
    from cockpit.incident.journal import Entry
    from cockpit.ui.commands import Command

    _AppBase = App[None]  # type checkers see the app this mixin is part of
else:
    _AppBase = object


class KeyActions(_AppBase):
    """Keys that change what is in the systems or the journal (through the session)."""

    session: Session
    commands: list[Command]
    _registry_actions: set[str]

    if TYPE_CHECKING:

        def refresh_view(self) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The cockpit's own keys must not fire underneath a dialog (focus keys etc. still work).
        if isinstance(self.screen, ModalScreen) and action in self._registry_actions:
            return False
        # A closed incident binds no rollback action (x reopens it).
        return not (
            self.session.closed
            and (action == "maintenance" or (action == "step" and parameters and not self._closes(parameters[0])))
        )

    def _closes(self, step_id: object) -> bool:
        step = self.session.runbook.get(str(step_id))
        return step is not None and step.action is not None and step.action.kind == "close"

    def action_step(self, step_id: str) -> None:
        step = self.session.runbook.step(step_id)
        kind = step.action.kind if step.action else None
        if kind == "declare":
            self._declare()
        elif kind == "watch":
            self.session.start_watch()
            status = self.session.evaluate_gate()
            self.notify(
                "SERVICE RESTORED ✔" if status.green else f"Watching: {status.state} — {status.reason}",
                severity="information" if status.green else "warning",
                timeout=6,
                markup=False,
            )
        elif kind == "close":
            self._close()
        elif step.action:
            self._start_action(step.action.name)

    def action_maintenance(self) -> None:
        self._start_action("maintenance")

    def _start_action(self, name: str) -> None:
        # A second press while it runs is refused by the session ("busy") and shown as a notice.
        self.run_worker(
            self._run_action(name), group=f"action:{name}", exit_on_error=False, description=f"action {name}"
        )

    async def _run_action(self, name: str) -> None:
        outcome = await self.session.run_action(name, self._confirm, decide=self._decide)
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
                markup=False,  # backend error text: "[/x]" would end the app, "[b]q[/b]" would lose its brackets
            )
        else:
            self.notify(
                outcome.message[:300], severity=severity, timeout=8 if outcome.status == "failed" else 4, markup=False
            )
        self.refresh_view()

    async def _decide(self, pause: GuardPause) -> bool:
        """A guard pause: continue (True) or abort, asked on screen; the runbook shows PAUSED meanwhile."""
        from cockpit.ui.guard_dialog import GuardPauseScreen  # on first use

        self.refresh_view()
        go_on: bool = await self.push_screen_wait(GuardPauseScreen(pause))
        return go_on

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
                self.notify(str(exc), severity="error", markup=False)
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
            ReasonScreen(
                "Skip a runbook step", "Skipping is journaled with your reason.", skip_choices(self.session.steps)
            ),
            done,
        )

    def action_export(self) -> None:
        try:
            paths = self.session.export_report()
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error", markup=False)
            return
        self.notify("report written: " + ", ".join(str(p) for p in paths), timeout=8, markup=False)

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

    def ask_approval(self, entry: Entry) -> None:
        """Another operator asks me (a listed approver) to approve their step: ask here."""
        from cockpit.core import approvals

        if self.session.read_only or entry not in approvals.pending_for_me(self.session):
            return
        from cockpit.ui.screens import AskScreen  # dialogs load on first use: faster start-up

        d = entry.data
        step = self.session.runbook.get(entry.step)

        def done(yes: bool | None) -> None:
            if yes and entry in approvals.pending_for_me(self.session):
                approvals.approve(self.session, entry)
                self.refresh_view()

        # The names come from another cockpit through the shared stream: shown (AskScreen
        # shows text, never markup), control characters made visible.
        self.push_screen(
            AskScreen(
                visible(f"{d.get('by')} asks you to approve: {step.title if step else d.get('action')}"),
                f"You are listed as an approver of this step ({visible(', '.join(map(str, d.get('approvers') or ())))}). "
                "Approving lets their cockpit run it now; both names are journaled.",
                yes_label="Approve",
            ),
            done,
        )

    def action_approve(self) -> None:
        from cockpit.core import approvals

        pending = approvals.pending_for_me(self.session)
        if not pending:
            self.notify("No request waits for your approval", timeout=4)
            return
        self.ask_approval(pending[-1])

    def action_release_view(self) -> None:
        from cockpit.core.release_view import release_view
        from cockpit.ui.screens import ReleaseScreen  # dialogs load on first use: faster start-up

        self.push_screen(ReleaseScreen(release_view(self.session.runbook, self.session.journal.entries)))

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
