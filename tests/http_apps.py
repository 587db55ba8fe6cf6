"""Small local HTTP apps the tests point cockpit at: a shop with a three-step checkout,
a flag endpoint (the generic http-json backend), and misbehaving servers."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None

    def reply(
        self,
        status: int,
        body: str | bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class ShopState:
    def __init__(self) -> None:
        self.payments_broken = False
        self.slow_cart = 0.0
        self.sessions: set[str] = set()


def shop_handler(state: ShopState) -> type[BaseHTTPRequestHandler]:
    class Shop(_Quiet):
        def _session(self) -> str | None:
            cookie = self.headers.get("Cookie", "")
            for part in cookie.split(";"):
                key, _, value = part.strip().partition("=")
                if key == "session" and value in state.sessions:
                    return value
            return None

        def do_POST(self) -> None:
            if self.path == "/api/login":
                form = parse_qs(self.body().decode())
                if form.get("password") != ["s3cret-pw"]:
                    return self.reply(401, '{"error": "bad credentials"}')
                token = f"s{len(state.sessions) + 1}"
                state.sessions.add(token)
                return self.reply(200, '{"ok": true}', headers={"Set-Cookie": f"session={token}; Path=/"})
            if self._session() is None:
                return self.reply(401, '{"error": "not logged in"}')
            if self.path == "/api/cart/items":
                time.sleep(state.slow_cart)
                item = json.loads(self.body() or b"{}")
                return self.reply(201, json.dumps({"items": [item]}))
            if self.path == "/api/checkout":
                if state.payments_broken:
                    return self.reply(502, '{"error": "payment gateway"}')
                return self.reply(200, "order confirmed", "text/plain")
            return self.reply(404, "{}")

    return Shop


class FlagEndpointState:
    def __init__(self, flags: dict[str, dict]) -> None:
        self.flags = flags
        self.garbage = False


def flag_endpoint_handler(state: FlagEndpointState) -> type[BaseHTTPRequestHandler]:
    class Flags(_Quiet):
        def do_GET(self) -> None:
            if state.garbage:
                return self.reply(200, "<html>maintenance page</html>", "text/html")
            return self.reply(200, json.dumps({"flags": state.flags}))

        def do_PUT(self) -> None:
            name = self.path.rstrip("/").rsplit("/", 1)[-1]
            state.flags[name] = json.loads(self.body())
            return self.reply(200, json.dumps(state.flags[name]))

    return Flags


def garbage_handler() -> type[BaseHTTPRequestHandler]:
    class Garbage(_Quiet):
        def do_GET(self) -> None:
            self.reply(200, '{"status": "success", "data": {"resultType": "vector"}}')

        do_POST = do_GET

    return Garbage


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def black_hole() -> Iterator[str]:
    """Accepts connections and never answers: the 'slow past its timeout' server."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


def closed_port() -> str:
    """A loopback URL where nothing listens: 'down'."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"
