"""What a failed write left behind: nothing, or something nobody can know without reading.

A write that failed before it could reach the server (connection refused, a name that does
not resolve, no connection within the timeout, a variable that is not set) changed nothing.
A write that timed out or lost its connection after it was sent may have landed: its effect
is unknown until the state is read back. Reporting the second kind as "not changed" would
be a lie an operator acts on.
"""

from __future__ import annotations

import socket

NOT_CHANGED, UNKNOWN = "not changed", "unknown"

#: httpx's and redis-py's names for "could not connect" (they raise their own classes).
_CONNECT_FAILURES = ("ConnectError", "ConnectTimeout")


def never_reached(exc: BaseException) -> bool:
    """True when the failed write cannot have reached the server."""
    if isinstance(exc, (ConnectionRefusedError, socket.gaierror, LookupError)):
        return True
    if type(exc).__name__ in _CONNECT_FAILURES:
        return True
    text = str(exc).lower()
    # redis-py: "Error 111 connecting to host:port. Connection refused." / "Timeout connecting to server"
    return "connecting to" in text or "timeout connecting" in text


def write_outcome(exc: BaseException) -> str:
    """NOT_CHANGED or UNKNOWN for a write that raised `exc`."""
    return NOT_CHANGED if never_reached(exc) else UNKNOWN


def describe(exc: BaseException) -> str:
    """A short, readable reason: the message, with the class name only when there is none."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:140] or type(exc).__name__
