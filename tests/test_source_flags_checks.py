"""Flags across regions (a real Unleash, a Redis hash, an HTTP JSON endpoint) and multi-step
user-path checks against a small local shop."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import redis

from cockpit.backends.checks import CheckSource
from cockpit.backends.flags import FlagRegionSource, parse_flag_value
from cockpit.config import loads
from cockpit.core.flagmatrix import build_matrix
from cockpit.core.readings import FLAGS, Board, Freshness
from tests.http_apps import FlagEndpointState, ShopState, closed_port, flag_endpoint_handler, serve, shop_handler

pytestmark = pytest.mark.servers


def unleash_setup(url: str, flag: str, rollout: int, environment: str = "production") -> None:
    with httpx.Client(base_url=url, timeout=10) as c:
        created = c.post("/api/admin/projects/default/features", json={"name": flag})
        assert created.status_code in (201, 409), created.text
        c.post(
            f"/api/admin/projects/default/features/{flag}/environments/{environment}/strategies",
            json={
                "name": "flexibleRollout",
                "parameters": {"rollout": str(rollout), "stickiness": "default", "groupId": flag},
            },
        ).raise_for_status()
        c.post(f"/api/admin/projects/default/features/{flag}/environments/{environment}/on").raise_for_status()


def flag_config(unleash_url: str, redis_url: str, http_url: str):
    return loads(f'''
[incident]
title = "t"
service = "s"
[redis.flags]
url = "{redis_url}"
[regions.eu-west]
backend = "unleash"
url = "{unleash_url}"
environment = "production"
timeout = "3s"
[regions.eu-central]
backend = "unleash"
url = "{unleash_url}"
environment = "development"
timeout = "3s"
[regions.us-east]
backend = "redis-hash"
redis = "flags"
key = "flags:us-east"
[regions.ap-south]
backend = "http-json"
url = "{http_url}"
timeout = "1s"
[[flags]]
name = "new_checkout"
safe = false
[[flags]]
name = "checkout_read_only"
safe = false
''')


async def test_three_backends_one_disagreeing_one_down(unleash_server, redis_url: str) -> None:
    unleash_setup(unleash_server.url, "new_checkout", 25)
    r = redis.Redis.from_url(redis_url)
    r.hset("flags:us-east", mapping={"new_checkout": "25%", "checkout_read_only": "0"})  # agrees with eu-west
    cfg = flag_config(unleash_server.url, redis_url, closed_port())  # ap-south is down
    sources = [FlagRegionSource(region, cfg.flags, cfg, {}) for region in cfg.regions]
    board = Board()
    try:
        results = await asyncio.gather(*(s.read() for s in sources), return_exceptions=True)
    finally:
        for s in sources:
            await s.close()
    for source, result in zip(sources, results, strict=True):
        if isinstance(result, Exception):
            board.fail(FLAGS, source.expected_names(), str(result))
        else:
            board.update(result)
    assert board.value(FLAGS, "new_checkout@eu-west") == 25.0
    assert board.slot(FLAGS, "new_checkout@eu-west").latest.detail.enabled is True
    assert board.value(FLAGS, "new_checkout@eu-central") == 0.0  # development: never enabled, disagrees
    assert board.value(FLAGS, "new_checkout@us-east") == 25.0
    assert board.freshness(FLAGS, "new_checkout@ap-south") is Freshness.UNREACHABLE
    assert board.freshness(FLAGS, "new_checkout@eu-west") is Freshness.OK  # only the down region's cells
    matrix = build_matrix(board)
    cells = {region: matrix.cells[("new_checkout", region)] for region in matrix.regions}
    assert cells["eu-west"].partial and cells["us-east"].partial
    assert cells["eu-central"].drift and not cells["eu-west"].drift and not cells["us-east"].drift
    assert cells["ap-south"].freshness is Freshness.UNREACHABLE


async def test_unleash_toggle_is_seen_on_the_next_read(unleash_server) -> None:
    unleash_setup(unleash_server.url, "dark_mode", 100, "development")
    cfg = flag_config(unleash_server.url, "redis://127.0.0.1:1/0", closed_port())
    region = next(r for r in cfg.regions if r.name == "eu-central")
    from cockpit.config import FlagConfig

    src = FlagRegionSource(region, (FlagConfig("dark_mode", False, ("eu-central",)),), cfg, {})
    try:
        assert (await src.read())[0].value == 100.0
        with httpx.Client(base_url=unleash_server.url) as c:
            c.post("/api/admin/projects/default/features/dark_mode/environments/development/off").raise_for_status()
        assert (await src.read())[0].value == 0.0
    finally:
        await src.close()


async def test_http_json_region_garbage_and_recovery(redis_url: str) -> None:
    state = FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 25}, "checkout_read_only": False})
    with serve(flag_endpoint_handler(state)) as url:
        cfg = flag_config("http://127.0.0.1:1", redis_url, url)
        region = next(r for r in cfg.regions if r.name == "ap-south")
        src = FlagRegionSource(region, cfg.flags, cfg, {})
        try:
            values = {r.name: r.value for r in await src.read()}
            assert values == {"new_checkout@ap-south": 25.0, "checkout_read_only@ap-south": 0.0}
            state.garbage = True
            with pytest.raises(Exception, match="garbage reply"):
                await src.read()
            state.garbage = False
            assert (await src.read())[0].value == 25.0
        finally:
            await src.close()


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"1", (True, 100.0)),
        ("off", (False, 0.0)),
        ("25%", (True, 25.0)),
        ('{"enabled": true, "rollout": 10}', (True, 10.0)),
        (0.5, (True, 50.0)),
        ('{"enabled": false, "rollout": 40}', (False, 0.0)),
    ],
)
def test_flag_values_as_home_grown_systems_store_them(raw, expected) -> None:
    assert parse_flag_value(raw) == expected


def shop_check(url: str, budget: str = "1s"):
    return loads(f'''
[incident]
title = "t"
service = "s"
[[checks]]
name = "checkout"
timeout = "2s"
[[checks.steps]]
name = "log in"
method = "POST"
url = "{url}/api/login"
form = {{ email = "synthetic@example.com" }}
form_env = {{ password = "SYNTH_PW" }}
[[checks.steps]]
name = "add to cart"
method = "POST"
url = "{url}/api/cart/items"
json = '{{"sku": "SYNTH-001", "qty": 1}}'
expect_status = 201
expect_text = "SYNTH-001"
budget = "{budget}"
[[checks.steps]]
name = "pay"
method = "POST"
url = "{url}/api/checkout"
expect_text = "order confirmed"
''').checks[0]


async def test_multi_step_path_carries_cookies_and_checks_each_step() -> None:
    state = ShopState()
    with serve(shop_handler(state)) as url:
        src = CheckSource(shop_check(url), {"SYNTH_PW": "s3cret-pw"})
        readings = await src.read()
        assert [r.detail.ok for r in readings] == [True, True, True]
        assert all(isinstance(r.value, float) and r.value < 1 for r in readings)
        state.payments_broken = True
        readings = await src.read()
        assert [r.detail.ok for r in readings] == [True, True, False]
        assert readings[2].detail.reason == "HTTP 502, expected 200"
        state.payments_broken = False
        state.slow_cart = 0.3
        slow = CheckSource(shop_check(url, budget="100ms"), {"SYNTH_PW": "s3cret-pw"})
        readings = await slow.read()
        assert "over budget" in readings[1].detail.reason
        assert readings[2].detail.reason == "not run: 'add to cart' failed"
        wrong = CheckSource(shop_check(url), {"SYNTH_PW": "wrong"})
        assert (await wrong.read())[0].detail.reason == "HTTP 401, expected 200"
        unset = CheckSource(shop_check(url), {})
        assert "SYNTH_PW is not set" in (await unset.read())[0].detail.reason
    down = CheckSource(shop_check(closed_port()), {"SYNTH_PW": "x"})
    assert "ConnectError" in (await down.read())[0].detail.reason


async def test_each_provider_sets_a_flag_and_logs_what_the_drill_would_show(unleash_server, redis_url: str) -> None:
    """Through the provider registry: `set` writes the real store (read back through the same
    source) and returns exactly the command-log line `describe_set` gives without sending."""
    unleash_setup(unleash_server.url, "new_checkout", 100)
    redis.Redis.from_url(redis_url).hset("flags:us-east", mapping={"new_checkout": "1", "checkout_read_only": "0"})
    state = FlagEndpointState({"new_checkout": {"enabled": True, "rollout": 100}, "checkout_read_only": False})
    with serve(flag_endpoint_handler(state)) as url:
        cfg = flag_config(unleash_server.url, redis_url, url)
        for region in (r for r in cfg.regions if r.name != "eu-central"):
            src = FlagRegionSource(region, cfg.flags, cfg, {})
            try:
                sent = await src.set("new_checkout", False)
                assert sent == src.provider.describe_set(region, "new_checkout", False), region.backend
                cells = {r.name: r for r in await src.read()}
                assert cells[f"new_checkout@{region.name}"].value == 0.0, region.backend
            finally:
                await src.close()
