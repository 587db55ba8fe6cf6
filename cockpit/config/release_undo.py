"""What a release file's `undo` may name: the action kinds, each with where its step sorts,
how its parameters are read and checked against the config, and the step's title.

These come from the action registry: `@LIVE.register(kind, phase=..., title=..., params=...)`
in `cockpit.actions.kinds` registers the action and its release entry in one call
(`undo_kinds()` imports it). The parameter readers live here, beside the config they check."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cockpit.config.model import Config
from cockpit.config.reader import Table

#: Reads one undo table's own keys (the table, the config) into its params; reports problems on the table.
UndoReader = Callable[[Table, Config], dict[str, object]]


@dataclass(frozen=True)
class UndoKind:
    phase: str  # a `cockpit.core.runbook.Phase` value: where the step sorts when nothing orders it
    read: UndoReader
    title: str  # the step's title; `{targets}` is what it names (queues, flags, caches, script)

    def step_title(self, targets: str) -> str:
        if "{targets}" not in self.title:
            return self.title
        return self.title.format(targets=targets) if targets else self.title.replace("{targets}", "").strip(" :")


UNDO_KINDS: dict[str, UndoKind] = {}


def register_undo_kind(kind: str, phase: str, title: str, read: UndoReader | None = None) -> None:
    """Called by the action registry when a kind is registered with its release entry."""
    if kind in UNDO_KINDS:
        raise ValueError(f"undo kind {kind!r} is registered twice")
    UNDO_KINDS[kind] = UndoKind(phase, read or no_params, title)


def undo_kinds() -> dict[str, UndoKind]:
    """Every action kind a release's `undo` may name, as the action registry registered them."""
    import cockpit.actions.kinds  # noqa: F401 - registering the kinds fills UNDO_KINDS

    return UNDO_KINDS


def no_params(t: Table, config: Config) -> dict[str, object]:
    return {}


def _refs(t: Table, key: str, known: Sequence[str], what: str, *, required: bool) -> tuple[str, ...] | None:
    """A list of names (a single string allowed) each of which the config defines."""
    if not t.has(key):
        if required:
            t.error(key, f"is required: name the {what}(s) (known: {', '.join(known) or 'none configured'})")
        return None
    raw = t.data[key]
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        t.error(key, f"must be a {what} name or a non-empty list of them")
        return None
    for name in names:
        if name not in known:
            t.error(key, f'unknown {what} "{name}" (known: {", ".join(known) or "none configured"})')
    return tuple(names)


def read_pause(t: Table, config: Config) -> dict[str, object]:
    return {"queues": _refs(t, "queues", [q.name for q in config.queues], "queue", required=True)}


def read_maintenance(t: Table, config: Config) -> dict[str, object]:
    if config.actions.maintenance is None:
        t.error("action", "maintenance needs [actions.maintenance] in the config")
    return {}


def read_flags(t: Table, config: Config) -> dict[str, object]:
    flags = _refs(t, "flags", [f.name for f in config.flags], "flag", required=True)
    safe = t.bool("safe", True) if t.has("safe") else None
    for flag in config.flags:
        if flags and flag.name in flags and safe is not None and safe != flag.safe:
            t.error("safe", f"the config says flag {flag.name!r} is safe {'on' if flag.safe else 'off'}")
    return {"flags": flags}


def read_revert(t: Table, config: Config) -> dict[str, object]:
    """The config's `[actions.revert]`, or this change's own `argv` (two services, two reverts)."""
    argv = t.str_list("argv", nonempty=True) if t.has("argv") else ()
    if not argv and config.actions.revert is None:
        t.error("action", "revert needs argv here or [actions.revert] (argv or webhook) in the config")
    return {"argv": argv} if argv else {}


def read_caches(t: Table, config: Config) -> dict[str, object]:
    return {"caches": _refs(t, "caches", [c.name for c in config.actions.caches], "cache", required=True)}


def read_repair(t: Table, config: Config) -> dict[str, object]:
    scripts = [r.name for r in config.actions.repairs]
    script = t.str("script", required=True)
    if isinstance(script, str) and script not in scripts:
        t.error("script", f'unknown repair script "{script}" (known: {", ".join(scripts) or "none configured"})')
    return {"script": script}


def read_restart(t: Table, config: Config) -> dict[str, object]:
    if not config.queues:
        t.error("action", "restart_staged needs [[queues]] in the config")
    return {"queues": _refs(t, "queues", [q.name for q in config.queues], "queue", required=False)}


def read_verify_paths(t: Table, config: Config) -> dict[str, object]:
    return {"checks": _refs(t, "checks", [c.name for c in config.checks], "check", required=False)}


def read_template(t: Table, config: Config) -> dict[str, object]:
    return {"template": t.str("template")}
