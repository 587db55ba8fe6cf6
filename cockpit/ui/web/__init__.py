"""`cockpit serve`: a read-only live web page of an incident for people not at the keyboard.

Only served when someone runs `cockpit serve --journal PATH`; it binds 127.0.0.1 unless told
otherwise, answers GET only and can trigger nothing: it reads the journal file, never the
systems, and holds no credentials (secrets are redacted from what it shows, as in exports).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.core.redact import Redactor

if TYPE_CHECKING:
    import uvicorn


def serve(
    journal: str | Path,
    host: str = "127.0.0.1",
    port: int = 8650,
    tz_name: str = "UTC",
    redactor: Redactor | None = None,
) -> int:
    import uvicorn

    from cockpit.ui.web.app import create_app

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        print(f"cockpit serve: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    sock.listen(128)  # connections wait in the backlog until the server accepts, so the address works once printed
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    print(f"serving {Path(journal)} read-only at http://{shown}:{bound}/ (Ctrl-C stops)", flush=True)
    if not ipaddress.ip_address(sock.getsockname()[0]).is_loopback:
        print(
            "cockpit serve: listening beyond this machine: anyone who can reach the port can read the incident "
            "(put an authenticating proxy in front)",
            file=sys.stderr,
            flush=True,
        )
    config = uvicorn.Config(
        create_app(journal, tz_name, redactor),
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_QuietStop(server))
    server.run(sockets=[sock])
    return 0


class _QuietStop(logging.Filter):
    """At Ctrl-C the viewers' live streams are cut mid-response, which uvicorn logs as an app
    error for each one; nothing went wrong, so those lines are dropped while stopping."""

    def __init__(self, server: uvicorn.Server) -> None:
        super().__init__()
        self.server = server

    def filter(self, record: logging.LogRecord) -> bool:
        return not (self.server.should_exit and "without completing response" in record.getMessage())
