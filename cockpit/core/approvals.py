"""Step approvers across cockpits: when several operators share the incident (shared mode)
and a step lists `approvers`, the confirming operator must be one of them, or another
listed operator approves from their own cockpit. Request and grant are journal entries
(mirrored through the shared store), so both names are on record. Without shared mode the
approvers are shown, not enforced."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cockpit.core.session_core import SessionCore
    from cockpit.incident.journal import Entry

#: How long (real seconds) a confirmed step waits for another approver before it is refused.
APPROVAL_WAIT = 300.0
#: How often the waiting step looks for the grant (mirrored entries arrive by the shared poll).
APPROVAL_POLL = 0.2


def enforced(session: SessionCore) -> bool:
    return getattr(session, "shared", None) is not None


def approvers_of(session: SessionCore, step_id: str | None) -> tuple[str, ...]:
    step = session.runbook.get(step_id)
    return step.approvers if step is not None else ()


def note(session: SessionCore, step_id: str | None) -> str | None:
    """The confirmation's line about approvers (None: the step lists none)."""
    approvers = approvers_of(session, step_id)
    if not approvers:
        return None
    names = ", ".join(approvers)
    if not enforced(session):
        return f"Approvers: {names} (shown, not enforced: shared mode is off)"
    if session.journal.operator.name in approvers:
        return f"Approvers: {names}; you are one of them"
    return f"Approvers: {names}; you are not one of them: confirming asks one of them to approve from their cockpit"


def needed(session: SessionCore, step_id: str | None) -> tuple[str, ...]:
    """The approvers to ask (empty: none needed: no approvers, shared mode off, or I am one)."""
    approvers = approvers_of(session, step_id)
    if not approvers or not enforced(session) or session.journal.operator.name in approvers:
        return ()
    return approvers


def request(session: SessionCore, step_id: str, action: str, approvers: tuple[str, ...]) -> str | None:
    """Journal the request (mirrored to the other cockpits); returns its id, None when not durable."""
    me = session.journal.operator.name
    rid = uuid.uuid4().hex[:12]
    title = session.runbook.step(step_id).title
    entry = session.record(
        "status",
        f"{me} asks {' or '.join(approvers)} to approve: {title}",
        step=step_id,
        data={"approval": "request", "request": rid, "action": action, "approvers": list(approvers), "by": me},
    )
    return rid if entry is not None else None


def grant_for(entries: list[Entry], rid: str, approvers: tuple[str, ...], requester: str) -> Entry | None:
    for entry in reversed(entries):
        d = entry.data
        if d.get("approval") == "grant" and d.get("request") == rid:
            who = str(d.get("by", ""))
            if who in approvers and who != requester and entry.operator == who:
                return entry
    return None


async def wait_for_grant(
    session: SessionCore, rid: str, approvers: tuple[str, ...], patience: float | None = None
) -> Entry | None:
    """The grant entry from another listed operator, or None after `patience` (default
    APPROVAL_WAIT) real seconds."""
    me = session.journal.operator.name
    deadline = time.monotonic() + (APPROVAL_WAIT if patience is None else patience)
    while True:
        if (found := grant_for(session.journal.entries, rid, approvers, me)) is not None:
            return found
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(APPROVAL_POLL)


def pending_for_me(session: SessionCore) -> list[Entry]:
    """Requests from other operators that name me as an approver and are not granted yet."""
    me = session.journal.operator.name
    requests: dict[str, Entry] = {}
    for entry in session.journal.entries:
        d = entry.data
        if d.get("approval") == "request" and me in (d.get("approvers") or ()) and d.get("by") != me:
            requests[str(d.get("request"))] = entry
        elif d.get("approval") in ("grant", "expired"):
            requests.pop(str(d.get("request")), None)
    return list(requests.values())


def expire(session: SessionCore, step_id: str, rid: str, why: str) -> Entry | None:
    """The requester gave up waiting: the other cockpits stop offering the request."""
    return session.record(
        "status", f"approval request withdrawn: {why}", step=step_id, data={"approval": "expired", "request": rid}
    )


def approve(session: SessionCore, request_entry: Entry) -> Entry | None:
    """Grant a request from my cockpit: journaled with both names."""
    d: dict[str, Any] = request_entry.data
    me = session.journal.operator.name
    step = session.runbook.get(request_entry.step)
    title = step.title if step else str(d.get("action", "the step"))
    return session.record(
        "status",
        f"{me} approved {d.get('by')}'s {title}",
        step=request_entry.step,
        data={"approval": "grant", "request": d.get("request"), "by": me, "requested_by": d.get("by")},
    )
