"""Headless Debian Chromium for the tests: screenshots, the DOM as rendered, and a live page over CDP."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("Debian's chromium is not installed: run scripts/install-servers")
    return path


def _run(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="cockpit-chromium-", ignore_cleanup_errors=True) as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=timeout
        )


def screenshot(url: str, png: Path, width: int, height: int) -> tuple[int, int]:
    """Render `url` to `png`; returns the image's (width, height) from its header."""
    done = _run([f"--window-size={width},{height}", f"--screenshot={png}", url])
    assert png.exists(), done.stderr[-2000:]
    return png_size(png)


def png_size(png: Path) -> tuple[int, int]:
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def print_to_pdf(url: str, pdf: Path) -> int:
    """Print `url` as Chromium's print dialog would (print CSS applies); returns the page count."""
    done = _run(["--no-pdf-header-footer", f"--print-to-pdf={pdf}", url])
    assert pdf.exists(), done.stderr[-2000:]
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def dump_dom(url: str) -> str:
    """The DOM after the page loaded, serialised (what the browser made of the file)."""
    done = _run(["--dump-dom", url])
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout


class LivePage:
    """A page kept open in headless Chromium, evaluated through the DevTools protocol."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self._profile = tempfile.TemporaryDirectory(prefix="cockpit-chromium-", ignore_cleanup_errors=True)
        self.process = subprocess.Popen(
            [
                chromium(),
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                url,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        port = self._devtools_port()
        page = self._page_target(port, url)
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30).__enter__()
        self._id = 0

    def _devtools_port(self) -> int:
        assert self.process.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if match:
                return int(match.group(1))
            if not line and self.process.poll() is not None:
                break
        raise AssertionError("chromium did not open its DevTools port")

    @staticmethod
    def _page_target(port: int, url: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as reply:
                targets = json.load(reply)
            pages = [t for t in targets if t.get("type") == "page" and t.get("url", "").startswith(url)]
            if pages:
                return pages[0]
            time.sleep(0.1)
        raise AssertionError(f"no page for {url} in chromium")

    def evaluate(self, expression: str) -> Any:
        self._id += 1
        self.ws.send(
            json.dumps(
                {
                    "id": self._id,
                    "method": "Runtime.evaluate",
                    "params": {"expression": expression, "returnByValue": True},
                }
            )
        )
        while True:
            reply = json.loads(self.ws.recv(timeout=30))
            if reply.get("id") == self._id:
                return reply.get("result", {}).get("result", {}).get("value")

    def wait_for(self, expression: str, check: Callable[[Any], bool], what: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if check(value):
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; last value: {value!r}")

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            # Chromium's helper processes may still write to the profile for a moment after it exits;
            # the directory is removed as far as it can be (ignore_cleanup_errors).
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self._profile.cleanup()
