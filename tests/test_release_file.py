"""The release file: validation (one line per problem, naming the key path), the order of the
undo steps, and `cockpit check-config --release FILE`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.config import ConfigError, loads
from cockpit.config.release import find_cycle, load_release
from cockpit.core.release_plan import plan, topological

CONFIG = """
[incident]
title = "Checkout incident"
service = "checkout"
[release]
require_owner = true
[redis.jobs]
url = "redis://127.0.0.1:1/0"
[[queues]]
name = "payment-retry"
redis = "jobs"
kind = "rq"
queue = "payment_retry"
risky = true
[[queues]]
name = "emails"
redis = "jobs"
kind = "rq"
[regions.eu]
backend = "redis-hash"
redis = "jobs"
key = "flags"
[[flags]]
name = "new_checkout"
safe = false
[[flags]]
name = "read_only"
safe = true
[postgres]
readonly_dsn_env = "PG_RO"
repair_dsn_env = "PG_RW"
[[postgres.suspects]]
name = "duplicate holds"
sql = "SELECT count(*) FROM holds WHERE dup"
[[checks]]
name = "checkout"
[[checks.steps]]
name = "pay"
url = "https://shop.example/pay"
[actions.revert]
argv = ["deploy", "rollback", "checkout"]
[[actions.caches]]
name = "sessions"
redis = "jobs"
pattern = "session:*"
[[actions.caches]]
name = "catalog"
redis = "jobs"
pattern = "catalog:*"
[[actions.repairs]]
name = "holds"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "dupes"
preview = "SELECT count(*) FROM holds"
sql = "DELETE FROM holds WHERE dup"
[[actions.repairs]]
name = "totals"
reviewed_by = "dana"
[[actions.repairs.statements]]
name = "fix"
preview = "SELECT count(*) FROM orders"
sql = "UPDATE orders SET total = 0 WHERE false"
"""

RELEASE = """
[release]
id = "2026.11.3"
title = "New checkout flow"
shipped_at = 2026-11-21T14:00:00Z
owner = "sam"
backup = "lee"
links = { pr = "https://git.example/pr/812" }

[[changes]]
id = "customer-banner"
kind = "customer_visible"
what = "Status page says the new checkout is live"
owner = "kim"
undo = [{ action = "customer_update", template = "Checkout is back to the previous version." }]

[[changes]]
id = "second-repair"
kind = "migration"
what = "order totals computed by the new rule"
owner = "dana"
after = ["first-repair"]
undo = [{ action = "repair", script = "totals" }]

[[changes]]
id = "cache"
kind = "cache"
what = "sessions cache holds carts with the new totals"
owner = "ravi"
after = ["flag"]
undo = [{ action = "clear_caches", caches = ["sessions"] }]

[[changes]]
id = "retry-job"
kind = "job"
what = "payment retries every 10s"
owner = "ravi"
backup = "kim"
undo = [{ action = "restart_staged", queues = ["payment-retry"] }, { action = "pause_queues", queues = "payment-retry" }]
precondition = ["error_rate < 50%"]
guard = { failure = ["error_rate > 5%", "queue payment-retry growing"], failure_limit = 2 }

[[changes]]
id = "code"
kind = "code"
what = "checkout service 4.2"
owner = "sam"
undo = [{ action = "revert" }]
verify = ["check checkout passing"]

[[changes]]
id = "first-repair"
kind = "migration"
what = "discount holds table; duplicates under timeouts"
owner = "dana"
backup = "sam"
undo = [{ action = "repair", script = "holds" }]
precondition = ['suspect "duplicate holds" not rising']

