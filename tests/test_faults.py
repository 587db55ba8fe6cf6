"""The fault suite: each backend in turn down at start, going down mid-run, slow past its
timeout, answering garbage bytes, answering well-formed nonsense (HTTP 200 with a body of
the wrong shape, a Redis key of the wrong type, a SQL query returning text) and flapping —
behind a TCP fault proxy in front of the real server. The UI must keep answering keys, the
panel must say what is wrong and keep the last good value, the journal must lose nothing,
and the panel must recover by itself."""

from __future__ import annotations

import errno
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis

from cockpit.config import loads
from cockpit.core.readings import Freshness
from cockpit.core.session import Session
from cockpit.incident.journal import Journal, Operator, read
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens import NoteScreen
from cockpit.wiring import build_live
from tests.conftest import select_only_dsn
from tests.drill_helpers import wait_until
from tests.faults import FaultProxy
from tests.http_apps import FlagEndpointState, ShopState, flag_endpoint_handler, serve, shop_handler
from tests.screen import screen_text, type_text

pytestmark = pytest.mark.servers
LATENCIES: list[tuple[str, str, float]] = []

HEAD = '[incident]\ntitle = "fault drill"\nservice = "checkout"\n'


def config_for(kind: str, proxy: FaultProxy) -> str:
    addr = proxy.address
    if kind == "prometheus":
        return (
            HEAD
            + f"""[prometheus]
url = "http://{addr}"
interval = "300ms"
timeout = "1s"
backfill = "10s"
[[prometheus.queries]]
name = "checkout 5xx ratio"
query = 'sum(rate(http_requests_total{{code=~"5.."}}[5s])) / sum(rate(http_requests_total[5s]))'
"""
        )
    if kind == "redis":
        return (
            HEAD
            + f"""[redis.jobs]
url = "redis://{addr}/0"
interval = "300ms"
timeout = "1s"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "list"
queue = "fault:jobs"
"""
        )
    if kind == "postgres":
        return (
            HEAD
            + """[postgres]
readonly_dsn_env = "FAULT_PG"
interval = "300ms"
statement_timeout = "500ms"
connect_timeout = "1s"
[[postgres.suspects]]
name = "paid without captured payment"
sql = "SELECT n FROM fault_answer"
"""
        )
    if kind == "flags":
        return (
            HEAD
            + f"""[regions.ap-south]
backend = "http-json"
url = "http://{addr}/flags"
interval = "300ms"
timeout = "1s"
[[flags]]
name = "new_checkout"
safe = false
"""
        )
    return (
        HEAD
        + f"""[[checks]]
name = "checkout"
interval = "300ms"
timeout = "1s"
[[checks.steps]]
name = "log in"
method = "POST"
url = "http://{addr}/api/login"
form_env = {{ password = "FAULT_PW" }}
expect_text = '"ok": true'
"""
    )


#: What each panel must say when its backend answers well-formed nonsense.
WRONG_ANSWER_SAYS = {
    "prometheus": "garbage reply from Prometheus",
    "redis": "holds the wrong kind of value",
    "postgres": "expected a count, got str",
    "flags": "none of the 1 configured flags",
    "checks": "response lacks",
}


def wrong_answer(kind: str, proxy: FaultProxy, request) -> tuple[Callable[[], None], Callable[[], None]]:
    """How a backend answers well-formed nonsense, and how it is put right again: on the
    real server for Redis (a key of the wrong type) and PostgreSQL (the column the suspect
    query reads turns to text); through the proxy for HTTP (200 with a body of the wrong shape)."""
    if kind == "redis":
        r = redis.Redis.from_url(request.getfixturevalue("redis_url"))

        def wrong() -> None:
            r.delete("fault:jobs")
            r.set("fault:jobs", "not a list")

        def right() -> None:
            r.delete("fault:jobs")
            r.rpush("fault:jobs", *range(7))

        return wrong, right
    if kind == "postgres":
        dsn = request.getfixturevalue("pg_dsn")

        def alter(sql: str) -> None:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql)

        return (
            lambda: alter("ALTER TABLE fault_answer ALTER COLUMN n TYPE text"),
            lambda: alter("ALTER TABLE fault_answer ALTER COLUMN n TYPE bigint USING n::bigint"),
        )
    return (lambda: proxy.set_mode("wrong")), (lambda: proxy.set_mode("pass"))


async def key_latency(pilot, kind: str, fault: str) -> float:
    """Press `n` and time until the note dialog is on screen; then write a note during the fault."""
    started = time.perf_counter()
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, NoteScreen), timeout=5, what="note dialog")
    latency = time.perf_counter() - started
    LATENCIES.append((kind, fault, latency))
    await type_text(pilot, f"{kind} {fault}")
    await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(pilot.app.screen, NoteScreen), timeout=5, what="note saved")
    return latency


