"""The release file: what one release touched, how to undo each change, who owns it, and
what must happen first (the release map of the rollback guide), validated against a config.

    [release]   id, title, shipped_at, owner, backup, links = { pr = "https://...", ... }
    [[changes]] id, kind, what, owner, backup, approvers, after, precondition, verify,
                guard = { failure = ["error_rate > 5%"], failure_limit = 2 },
                undo = [{ action = "clear_caches", caches = ["sessions"] }, ...]

Every problem is one line `FILE: changes[2].undo[0].caches: unknown cache "x" (known: a, b)`;
`after` naming an unknown change or making a cycle is an error. Change kinds and undo
action kinds are registries: a new one is one `register_*` call, no if-chain elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cockpit.config.errors import ConfigError
from cockpit.config.model import Config, ReleaseSettings
from cockpit.config.reader import Problem, Problems, Table, check_unique
from cockpit.config.release_undo import undo_kinds
from cockpit.core.conditions import Condition, ConditionError, parse_conditions
from cockpit.core.readings import CHECKS, ERROR_RATE, FLAGS, QUEUES, SUSPECTS

#: What a release can touch (the guide's release map); `register_change_kind` adds one.
CHANGE_KINDS: dict[str, str] = {
    "code": "application code, deployed services",
    "flag": "a feature flag",
    "config": "remote config, env vars, admin switches",
    "migration": "a database schema or data change",
    "job": "a background job, queue, schedule or retry rule",
    "cache": "a cache, session store, index or other derived state",
    "third_party": "a call to a third party",
    "customer_visible": "something customers see or were told",
}


def register_change_kind(kind: str, description: str) -> None:
    CHANGE_KINDS[kind] = description


# -- the model ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Undo:
    """One action instance that undoes (part of) a change: an action kind and its parameters
    (the runbook's `ActionRef` once placed in a step). `params["step"]`, when given, is the
    step's id (so a release can keep the default ids, and old journals resume against it)."""

    kind: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def describe(self) -> str:
        shown = ", ".join(f"{k}={_show(k, v)}" for k, v in self.params.items() if k not in ("name", "step", "template"))
        return f"{self.kind}({shown})" if shown else self.kind


def _show(key: str, value: object) -> str:
    if not isinstance(value, (list, tuple)):
        return str(value)
    return " ".join(str(v) for v in value) if key == "argv" else "/".join(str(v) for v in value)


@dataclass(frozen=True)
class GuardRule:
    """Failure conditions evaluated while the undo runs, and how many breaches in a row halt it."""

    failure: tuple[Condition, ...]
    failure_limit: int = 1


@dataclass(frozen=True)
class Change:
    id: str
    kind: str
    what: str
    owner: str = ""
    backup: str = ""
    undo: tuple[Undo, ...] = ()
    after: tuple[str, ...] = ()
    precondition: tuple[Condition, ...] = ()
    verify: tuple[Condition, ...] = ()
    guard: GuardRule | None = None
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Release:
    id: str
    title: str
    shipped_at: str = ""
    owner: str = ""
    backup: str = ""
    links: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReleaseMap:
    release: Release
    changes: tuple[Change, ...]
    source: Path | None = None

    def change(self, change_id: str) -> Change:
        return next(c for c in self.changes if c.id == change_id)


# -- reading ---------------------------------------------------------------------------
def read_release_settings(t: Table | None, base_dir: Path) -> ReleaseSettings:
    """The config's `[release]`: the release file (relative to the config) and owner policy."""
    if t is None:
        return ReleaseSettings()
    file = t.str("file")
    settings = ReleaseSettings(base_dir / file if file else None, t.bool("require_owner"), t.bool("require_backup"))
    t.finish()
    return settings


def load_release(path: str | Path, config: Config) -> ReleaseMap:
    """Read and validate a release file against `config`; raises ConfigError with every problem."""
    import tomllib  # not at import: the drill starts without it

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read the release file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"is not UTF-8 text ({exc.reason})")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [Problem("", f"TOML syntax error: {exc}")]) from None
    return release_from_data(data, config, str(path), path)


