"""A TCP proxy in front of a real server that can make it misbehave on demand:
`pass` (forward), `down` (nothing listens: connection refused), `slow` (accepts, never
answers), `garbage` (answers with bytes no protocol expects), `wrong` (for HTTP servers:
answers 200 with well-formed JSON of the wrong shape). Switching modes cuts the
connections already open, as a real outage does. `cut(pattern)` drops the next connection
whose client sends `pattern` (say, PostgreSQL's COMMIT): before the server sees it, or,
with `deliver=True`, right after the server got it and before the client hears back."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

#: A Prometheus-like envelope without its result: the wrong document for every HTTP backend here.
WRONG_BODY = b'{"status": "success", "data": {"resultType": "vector"}}'
MODES = ("pass", "down", "slow", "garbage", "wrong")


class FaultProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = _free_port()
        self.mode = "pass"
        self.cut_when: bytes | None = None
        self.cut_delivers = False
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._conns: set[asyncio.Task] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        self._call(self._listen())
        return self

    def set_mode(self, mode: str) -> None:
        assert mode in MODES, mode
        self._call(self._switch(mode))

    def cut(self, pattern: bytes, *, deliver: bool = False) -> None:
        """Cut the next connection that sends `pattern` (once)."""
        self.cut_when, self.cut_delivers = pattern, deliver

    def stop(self) -> None:
        self._call(self._switch("down"))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _call(self, coro) -> None:
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _switch(self, mode: str) -> None:
        self.mode = mode
        open_conns = list(self._conns)
        for task in open_conns:
            task.cancel()
        await asyncio.gather(*open_conns, return_exceptions=True)  # let them close cleanly
        if mode == "down" and self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        elif mode != "down" and self._server is None:
            await self._listen()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        try:
            if self.mode == "slow":
                await asyncio.sleep(3600)
            elif self.mode == "garbage":
                await reader.read(65536)
                writer.write(b"\x00\xffNOT-A-PROTOCOL\r\n\x1b[2J" * 8)
                await writer.drain()
            elif self.mode == "wrong":
                await reader.read(65536)  # the request: small enough for one read
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(WRONG_BODY), WRONG_BODY)
                )
                await writer.drain()
            else:
                up_reader, up_writer = await asyncio.open_connection(*self.target)
                try:
                    await asyncio.gather(self._pipe(reader, up_writer, upstream=True), self._pipe(up_reader, writer))
                finally:
                    up_writer.close()
        except (asyncio.CancelledError, ConnectionError, OSError):
            pass
        finally:
            self._conns.discard(task)
            with contextlib.suppress(Exception):
                writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, upstream: bool = False) -> None:
        while data := await reader.read(65536):
            if upstream and self.cut_when is not None and self.cut_when in data:
                self.cut_when, self.cuts = None, self.cuts + 1
                if self.cut_delivers:
                    writer.write(data)
                    await writer.drain()
                raise ConnectionResetError("cut by the fault proxy")
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(Exception):
            writer.write_eof()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
