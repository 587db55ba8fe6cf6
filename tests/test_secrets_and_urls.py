"""A flag endpoint whose URL carries its token in the query string: writes reach the flag
(the URL is built with a URL library), and no output channel prints the token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.http_apps import serve

TOKEN = "tok-7f3a9c2e51"


def test_url_with_path_keeps_the_query_string() -> None:
    from cockpit.backends.flags import url_with_path

    assert (
        url_with_path("https://h/flags?access_token=X&a=1", "new_checkout")
        == "https://h/flags/new_checkout?access_token=X&a=1"
    )
    assert url_with_path("https://h/", "api", "a b/c") == "https://h/api/a%20b%2Fc"


def token_flags(flags: dict, *, broken: bool = False) -> type[BaseHTTPRequestHandler]:
    """An HTTP JSON flag endpoint at /flags that wants ?access_token=TOKEN (404 otherwise, like a gateway)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _ok(self) -> str | None:
            url = urlsplit(self.path)
            if broken or parse_qs(url.query).get("access_token") != [TOKEN]:
                return None
            return url.path

        def do_GET(self) -> None:
            path = self._ok()
            if path != "/flags":
                return self._reply(404, {"error": "not found"})
            self._reply(200, {"flags": flags})

        def do_PUT(self) -> None:
            path = self._ok()
            if not path or not path.startswith("/flags/"):
                return self._reply(404, {"error": "not found"})
            length = int(self.headers.get("Content-Length", 0))
            flags[path.rsplit("/", 1)[-1]] = json.loads(self.rfile.read(length))
            self._reply(200, flags[path.rsplit("/", 1)[-1]])

    return Handler


@contextmanager
def config_with_token_url(tmp_path: Path, flags: dict, broken: bool = False):
    with serve(token_flags(flags, broken=broken)) as url:
        path = tmp_path / "c.toml"
        path.write_text(f'''
[incident]
title = "Checkout failing"
service = "checkout"
journal = "{tmp_path / "j.jsonl"}"
[regions.eu-west]
backend = "http-json"
url_env = "FLAGS_URL"
timeout = "10s"
[[flags]]
name = "new_checkout"
safe = false
''')
        env = {**os.environ, "FLAGS_URL": f"{url}/flags?access_token={TOKEN}", "COCKPIT_OPERATOR": "alice"}
        yield path, env


def cockpit(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, env=env, timeout=60)


def test_a_flag_write_through_a_url_with_a_query_string_reaches_the_flag(tmp_path: Path) -> None:
    flags = {"new_checkout": {"enabled": True}}
    with config_with_token_url(tmp_path, flags) as (config, env):
        done = cockpit("act", "--config", str(config), "flags_safe", "--yes", env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert flags["new_checkout"] == {"enabled": False}
        assert TOKEN not in done.stdout + done.stderr
    assert TOKEN not in (tmp_path / "j.jsonl").read_text()


def test_no_output_channel_prints_the_token_of_a_secret_url(tmp_path: Path) -> None:
    with config_with_token_url(tmp_path, {"new_checkout": {"enabled": True}}, broken=True) as (config, env):
        text = cockpit("snapshot", "--config", str(config), env=env)
        as_json = cockpit("snapshot", "--config", str(config), "--json", env=env)
        act = cockpit("act", "--config", str(config), "flags_safe", "--yes", env=env)
    assert text.returncode == 1 and "404" in text.stdout, text.stdout + text.stderr
    assert "404" in json.loads(as_json.stdout)["flags"][0]["error"]
    assert act.returncode == 1 and "404" in act.stdout + act.stderr
    for channel in (
        text.stdout,
        text.stderr,
        as_json.stdout,
        as_json.stderr,
        act.stdout,
        act.stderr,
        (tmp_path / "j.jsonl").read_text(),
    ):
        assert TOKEN not in channel, channel