def release_from_data(
    data: dict[str, Any], config: Config, filename: str = "<release>", source: Path | None = None
) -> ReleaseMap:
    problems = Problems()
    try:
        result = _read(Table(data, "", problems), config)
    except Exception as exc:  # noqa: BLE001 - a validator bug must still end in one line
        problems.add("", f"could not be validated: {type(exc).__name__}: {str(exc)[:120]} (a cockpit bug)")
        result = None
    if problems or result is None:
        raise ConfigError(filename, list(problems))
    return ReleaseMap(result[0], result[1], source)


def _text(t: Table, key: str) -> str:
    """A string, or a TOML date/time kept as its ISO text."""
    value = t.data.get(key) if t.has(key) else None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return t.str(key, "") or ""


def _people(t: Table, settings: ReleaseSettings) -> tuple[str, str]:
    owner, backup = t.str("owner", "") or "", t.str("backup", "") or ""
    if settings.require_owner and not owner:
        t.error("owner", "is required (the config's [release] require_owner = true)")
    if settings.require_backup and not backup:
        t.error("backup", "is required (the config's [release] require_backup = true)")
    return owner, backup


def _read(root: Table, config: Config) -> tuple[Release, tuple[Change, ...]] | None:
    settings = config.release
    head = root.table("release", required=True)
    release = None
    if head is not None:
        links: dict[str, str] = {}
        if (lt := head.table("links")) is not None:
            for key in lt.data:
                url = lt.url(key)
                if url:
                    links[key] = url
        owner, backup = _people(head, settings)
        release = Release(head.str("id", required=True) or "", head.str("title", ""), _text(head, "shipped_at"))
        release = Release(release.id, release.title or release.id, release.shipped_at, owner, backup, links)
        head.finish()
    tables = root.tables("changes")
    if not tables and root.has("changes") is False:
        root.error("changes", "at least one [[changes]] entry is required")
    changes = [_read_change(t, config, settings) for t in tables]
    check_unique(tables, "id", [c.id if c else None for c in changes], "change id")
    _check_step_ids(tables, changes)
    root.finish()
    ids = [c.id for c in changes if c is not None]
    for t, change in zip(tables, changes, strict=True):
        if change is None:
            continue
        for dep in change.after:
            if dep == change.id:
                t.error("after", f'names its own change "{dep}"')
            elif dep not in ids:
                t.error("after", f'unknown change id "{dep}" (known: {", ".join(ids)})')
    good = [c for c in changes if c is not None]
    if (cycle := find_cycle({c.id: c.after for c in good})) is not None:
        table = next(t for t, c in zip(tables, changes, strict=True) if c is not None and c.id == cycle[0])
        table.error("after", "cycle: " + " -> ".join(cycle) + " (each waits for the next)")
    if release is None or len(good) != len(changes):
        return None
    return release, tuple(good)


def _check_step_ids(tables: list[Table], changes: list[Change | None]) -> None:
    """A `step = "..."` of an undo must not take another step's id (a change id or another `step`)."""
    taken = {c.id: f"changes[{i}].id" for i, c in enumerate(changes) if c is not None}
    for i, change in enumerate(changes):
        for j, undo in enumerate(change.undo if change else ()):
            step = undo.params.get("step")
            if isinstance(step, str):
                if step in taken and taken[step] != f"changes[{i}].id":
                    tables[i].problems.add(f"changes[{i}].undo[{j}].step", f'"{step}" is taken by {taken[step]}')
                taken[step] = f"changes[{i}].undo[{j}].step"