[[changes]]
id = "flag"
kind = "flag"
what = "new_checkout at 25%"
owner = "kim"
undo = [{ action = "set_flags", flags = ["new_checkout"], safe = false }]
verify = ["flag new_checkout safe"]
"""


@pytest.fixture
def config():  # type: ignore[no-untyped-def]
    return loads(CONFIG)


def write(tmp_path: Path, text: str, name: str = "release.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(tmp_path: Path, config, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_release(path, config)
    return [line.removeprefix(f"{path}: ") for line in err.value.lines()]


def test_a_release_file_reads_into_the_map(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    rm = load_release(write(tmp_path, RELEASE), config)
    assert rm.release.id == "2026.11.3" and rm.release.shipped_at == "2026-11-21T14:00:00+00:00"
    assert rm.release.links == {"pr": "https://git.example/pr/812"}
    job = rm.change("retry-job")
    assert [u.kind for u in job.undo] == ["restart_staged", "pause_queues"]
    assert job.undo[1].params == {"queues": ("payment-retry",)}
    assert job.guard is not None and job.guard.failure_limit == 2
    assert [c.text for c in job.guard.failure] == ["error_rate > 5%", "queue payment-retry growing"]
    assert rm.change("first-repair").precondition[0].name == "duplicate holds"


def test_undo_steps_run_in_after_order_then_the_guides_order(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    steps = plan(load_release(write(tmp_path, RELEASE), config))
    assert [s.step_id for s in steps] == [
        "retry-job:pause_queues",  # stop the damage
        "flag",  # flags
        "code",  # revert
        "cache",  # after the flag (and a cache anyway)
        "first-repair",
        "second-repair",  # after the first repair is done
        "retry-job:restart_staged",  # jobs after the data is repaired
        "customer-banner",  # update
    ]
    by_id = {s.step_id: s for s in steps}
    assert by_id["cache"].after == ("flag",)
    assert by_id["retry-job:restart_staged"].after == ("retry-job:pause_queues",)
    assert by_id["retry-job:pause_queues"].first and not by_id["retry-job:pause_queues"].last


def test_after_beats_the_default_order(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    text = RELEASE.replace('id = "flag"\nkind = "flag"', 'id = "flag"\nkind = "flag"\nafter = ["first-repair"]')
    order = [s.step_id for s in plan(load_release(write(tmp_path, text), config))]
    assert order.index("first-repair") < order.index("flag") < order.index("cache")
    assert order.index("code") < order.index("first-repair")  # revert still before the repair


def test_topological_ties_by_rank_then_given_order() -> None:
    assert topological(["a", "b", "c"], {"a": ["c"]}, {"a": 0, "b": 5, "c": 9}) == ["b", "c", "a"]
    assert topological(["a", "b"], {}, {"a": 1, "b": 1}) == ["a", "b"]
    with pytest.raises(ValueError, match="cycle"):
        topological(["a", "b"], {"a": ["b"], "b": ["a"]}, {"a": 0, "b": 0})
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": []}) is None


BAD = {
    "cycle": (
        RELEASE.replace('after = ["first-repair"]', 'after = ["first-repair"]', 1).replace(
            'undo = [{ action = "repair", script = "holds" }]',
            'undo = [{ action = "repair", script = "holds" }]\nafter = ["second-repair"]',
        ),
        "changes[1].after: cycle: second-repair -> first-repair -> second-repair (each waits for the next)",
    ),
    "unknown id": (
        RELEASE.replace('after = ["flag"]', 'after = ["flags"]'),
        'changes[2].after: unknown change id "flags" (known: customer-banner, second-repair, cache, retry-job, '
        "code, first-repair, flag)",
    ),
    "unknown action": (
        RELEASE.replace('{ action = "revert" }', '{ action = "rollback" }'),
        'changes[4].undo[0].action: unknown action "rollback" (known: pause_queues, maintenance, set_flags, '
        "revert, clear_caches, repair, restart_staged, verify_paths, status_update, customer_update)",
    ),
    "missing owner": (
        RELEASE.replace('owner = "sam"\nundo = [{ action = "revert" }]', 'undo = [{ action = "revert" }]'),
        "changes[4].owner: is required (the config's [release] require_owner = true)",
    ),
    "unknown cache": (
        RELEASE.replace('caches = ["sessions"]', 'caches = ["carts"]'),
        'changes[2].undo[0].caches: unknown cache "carts" (known: sessions, catalog)',
    ),
    "bad condition": (
        RELEASE.replace('verify = ["check checkout passing"]', 'verify = ["check checkout green"]'),
        "changes[4].verify[0]: 'check checkout green': a check is 'passing' or 'failing'",
    ),
    "unknown name in a condition": (
        RELEASE.replace('verify = ["flag new_checkout safe"]', 'verify = ["flag new_chekout safe"]'),
        "changes[6].verify[0]: 'flag new_chekout safe': unknown flag \"new_chekout\" (known: new_checkout, read_only)",
    ),
    "unknown kind": (
        RELEASE.replace('kind = "code"', 'kind = "binary"'),
        "changes[4].kind: must be one of code, flag, config, migration, job, cache, third_party, "
        "customer_visible (got 'binary')",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_release_files_say_one_line_each(tmp_path: Path, config, case: str) -> None:  # type: ignore[no-untyped-def]
    text, line = BAD[case]
    assert problems(tmp_path, config, text) == [line]


def test_other_problems_name_their_key_path(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    text = RELEASE.replace('{ action = "revert" }', '{ action = "revert", argvs = ["x"] }').replace(
        'script = "totals"', 'script = "total"'
    )
    text = text.replace('id = "cache"', 'id = "close"')
    got = problems(tmp_path, config, text)
    assert 'changes[1].undo[0].script: unknown repair script "total" (known: holds, totals)' in got
    assert "changes[4].undo[0].argvs: unknown key; did you mean 'argv'? (keys of revert: argv, step)" in got
    assert any(line.startswith('changes[2].id: "close" is a runbook step of its own') for line in got)
    assert len(got) == 3


def test_check_config_release_prints_one_line_per_problem(tmp_path: Path) -> None:
    cfg = write(tmp_path, CONFIG, "checkout.toml")
    bad = write(tmp_path, BAD["unknown cache"][0].replace('after = ["flag"]', 'after = ["nope"]'))
    run = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(cfg), "--release", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.splitlines()
    assert lines == [
        f'{bad}: changes[2].undo[0].caches: unknown cache "carts" (known: sessions, catalog)',
        f'{bad}: changes[2].after: unknown change id "nope" (known: customer-banner, second-repair, cache, '
        "retry-job, code, first-repair, flag)",
        f"{bad}: 2 problems",
    ]
    good = write(tmp_path, RELEASE, "good.toml")
    ok = subprocess.run(
        [sys.executable, "-m", "cockpit", "check-config", str(cfg), "--release", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr
    assert f"{good}: OK (release 2026.11.3: 7 changes, 8 undo steps)" in ok.stdout
    assert "  1. retry-job:pause_queues: pause_queues(queues=payment-retry) — retry-job (ravi)" in ok.stdout
    assert "  4. cache: clear_caches(caches=sessions) — cache (ravi)" in ok.stdout


def test_an_undo_can_keep_a_default_step_id(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    text = RELEASE.replace(
        '{ action = "pause_queues", queues = "payment-retry" }',
        '{ action = "pause_queues", queues = "payment-retry", step = "stop" }',
    ).replace('{ action = "revert" }', '{ action = "revert", step = "revert" }')
    ids = [s.step_id for s in plan(load_release(write(tmp_path, text), config))]
    assert ids[:3] == ["stop", "flag", "revert"] and "retry-job:restart_staged" in ids
    taken = text.replace('step = "revert"', 'step = "flag"')
    assert problems(tmp_path, config, taken) == ['changes[4].undo[0].step: "flag" is taken by changes[6].id']


def test_the_drill_release_file_validates_and_keeps_the_default_step_ids() -> None:
    from cockpit.drill.release import drill_release

    release_map = drill_release()
    kinds = {c.kind for c in release_map.changes}
    assert {"code", "flag", "cache", "migration", "job", "customer_visible"} <= kinds
    assert all(c.owner and c.backup for c in release_map.changes)
    steps = plan(release_map)
    assert [s.step_id for s in steps] == [
        "stop",
        "flags",
        "revert",
        "cache",  # after the flag is off
        "repair",
        "repair:totals",  # after the first repair (and the cache)
        "restart",
        "announce",
    ]
    by_id = {s.step_id: s for s in steps}
    assert by_id["cache"].after == ("flags",) and by_id["repair:totals"].after == ("repair", "cache")


def test_run_with_a_bad_release_file_says_why_and_exits_2_before_the_screen(tmp_path: Path) -> None:
    cfg = write(tmp_path, CONFIG, "checkout.toml")
    bad = write(tmp_path, BAD["unknown action"][0])
    run = subprocess.run(
        [sys.executable, "-m", "cockpit", "run", "--config", str(cfg), "--release", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [f"{bad}: {BAD['unknown action'][1]}"]


def test_release_steps_frame_the_undo_with_the_default_steps(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    from cockpit.core.release_steps import release_steps
    from cockpit.core.runbook import FRAME_HEAD, FRAME_TAIL, Phase, frame_ids

    steps = release_steps(load_release(write(tmp_path, RELEASE), config), config)
    ids = [s.id for s in steps]
    assert ids[:2] == ["declare", "alert"] and ids[-4:] == ["verify", "watch", "update", "close"]
    # The frame is chosen by phase; its ids stay the default ones (old journals resume).
    assert [s.phase for s in steps[:2]] == list(FRAME_HEAD) and [s.phase for s in steps[-4:]] == list(FRAME_TAIL)
    assert frame_ids() == ("declare", "alert", "verify", "watch", "update", "close")
    assert not {s.phase for s in steps[2:-4]} & {*FRAME_HEAD, Phase.WATCH, Phase.CLOSE}
    assert ids[2:-4] == [p.step_id for p in plan(load_release(write(tmp_path, RELEASE), config))]
    names = [s.action.name for s in steps if s.action]
    assert len(names) == len(set(names))  # one action instance per step
    flag = next(s for s in steps if s.id == "flag")
    assert (flag.key, flag.change, flag.owner, flag.action.name if flag.action else None) == (
        "f",
        "flag",
        "kim",
        "flags_safe",
    )
    assert [c.text for c in flag.verify] == ["flag new_checkout safe"]
    second = next(s for s in steps if s.id == "second-repair")
    assert second.key == "" and second.after == ("first-repair",)


async def test_two_services_two_reverts_each_its_own_step_and_command(tmp_path: Path) -> None:
    from cockpit.core.release_steps import release_steps
    from cockpit.core.session import Session
    from cockpit.incident.journal import Journal, Operator, read
    from cockpit.wiring import build_live

    cfg = loads('[incident]\ntitle = "t"\nservice = "shop"\n')
    out = tmp_path / "reverted"
    release = f"""
