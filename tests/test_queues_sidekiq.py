"""A real Sidekiq (Debian's ruby-sidekiq) writing its real keys into the harness's Redis: the
cockpit's figures per queue equal what Sidekiq's own API reports at the same moment — the
shared retry/schedule/dead sets counted per queue, busy threads by queue — and a one-off
`snapshot` has in-flight on its first read."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.backends.queues.source import build_queue_sources
from cockpit.config import loads
from tests.servers import kill_tree

pytestmark = pytest.mark.servers
ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "tests" / "sidekiq"
QUEUES = ("mailers", "flaky", "default", "slow")


def sidekiq_stats(redis_url: str) -> dict:
    done = subprocess.run(
        ["ruby", str(APP / "stats.rb"), *QUEUES],
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def config(redis_url: str) -> str:
    blocks = "".join(f'[[queues]]\nname = "{q}"\nredis = "jobs"\nkind = "sidekiq"\nqueue = "{q}"\n' for q in QUEUES)
    return f'[incident]\ntitle = "t"\nservice = "s"\n[redis.jobs]\nurl = "{redis_url}"\n{blocks}'


@pytest.fixture
def sidekiq_worker(redis_url: str):
    if not shutil.which("sidekiq"):
        pytest.fail("sidekiq not found: scripts/install-servers installs Debian's ruby-sidekiq")
    env = {**os.environ, "REDIS_URL": redis_url}
    subprocess.run(["ruby", str(APP / "enqueue.rb")], env=env, check=True, timeout=60, capture_output=True)
    worker = subprocess.Popen(
        ["sidekiq", "-r", str(APP / "app.rb"), "-q", "flaky", "-q", "default", "-q", "slow", "-c", "3", "-t", "1"],
        cwd=APP,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    yield worker
    kill_tree(worker.pid)
    worker.wait(15)


async def test_every_figure_per_queue_equals_sidekiqs_own_api(redis_url: str, sidekiq_worker) -> None:
    cfg = loads(config(redis_url))
    deadline = time.monotonic() + 60
    while True:
        # A fresh source each time: what a one-off `cockpit snapshot` sees on its first read.
        [source] = build_queue_sources(cfg, {})
        read_at = time.monotonic()
        try:
            got = {r.name: r for r in await source.read()}
        finally:
            await source.close()
        own = sidekiq_stats(redis_url)
        between = time.monotonic() - read_at  # Ruby's answer is measured up to this much later
        ours = {
            q: {
                "depth": int(got[q].value),
                "retrying": got[q].detail.state.retrying,
                "scheduled": got[q].detail.state.scheduled,
                "failed": got[q].detail.state.failed,
                "in_flight": got[q].detail.state.in_flight,
            }
            for q in QUEUES
        }
        theirs = {q: {k: v for k, v in own[q].items() if k != "latency"} for q in QUEUES}
        settled = (
            theirs["slow"]["in_flight"] == 3 and theirs["flaky"]["retrying"] == 3 and theirs["default"]["failed"] == 2
        )
        if settled and ours == theirs:
            break
        assert time.monotonic() < deadline, f"cockpit {ours} != sidekiq {theirs}"
        await asyncio.sleep(0.5)
    # The shared sets are counted per queue, not shown whole on every queue.
    assert ours["mailers"] == {"depth": 4, "retrying": 0, "scheduled": 2, "failed": 0, "in_flight": 0}
    assert ours["flaky"]["retrying"] == 3 and ours["flaky"]["failed"] == 0
    assert ours["slow"] == {"depth": 1, "retrying": 0, "scheduled": 0, "failed": 0, "in_flight": 3}
    # Oldest waiting job: Sidekiq's own Queue#latency, which Ruby measured a little later.
    assert -0.5 <= own["mailers"]["latency"] - got["mailers"].detail.state.oldest_age <= between + 0.5
    assert got["slow"].detail.state.paused is False  # OSS: no `paused` set
    # Sidekiq Pro's pause is membership of the `paused` set (Pro is not installable here).
    import redis

    redis.Redis.from_url(redis_url).sadd("paused", "slow")
    [source] = build_queue_sources(cfg, {})
    try:
        assert {r.name: r for r in await source.read()}["slow"].detail.state.paused is True
    finally:
        await source.close()


def test_snapshot_shows_in_flight_on_its_first_read(redis_url: str, sidekiq_worker, tmp_path: Path) -> None:
    deadline = time.monotonic() + 60
    while sidekiq_stats(redis_url)["slow"]["in_flight"] != 3:
        assert time.monotonic() < deadline, "Sidekiq did not start three slow jobs"
        time.sleep(0.5)
    path = tmp_path / "cockpit.toml"
    path.write_text(config(redis_url))
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "snapshot", "--config", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode in (0, 2), done.stderr
    queues = json.loads(done.stdout)["queues"]
    slow = queues["slow"] if isinstance(queues, dict) else next(q for q in queues if q["name"] == "slow")
    assert slow["detail"]["in_flight"] == 3, slow