def _read_change(t: Table, config: Config, settings: ReleaseSettings) -> Change | None:
    from cockpit.core.runbook import frame_ids  # here: the runbook module reads the config

    frame = frame_ids()  # the runbook's own steps around the undo (declare, alert, ..., close)
    change_id = t.name("id", required=True)
    if change_id in frame:
        t.error("id", f'"{change_id}" is a runbook step of its own (taken: {", ".join(frame)})')
        change_id = None
    kinds = tuple(CHANGE_KINDS)
    kind = t.str("kind", required=True, choices=kinds)
    what = t.str("what", required=True)
    owner, backup = _people(t, settings)
    undo: list[Undo] = []
    raw_undo = t.tables("undo")
    if not raw_undo and t.has("undo") is False:
        t.error("undo", 'is required: one or more { action = "...", ... } (actions: ' + ", ".join(undo_kinds()) + ")")
    for u in raw_undo:
        action = u.str("action", required=True)
        spec = undo_kinds().get(action) if isinstance(action, str) else None
        if spec is None:
            if isinstance(action, str):
                u.error("action", f'unknown action "{action}" (known: {", ".join(undo_kinds())})')
            continue
        params = {k: v for k, v in spec.read(u, config).items() if v is not None}
        if (step := u.name("step")) is not None:
            if step in frame:
                u.error("step", f'"{step}" is a runbook step of its own (taken: {", ".join(frame)})')
            params["step"] = step
        u.finish(f" (keys of {action}: {', '.join(sorted(u.known() - {'action'})) or 'none'})")
        undo.append(Undo(action, params))
    after = t.str_list("after")
    conditions: dict[str, tuple[Condition, ...]] = {}
    for key in ("precondition", "verify"):
        conditions[key] = _conditions(t, key, config)
    guard = None
    if (g := t.table("guard")) is not None:
        failure = _conditions(g, "failure", config, required=True)
        guard = GuardRule(failure, g.int("failure_limit", 1, minimum=1, maximum=100))
        g.finish()
    approvers = t.str_list("approvers")
    t.finish()
    if None in (change_id, kind, what) or len(undo) != len(raw_undo) or not raw_undo:
        return None
    return Change(
        change_id,
        kind,
        what,
        owner,
        backup,
        tuple(undo),
        after,
        conditions["precondition"],
        conditions["verify"],
        guard,
        approvers,
    )


def _conditions(t: Table, key: str, config: Config, *, required: bool = False) -> tuple[Condition, ...]:
    if not t.has(key):
        if required:
            t.error(key, 'is required: a list of conditions such as ["error_rate > 5%"]')
        return ()
    try:
        conditions = parse_conditions(t.data[key], t.key_path(key))
    except ConditionError as exc:
        t.problems.add(*str(exc).split(": ", 1))
        return ()
    for i, condition in enumerate(conditions):
        known = _names(config, condition.subject)
        name = condition.name.split("/")[0] if condition.subject == CHECKS else condition.name
        if name and name not in known:
            what = _WHAT[condition.subject]
            listing = ", ".join(known) or "none configured"
            t.problems.add(f"{t.key_path(key)}[{i}]", f'{condition.text!r}: unknown {what} "{name}" (known: {listing})')
    return conditions


_WHAT = {ERROR_RATE: "error-rate query", QUEUES: "queue", SUSPECTS: "suspect query", FLAGS: "flag", CHECKS: "check"}


def _names(config: Config, subject: str) -> list[str]:
    """The names a condition on this panel kind may refer to."""
    if subject == ERROR_RATE:
        return [q.name for q in config.prometheus.queries] if config.prometheus else []
    if subject == QUEUES:
        return [q.name for q in config.queues]
    if subject == SUSPECTS:
        return [q.name for q in config.postgres.suspects] if config.postgres else []
    if subject == FLAGS:
        return [f.name for f in config.flags]
    return [c.name for c in config.checks]


def find_cycle(edges: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle among `after` edges as [a, b, ..., a], or None (unknown ids are ignored)."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in edges.get(node, ()):
            if dep not in edges:
                continue
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (found := visit(dep)) is not None:
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in edges:
        if node not in state and (found := visit(node)) is not None:
            return found
    return None