[release]
id = "r1"
[[changes]]
id = "checkout"
kind = "code"
what = "checkout 4.2"
undo = [{{ action = "revert", argv = ["{sys.executable}", "-c", "open('{out}', 'a').write('checkout ')"] }}]
[[changes]]
id = "payments"
kind = "code"
what = "payments 1.9"
undo = [{{ action = "revert", argv = ["{sys.executable}", "-c", "open('{out}', 'a').write('payments')"] }}]
"""
    steps = release_steps(load_release(write(tmp_path, release), cfg), cfg)
    reverts = [s for s in steps if s.action and s.action.kind == "revert"]
    assert [(s.id, s.action.name if s.action else "") for s in reverts] == [
        ("checkout", "revert"),
        ("payments", "revert:payments"),
    ]
    session = Session(build_live(cfg, {}, steps=steps), Journal.open(tmp_path / "j.jsonl", Operator("ana")))

    async def yes(preview):  # type: ignore[no-untyped-def]
        return preview

    try:
        for name in ("revert", "revert:payments"):
            outcome = await session.run_action(name, yes)
            assert outcome.status == "done", outcome.message
    finally:
        session.journal.close()
    assert out.read_text() == "checkout payments"
    done = [e.step for e in read(tmp_path / "j.jsonl").entries if e.kind == "step" and e.data.get("state") == "done"]
    assert done == ["checkout", "payments"]


def test_a_new_action_kind_is_one_registration(tmp_path: Path, config) -> None:  # type: ignore[no-untyped-def]
    """Registering a kind with its phase, title and parameter reader is all it takes: a
    release file may name it (its parameters read and checked), the runbook places its step
    by phase, and the registry builds its action for that step."""
    from cockpit.actions import Action
    from cockpit.actions.registry import ActionRegistry
    from cockpit.config.reader import Table
    from cockpit.config.release_undo import UNDO_KINDS
    from cockpit.core.release_steps import release_steps
    from cockpit.core.runbook import ActionRef, Phase

    registry: ActionRegistry[None] = ActionRegistry()

    def read(t: Table, cfg: object) -> dict[str, object]:
        return {"who": t.str("who", required=True)}

    built: list[ActionRef] = []

    @registry.register("page_oncall", phase="alert", title="Page {targets}", params=read)
    def page(ctx: None, ref: ActionRef) -> Action | None:
        built.append(ref)
        return None

    try:
        release = (
            '[release]\nid = "r1"\nowner = "sam"\n[[changes]]\nid = "pager"\nkind = "config"\n'
            'what = "paging rule"\nowner = "lee"\nundo = [{ action = "page_oncall", who = "payments" }]\n'
        )
        steps = release_steps(load_release(write(tmp_path, release), config), config)
        step = next(s for s in steps if s.change == "pager")
        assert step.phase is Phase.ALERT and step.action and step.action.params["who"] == "payments"
        registry.build_steps(None, [step])
        assert [r.kind for r in built] == ["page_oncall"]
        bad = release.replace('who = "payments"', 'whom = "payments"')
        with pytest.raises(ConfigError) as err:
            load_release(write(tmp_path, bad), config)
        assert "changes[0].undo[0].who: is required" in str(err.value)
    finally:
        UNDO_KINDS.pop("page_oncall", None)