@pytest.mark.parametrize("kind", ["prometheus", "redis", "postgres", "flags", "checks"])
async def test_each_backend_down_slow_garbage_flapping(kind: str, tmp_path: Path, request) -> None:
    env = {"FAULT_PW": "s3cret-pw"}
    with (
        serve(shop_handler(ShopState())) as shop_url,
        serve(
            flag_endpoint_handler(FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}}))
        ) as flags_url,
    ):
        if kind == "prometheus":
            target = urlsplit(request.getfixturevalue("prometheus_server").url)
            request.getfixturevalue("metrics_exporter").set_error_ratio(0.05)
        elif kind == "redis":
            url = request.getfixturevalue("redis_url")
            redis.Redis.from_url(url).rpush("fault:jobs", *range(7))
            target = urlsplit(url)
        elif kind == "postgres":
            dsn = request.getfixturevalue("pg_dsn")
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute("CREATE TABLE fault_answer AS SELECT 7::bigint AS n")
            target = urlsplit(dsn)
        elif kind == "flags":
            target = urlsplit(flags_url)
        else:
            target = urlsplit(shop_url)
        proxy = FaultProxy(target.hostname, target.port).start()
        make_wrong, make_right = wrong_answer(kind, proxy, request)
        if kind == "postgres":
            role = urlsplit(select_only_dsn(dsn)).username  # suspect queries run as a SELECT-only role
            env["FAULT_PG"] = f"postgresql://{role}@{proxy.address}{urlsplit(dsn).path}"
        proxy.set_mode("down")  # down at start
        path = tmp_path / "faults.jsonl"
        journal = Journal.open(path, Operator("alice"))
        app = CockpitApp(Session(build_live(loads(config_for(kind, proxy)), env), journal))
        board = app.session.board

        def failing() -> bool:
            text = screen_text(app)
            return "UNREACHABLE" in text if kind != "checks" else "✖FAIL" in text

        source_kind = app.session.pollers[0].source.kind

        def healthy() -> bool:
            text = screen_text(app)
            if kind == "checks":  # every path passes again, not just one
                return "✔PASS" in text and "✖FAIL" not in text
            names = board.names(source_kind)
            return (
                bool(names)
                and "UNREACHABLE" not in text
                and all(board.freshness(source_kind, n) is Freshness.OK for n in names)
            )

        def value():
            name = next(iter(board.names(app.session.pollers[0].source.kind)), None)
            return board.value(app.session.pollers[0].source.kind, name) if name else None

        try:
            async with app.run_test(size=(140, 40)) as pilot:
                await wait_until(pilot, failing, timeout=10, what=f"{kind} down at start")
                await key_latency(pilot, kind, "down-at-start")
                proxy.set_mode("pass")
                await wait_until(pilot, healthy, timeout=15, what=f"{kind} recovered from start")
                await key_latency(pilot, kind, "healthy")  # the baseline the faults are compared with
                for fault in ("down", "slow", "garbage", "wrong"):
                    if fault == "wrong":
                        make_wrong()
                    else:
                        proxy.set_mode(fault)
                    await wait_until(pilot, failing, timeout=10, what=f"{kind} {fault} marked")
                    if kind != "checks":
                        assert value() is not None  # the last good value stays on screen, with its age
                        assert "last good" in screen_text(app)
                    if fault == "wrong":  # the panel says what is wrong, not just that something is
                        # A source error for a backend; for a user path, the failed step's reason.
                        # Waited for: a read in flight when the answer turned wrong may first
                        # fail on its connection (a user path then says "ReadError").
                        def said() -> list[str]:
                            return [
                                slot.latest.error or str(slot.latest.detail.reason or "")
                                for _, slot in board.slots(source_kind)
                            ]

                        def says_what() -> bool:
                            return any(WRONG_ANSWER_SAYS[kind] in e for e in said()) and (
                                WRONG_ANSWER_SAYS[kind][:12] in screen_text(app)
                            )

                        await wait_until(pilot, says_what, timeout=10, what=f"{kind} says {WRONG_ANSWER_SAYS[kind]!r}")
                    await key_latency(pilot, kind, fault)
                    if fault == "wrong":
                        make_right()
                    else:
                        proxy.set_mode("pass")
                    await wait_until(pilot, healthy, timeout=15, what=f"{kind} recovered from {fault}")
                for _ in range(4):  # flapping
                    proxy.set_mode("down")
                    await pilot.pause(0.4)
                    proxy.set_mode("pass")
                    await pilot.pause(0.4)
                await key_latency(pilot, kind, "flapping")
                await wait_until(pilot, healthy, timeout=15, what=f"{kind} recovered from flapping")
        finally:
            proxy.stop()
            journal.close()
    notes = [e.summary for e in read(path).entries if e.kind == "note"]
    assert notes == [
        f"{kind} {f}" for f in ("down-at-start", "healthy", "down", "slow", "garbage", "wrong", "flapping")
    ]
    mine = {f: lat for k, f, lat in LATENCIES if k == kind}
    worst = max(lat for f, lat in mine.items() if f != "healthy")
    # Printed, never asserted: timing on a shared machine is for benchmarks (see bench/README.md).
    print(
        f"\n{kind}: key-to-screen latency (press n until the note dialog is on screen): healthy "
        f"{mine['healthy'] * 1000:.0f} ms; during faults "
        + ", ".join(f"{f} {lat * 1000:.0f} ms" for f, lat in mine.items() if f != "healthy")
        + f"; worst {worst * 1000:.0f} ms = {worst / mine['healthy']:.1f}x healthy"
    )


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 256 KiB filesystem (tmpfs), mounted for this test and removed afterwards."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the filesystem is full (ENOSPC); return it."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"x" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


