"""Seeded fuzzing: mutated configs are accepted or rejected in one line each (never a
traceback); mutated journals are exported and resumed with their bad lines reported, or
refused in one clear line. Reproducible: each case is named by its seed."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import tomllib
import traceback
from pathlib import Path
from typing import Any

from cockpit.config import ConfigError, from_data, loads

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "config.example.toml").read_text()
NASTY: list[Any] = [
    True,
    False,
    0,
    -1,
    1,
    2**63,
    1e20,
    1e300,
    -1e300,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    "x",
    "1e20",
    "1e20s",
    "-5s",
    "nan",
    "inf",
    "999999999h",
    "0ms",
    "\x1b]0;x\x07",
    "a" * 5000,
    [],
    [1, "a"],
    {},
    {"x": 1},
    [{}],
    [{"name": True}],
    "postgresql://u:p@h/db",
    "${HOME}",
]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def mutate(data: dict, rng: random.Random) -> tuple[dict, list[str]]:
    data = copy.deepcopy(data)
    done = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(data))
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        how = rng.random()
        if how < 0.6:
            parent[last] = copy.deepcopy(rng.choice(NASTY))
            done.append(f"{'.'.join(map(str, path))} = {parent[last]!r:.40}")
        elif how < 0.8 and isinstance(parent, dict):
            del parent[last]
            done.append(f"del {'.'.join(map(str, path))}")
        elif isinstance(parent, list) and parent:
            parent.append(copy.deepcopy(parent[rng.randrange(len(parent))]))
            done.append(f"dup {'.'.join(map(str, path[:-1]))}")
        elif isinstance(parent, dict):
            parent[f"{last}x"] = parent.pop(last)
            done.append(f"rename {'.'.join(map(str, path))}")
    return data, done


def test_mutated_configs_are_accepted_or_rejected_in_one_line_each() -> None:
    base = tomllib.loads(EXAMPLE)
    crashes = []
    outcomes = {"accepted": 0, "rejected": 0}
    for seed in range(300):
        data, done = mutate(base, random.Random(seed))
        try:
            from_data(data, "fuzz.toml")
            outcomes["accepted"] += 1
        except ConfigError as exc:
            lines = exc.lines()
            assert lines and all("\n" not in line and line.startswith("fuzz.toml: ") for line in lines), (seed, lines)
            outcomes["rejected"] += 1
        except Exception:  # noqa: BLE001 - collected: every crash is reported with its seed
            crashes.append(f"seed {seed} ({'; '.join(done)}):\n{traceback.format_exc(limit=-3)}")
    assert not crashes, f"{len(crashes)} of 300 mutated configs crashed:\n" + "\n".join(crashes[:5])
    assert outcomes["rejected"] > 150  # the mutations do hit validation (the test can fail)


def test_mutated_config_text_never_crashes() -> None:
    crashes = []
    for seed in range(150):
        rng = random.Random(seed)
        text = bytearray(EXAMPLE.encode())
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text))
            choice = rng.random()
            if choice < 0.4:
                text[at] = rng.choice(b"=[]{}\"'#\n\\0x\x00.,-")
            elif choice < 0.7:
                del text[at : at + rng.randint(1, 40)]
            else:
                text[at:at] = rng.choice([b"nan", b"inf", b"1e20", b"\xff\xfe", b"[[", b"]]", b'"', b"\n[x]\n"])
        try:
            loads(text.decode("utf-8", "replace"), "fuzz.toml")
        except ConfigError as exc:
            assert all("\n" not in line for line in exc.lines()), seed
        except Exception:  # noqa: BLE001
            crashes.append(f"seed {seed}:\n{traceback.format_exc(limit=-3)}")
    assert not crashes, "\n".join(crashes[:5])


def test_check_config_prints_no_traceback_for_nonsense_values(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[incident]\ntitle = "t"\nservice = "s"\n[redis.jobs]\nurl = "redis://h:6379/0"\n'
        'interval = nan\ntimeout = 1e20\n[[queues]]\nname = "q"\nredis = "jobs"\nkind = "rq"\n'
        '[actions.restart]\nsettle = inf\n[gate]\nwindow = "999999h"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    for key in ("redis.jobs.interval", "redis.jobs.timeout", "actions.restart.settle", "gate.window"):
        assert any(key in line for line in done.stderr.splitlines()), (key, done.stderr)


GOLDEN = ROOT / "tests" / "golden" / "drill-incident.jsonl"
WRONG_VALUES: list[Any] = [None, 5, -1, 1e308, "x", "", [], {}, [1, 2], {"a": {"b": []}}, True, "\x1b]52;c;x\x07"]


def mutate_journal(lines: list[bytes], rng: random.Random) -> tuple[list[bytes], list[str]]:
    lines = list(lines)
    done = []
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(lines))
        how = rng.randrange(9)
        if how == 0:
            lines[at] = lines[at][: rng.randrange(max(1, len(lines[at])))]  # cut
            done.append(f"cut line {at + 1}")
        elif how == 1:
            lines[at] = lines[at].replace(b'"ts": "', b'"ts": "' + rng.choice([b"UTC", b"yesterday ", b"9999", b""]), 1)
            done.append(f"bad ts line {at + 1}")
        elif how == 2:
            lines[at] = lines[at][:10] + rng.choice([b"\x00", b"\xff\xfe", b"\xc3"]) + lines[at][10:]
            done.append(f"NUL/non-UTF-8 line {at + 1}")
        elif how == 3:
            lines.insert(at, b"x" * rng.choice([100, 70_000]))
            done.append(f"garbage line {at + 1}")
        else:  # a whole, well-formed entry whose fields (or data) have the wrong types
            try:
                entry = json.loads(lines[at])
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            if how < 6 or not isinstance(entry.get("data"), dict) or not entry["data"]:
                key = rng.choice(["seq", "ts", "operator", "kind", "step", "summary", "data", "origin"])
            else:
                key = None
            value = copy.deepcopy(rng.choice(WRONG_VALUES))
            if key is None:
                data_key = rng.choice(sorted(entry["data"]))
                entry["data"][data_key] = value
                done.append(f"line {at + 1} data.{data_key} = {value!r:.30}")
            else:
                entry[key] = value
                done.append(f"line {at + 1} {key} = {value!r:.30}")
            lines[at] = json.dumps(entry).encode()
    return lines, done


def test_mutated_journals_export_and_resume_or_fail_in_one_line(tmp_path: Path, capsys) -> None:
    from cockpit.cli import main
    from cockpit.core.session import Session
    from cockpit.drill import build_drill
    from cockpit.incident.journal import Journal, Operator

    base = GOLDEN.read_bytes().split(b"\n")
    crashes = []
    reported = 0
    for seed in range(200):
        lines, done = mutate_journal(base, random.Random(seed))
        path = tmp_path / f"j{seed}.jsonl"
        path.write_bytes(b"\n".join(lines))
        try:
            for fmt in ("md", "json"):
                code = main(["export", str(path), "--format", fmt, "-o", str(tmp_path / f"r{seed}.{fmt}")])
                err = capsys.readouterr().err
                assert code in (0, 1), (seed, code, err)
                assert "Traceback" not in err and all(line.count("\n") == 0 for line in err.splitlines())
                reported += "skipped" in err
            with Journal.open(path, Operator("fuzz")) as journal:
                session = Session(build_drill(seed=1, speed=60), journal)
                session.resume()
                session.evaluate_gate()
        except Exception:  # noqa: BLE001 - collected with the seed that reproduces it
            crashes.append(f"seed {seed} ({'; '.join(done)}):\n{traceback.format_exc(limit=-4)}")
    assert not crashes, f"{len(crashes)} of 200 mutated journals crashed:\n" + "\n".join(crashes[:4])
    assert reported > 30  # bad lines were reported, not silently taken


def test_a_journal_with_a_line_over_the_limit_is_exported_with_the_line_reported(tmp_path: Path) -> None:
    from cockpit.incident.journal import MAX_LINE_BYTES

    path = tmp_path / "j.jsonl"
    lines = GOLDEN.read_bytes().split(b"\n")
    huge = json.dumps(
        {"seq": 9999, "ts": "2026-11-29T09:00:00.000Z", "kind": "note", "summary": "x" * (MAX_LINE_BYTES + 10)}
    ).encode()
    path.write_bytes(b"\n".join([*lines[:3], huge, *lines[3:]]))
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "export", str(path), "-o", str(tmp_path / "r.md")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{path}:4: skipped a too long" in done.stderr
