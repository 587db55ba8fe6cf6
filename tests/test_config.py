"""Configuration: the example validates; every broken config names its key, exits 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit import config

ROOT = Path(__file__).resolve().parent.parent
BROKEN = sorted((Path(__file__).parent / "configs" / "broken").glob("*.toml"))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True, text=True, cwd=ROOT)


def test_example_config_passes_check_config() -> None:
    done = run_cli("check-config", "config.example.toml")
    assert done.returncode == 0, done.stderr
    assert "config.example.toml: OK" in done.stdout
    assert "2 queues" in done.stdout and "3 regions" in done.stdout


def test_example_config_is_the_checkout_service() -> None:
    cfg = config.load(ROOT / "config.example.toml")
    assert cfg.incident.service == "checkout"
    kinds = {q.name: (q.kind, q.risky) for q in cfg.queues}
    assert kinds == {"payment-retry": ("rq", True), "emails": ("celery", False)}
    assert next(f.name for f in cfg.flags) == "new_checkout"
    assert cfg.flags[0].regions == ("eu-west", "us-east", "ap-south")
    assert len(cfg.postgres.suspects) == 2
    assert [s.name for s in cfg.checks[0].steps] == ["log in", "add to cart", "pay"]
    assert cfg.checks[0].steps[0].budget == pytest.approx(0.8)
    assert cfg.incident.update_interval == 1800
    # Secrets are only ever named; the loader resolves nothing at load time.
    assert "CHECKOUT_PG_RO_DSN" in cfg.secret_env_names()
    assert "SYNTHETIC_CHECKOUT_PASSWORD" in cfg.secret_env_names()


def test_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_config_names_the_key(path: Path) -> None:
    expected = path.read_text().splitlines()[0].removeprefix("# expect: ")
    done = run_cli("check-config", str(path))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    problem_lines = [line for line in done.stderr.splitlines() if not line.endswith(("problem", "problems"))]
    assert f"{path}: {expected}" in "\n".join(problem_lines), done.stderr
    assert all(line.startswith(f"{path}: ") for line in problem_lines), done.stderr


def test_every_problem_is_collected_not_just_the_first() -> None:
    text = """
[incident]
titel = "x"
service = 3

[redis.a]
url = "redis://127.0.0.1"
timeout = "soon"
"""
    with pytest.raises(config.ConfigError) as info:
        config.loads(text, "x.toml")
    paths = [p.path for p in info.value.problems]
    assert sorted(paths) == ["incident.service", "incident.titel", "incident.title", "redis.a.timeout"]


def test_durations_accept_units() -> None:
    cfg = config.loads(
        '[incident]\ntitle="t"\nservice="s"\nupdate_interval="1h"\n'
        '[redis.r]\nurl="redis://h"\ninterval="500ms"\ntimeout=3\n'
    )
    assert cfg.incident.update_interval == 3600
    assert cfg.redis[0].interval == pytest.approx(0.5)
    assert cfg.redis[0].timeout == 3


def test_redis_url_from_environment_is_resolved_late() -> None:
    cfg = config.loads('[incident]\ntitle="t"\nservice="s"\n[redis.r]\nurl_env="JOBS_URL"\n')
    assert cfg.redis[0].resolve_url({"JOBS_URL": "redis://:pw@h:6379/0"}) == "redis://:pw@h:6379/0"
    with pytest.raises(LookupError, match="JOBS_URL"):
        cfg.redis[0].resolve_url({})


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    done = run_cli("check-config", str(tmp_path / "missing.toml"))
    assert done.returncode == 2
    assert "cannot read the file" in done.stderr and "Traceback" not in done.stderr


def test_unknown_flag_provider_is_rejected_naming_the_registry_kinds() -> None:
    """The valid providers come from the registry, so a new provider is listed without touching config."""
    from cockpit.backends.flags.registry import names as provider_names
    from cockpit.backends.queues.registry import names as queue_kinds

    text = """