async def test_a_full_disk_fails_the_journal_loudly_and_the_app_stays_usable(small_disk: Path) -> None:
    from tests.drill_helpers import drill_app

    path = small_disk / "full.jsonl"
    app, _, journal = drill_app(path, speed=10)
    saved: list[str] = []

    async def note(text: str) -> None:
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="note dialog")
        await type_text(pilot, text)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, NoteScreen), what="note dialog closed")

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await note("written while there is room")
        fill(small_disk)  # the disk is full now; the journal's last block still has some room
        for n in range(60):  # the incident goes on until a write finds no room
            text = f"n{n:02d} " + "x" * 600  # ~800 bytes an entry: a few notes fill the journal's last block
            await note(text)
            # The drill writes entries of its own (gate changes), and one of those may be the
            # first to find no room: the note that failed is the one the session names.
            if f"NOT saved: {text[:40]}" in (app.session.journal_error or ""):
                break
            saved.append(text)
        else:
            raise AssertionError("the journal never ran out of room")
        await wait_until(pilot, lambda: "JOURNAL WRITE FAILED" in screen_text(app), what="the failure on screen")
        assert "No space left on device" in screen_text(app)
        assert "NOT saved" in screen_text(app)  # says what was lost, instead of showing it as logged
        await pilot.press("question_mark")  # still usable
        await wait_until(pilot, lambda: "Keys" in screen_text(app), what="help opens")
        await pilot.press("escape")
        (small_disk / "filler").unlink()  # room again
        await note("disk has room again")
        await wait_until(pilot, lambda: "JOURNAL WRITE FAILED" not in screen_text(app), what="recovered")
    journal.close()
    back = read(path)
    # Every acknowledged note is there, the refused one is not, and it left no torn fragment.
    assert [e.summary for e in back.entries if e.kind == "note"] == [
        "written while there is room",
        *saved,
        "disk has room again",
    ]
    assert back.bad_lines == []
    assert [e.seq for e in back.entries] == list(range(1, len(back.entries) + 1))


async def test_a_config_with_a_thousand_queues_stays_usable(tmp_path: Path, redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    for i in range(1000):
        r.rpush(f"q:{i}", *range(i % 7 + 1))
    blocks = "".join(
        f'[[queues]]\nname = "q{i:04d}"\nredis = "jobs"\nkind = "list"\nqueue = "q:{i}"\n'
        f"risky = {'true' if i == 999 else 'false'}\n"
        for i in range(1000)
    )
    cfg = loads(HEAD + f'[redis.jobs]\nurl = "{redis_url}"\ninterval = "1s"\n' + blocks)
    journal = Journal.open(tmp_path / "j.jsonl", Operator("alice"))
    app = CockpitApp(Session(build_live(cfg, {}), journal))
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_until(pilot, lambda: len(app.session.board.names("queues")) == 1000, timeout=20, what="1000 queues")
        await wait_until(pilot, lambda: "q0999!" in screen_text(app), what="risky queue listed first")
        assert "more queues" in screen_text(app)
        started = time.perf_counter()
        await pilot.press("n")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteScreen), what="note dialog")
        print(f"\n1000 queues: key-to-screen {1000 * (time.perf_counter() - started):.0f} ms")
        await pilot.press("escape")
    journal.close()
