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


def test_every_flag_provider_takes_keys_a_region_can_hold() -> None:
    """A provider's keys are read into RegionConfig's fields: one it names that a region has no
    field for could never be set (check-config would call it unknown)."""
    from cockpit.backends.flags.registry import PROVIDER_MODULES, PROVIDERS

    assert len(PROVIDERS) == len(PROVIDER_MODULES)
    for name, provider in PROVIDERS.items():
        assert provider.name == name
        assert set(provider.keys) <= set(config.RegionConfig._fields) - {"name", "backend", "interval", "timeout"}
