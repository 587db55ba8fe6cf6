"""Status and customer updates: a template filled from live state, edited, then sent."""

from __future__ import annotations

import re
import string
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from cockpit.actions import Action, Preview, Progress, Result
from cockpit.core.details import check_result
from cockpit.core.readings import CHECKS, ERROR_RATE, QUEUES, SUSPECTS, Board
from cockpit.incident.state import Incident, clock_text

#: Sends the final text; returns where it went ("posted to webhook (HTTP 200)").
Sender = Callable[[str, str], Awaitable[str]]

TEMPLATE_FIELDS = (
    "title",
    "severity",
    "service",
    "status",
    "status_sentence",
    "started",
    "elapsed",
    "now",
    "error_rate",
    "suspects_total",
    "queue_backlog",
    "next_update",
    "lead",
)


def _literal(value: str) -> Callable[[re.Match[str]], str]:
    """A `re.sub` replacement that inserts `value` as is (no backslash or group expansion)."""
    return lambda _match: value


class _Fields(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # an unknown field stays visible for the operator to fix


def _hhmm(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%H:%M UTC") if moment else "—"


def live_fields(board: Board, incident: Incident, service: str, max_error_rate: float) -> dict[str, str]:
    """Every template field, from the board and the incident as they are right now."""
    now = board.clock()
    rates = [v for n in board.names(ERROR_RATE) if isinstance(v := board.value(ERROR_RATE, n), float)]
    suspects = [v for n in board.names(SUSPECTS) if isinstance(v := board.value(SUSPECTS, n), float)]
    backlog = [v for n in board.names(QUEUES) if isinstance(v := board.value(QUEUES, n), float)]
    checks_ok = [bool(s.last_good and check_result(s.last_good.detail, n).ok) for n, s in board.slots(CHECKS)]
    working = bool(checks_ok) and all(checks_ok) and bool(rates) and max(rates) < max_error_rate
    if incident.status == "closed":
        sentence = "The issue is resolved and every affected order has been checked."
    elif working:
        sentence = "Checkout is working again; we are verifying that every affected order is correct."
    else:
        sentence = "We have found the cause and are restoring service."
    return {
        "title": incident.title,
        "severity": incident.severity,
        "service": service,
        "status": incident.status,
        "status_sentence": sentence,
        "started": _hhmm(incident.declared_at),
        "elapsed": clock_text(incident.elapsed(now)),
        "now": _hhmm(now),
        "error_rate": f"{max(rates):.1%}" if rates else "unknown",
        "suspects_total": f"{sum(suspects):,.0f}" if suspects else "unknown",
        "queue_backlog": f"{sum(backlog):,.0f}" if backlog else "unknown",
        # Sending this update restarts the countdown, so the next one is due an interval from now.
        "next_update": _hhmm(now + timedelta(seconds=incident.update_interval)),
        "lead": incident.lead or "—",
    }


#: Figures that change while an operator types; refreshed in the text when it is sent.
LIVE_FIGURES = ("error_rate", "suspects_total", "queue_backlog", "elapsed", "now", "next_update", "status_sentence")


def _token(value: str) -> re.Pattern[str]:
    """The value as a whole token: "0" must not match inside "02:10", nor "8.1%" inside "18.1%"."""
    return re.compile(r"(?<![\w.,:%])" + re.escape(value) + r"(?![\w%]|[.,:]\w)")


def refresh_figures(
    text: str, before: dict[str, str], now: dict[str, str], original: str | None = None
) -> tuple[str, dict[str, tuple[str, str]]]:
    """The text with every live figure that changed since it was filled replaced by its current
    value, and what changed. Operator edits are kept: a figure is replaced only where the
    template put it — when the edited text holds it as often as the filled text did (if the
    operator typed the old value again, e.g. "the 8.1% peak", that figure is left as typed)."""
    changed = {}
    for name in LIVE_FIGURES:
        old, new = before.get(name), now.get(name)
        if not old or not new or old == new:
            continue
        pattern = _token(old)
        found = len(pattern.findall(text))
        if found and (original is None or found == len(pattern.findall(original))):
            text = pattern.sub(_literal(new), text)
            changed[name] = (old, new)
    return text, changed


def fill(template: str, fields: dict[str, str]) -> str:
    return string.Formatter().vformat(template.strip(), (), _Fields(fields))


class UpdateAction(Action):
    """Post a status (internal) or customer update."""

    destructive = False

    def __init__(
        self,
        audience: str,
        template: str,
        board: Board,
        incident: Callable[[], Incident],
        service: str,
        max_error_rate: float,
        sender: Sender,
        target: str = "the journal only",
    ) -> None:
        self.audience = audience
        self.name = "status_update" if audience == "status" else "customer_update"
        self.title = "Post a status update" if audience == "status" else "Post the customer update"
        self.template = template
        self.board = board
        self.incident = incident
        self.service = service
        self.max_error_rate = max_error_rate
        self.sender = sender
        self.target = target
        self._filled: dict[str, str] = {}
        self._filled_text = ""

    async def preview(self) -> Preview:
        self._filled = live_fields(self.board, self.incident(), self.service, self.max_error_rate)
        text = fill(self.template, self._filled)
        self._filled_text = text
        return Preview(
            self.name,
            self.title,
            (f"to: {self.target}", f"{self.audience} update, {len(text)} characters"),
            destructive=False,
            text=text,
        )

    async def execute(self, preview: Preview, progress: Progress) -> Result:
        from cockpit.actions.data import UpdateSent  # the outcome records load when an action runs

        text = (preview.text or "").strip()
        if not text:
            return Result(False, "nothing sent: the message is empty", state_left="no update was posted")
        # The operator may have typed for minutes: send the figures as they are now.
        now = live_fields(self.board, self.incident(), self.service, self.max_error_rate)
        text, changed = refresh_figures(text, self._filled, now, self._filled_text)
        where = await self.sender(self.audience, text)
        refreshed = "; ".join(
            f"{name.replace('_', ' ')} {old} → {new}"
            for name, (old, new) in changed.items()
            if name != "status_sentence"
        )
        summary = f"{self.audience} update sent ({where})" + (
            f"; figures refreshed at send: {refreshed}" if refreshed else ""
        )
        return Result(
            True,
            summary,
            details=(f"sent to {where}", text),
            data=UpdateSent(
                self.audience,
                text,
                where,
                (f'to {self.target}: the text below (a webhook gets it as JSON {{"text": …}})',),
                {k: (str(v[0]), str(v[1])) for k, v in changed.items()},
            ),
        )

    async def verify(self, preview: Preview, executed: Result) -> Result:
        return Result(executed.ok, "delivered" if executed.ok else "not delivered")