[incident]
title = "t"
service = "s"
[regions.eu-west]
backend = "launchdarkly"
url = "http://flags.eu/flags"
[[flags]]
name = "new-checkout"
safe = false
regions = ["eu-west"]
[redis.r]
url = "redis://127.0.0.1"
[[queues]]
kind = "resque"
redis = "r"
queue = "q"
"""
    with pytest.raises(config.ConfigError) as info:
        config.loads(text, "x.toml")
    lines = {p.path: p.message for p in info.value.problems}
    # One problem, one line: the flag naming the dropped region is not told it does not exist.
    assert set(lines) == {"regions.eu-west.backend", "queues[0].kind"}, lines
    assert provider_names() == ("unleash", "redis-hash", "http-json")
    assert f"must be one of {', '.join(provider_names())}" in lines["regions.eu-west.backend"]
    assert "launchdarkly" in lines["regions.eu-west.backend"]
    assert f"must be one of {', '.join(queue_kinds())}" in lines["queues[0].kind"]


def test_every_flag_provider_module_declares_its_provider_with_the_protocol() -> None:
    """`PROVIDER: FlagProvider = ...` in each registered module: mypy checks it against the seam
    (a module without the annotation would slip past mypy, and fails here instead)."""
    import typing
    from importlib import import_module

    from cockpit.backends.flags.base import FlagProvider
    from cockpit.backends.flags.registry import PROVIDER_MODULES, PROVIDERS

    assert len(PROVIDERS) == len(PROVIDER_MODULES)
    for module in PROVIDER_MODULES:
        loaded = import_module(f"cockpit.backends.flags.{module}")
        assert typing.get_type_hints(loaded).get("PROVIDER") is FlagProvider, module
        assert PROVIDERS[loaded.PROVIDER.name] is loaded.PROVIDER


REGION = """
[incident]
title = "t"
service = "s"
[regions.eu]
backend = "{backend}"
{keys}
[[flags]]
name = "new_checkout"
safe = false
"""


def test_a_flag_providers_option_is_validated_by_its_own_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """A new provider is its module plus its registration: the region reader takes its keys,
    its own code checks them into its own typed record, and a key it does not take is
    rejected naming the keys it does. Nothing in cockpit/config knows the provider."""
    from collections.abc import Sequence
    from dataclasses import dataclass

    from cockpit.backends.flags import registry
    from cockpit.config.reader import Table

    @dataclass(frozen=True)
    class FlagdOptions:
        socket: str
        token_env: str | None

        def env_keys(self) -> tuple[tuple[str, str], ...]:
            return (("token_env", self.token_env),) if self.token_env else ()

    @dataclass(frozen=True)
    class Flagd:
        name: str = "flagd"
        keys: tuple[str, ...] = ("socket", "token_env")

        def read_options(self, t: Table, redis_names: Sequence[str]) -> FlagdOptions:
            socket = t.str("socket", "/run/flagd.sock")
            if not socket.startswith("/"):
                t.error("socket", "must be an absolute path (flagd's own rule)")
            return FlagdOptions(socket, t.env_name("token_env"))

    monkeypatch.setitem(registry.PROVIDERS, "flagd", Flagd())

    cfg = config.loads(REGION.format(backend="flagd", keys='socket = "/tmp/f.sock"\ntoken_env = "FLAGD_TOKEN"'))
    assert cfg.regions[0].options == FlagdOptions("/tmp/f.sock", "FLAGD_TOKEN")
    assert "FLAGD_TOKEN" in cfg.secret_env_names()

    with pytest.raises(config.ConfigError) as info:
        config.loads(REGION.format(backend="flagd", keys='socket = "f.sock"\nurl = "http://x"'))
    lines = {p.path: p.message for p in info.value.problems}
    assert lines["regions.eu.socket"] == "must be an absolute path (flagd's own rule)"
    assert "a flagd region takes: backend, interval, socket, timeout, token_env" in lines["regions.eu.url"]

    with pytest.raises(config.ConfigError) as info:
        config.loads(REGION.format(backend="launchdarkly", keys=""))
    assert "flagd" in info.value.problems[0].message  # check-config lists the registry's providers


def test_a_builtin_providers_own_option_is_checked_by_its_module() -> None:
    from cockpit.backends.flags.http_json import HttpJsonOptions

    ok = config.loads(REGION.format(backend="http-json", keys='url_env = "FLAGS_URL"\nwrite_method = "PATCH"'))
    assert isinstance(ok.regions[0].options, HttpJsonOptions)
    assert ok.regions[0].options.write_method == "PATCH"
    with pytest.raises(config.ConfigError) as info:
        config.loads(REGION.format(backend="http-json", keys='url = "http://f"\nwrite_method = "DELETE"\nkey = "k"'))
    lines = {p.path: p.message for p in info.value.problems}
    assert "PUT, POST, PATCH" in lines["regions.eu.write_method"]
    assert "a http-json region takes:" in lines["regions.eu.key"]
