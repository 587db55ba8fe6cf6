"""The undo action kinds a release file's `undo` may name: a registry (kind -> where the
step sorts, how its parameters are read and checked against the config, the step's title).
A new kind is one `register_undo_kind` call; the action itself is registered with the
action registry (`cockpit.actions.kinds`) under the same name."""

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


def register_undo_kind(kind: str, phase: str, title: str) -> Callable[[UndoReader], UndoReader]:
    def add(read: UndoReader) -> UndoReader:
        UNDO_KINDS[kind] = UndoKind(phase, read, title)
        return read

    return add


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


@register_undo_kind("pause_queues", "stop", "Pause {targets}")
def _pause(t: Table, config: Config) -> dict[str, object]:
    return {"queues": _refs(t, "queues", [q.name for q in config.queues], "queue", required=True)}


@register_undo_kind("maintenance", "stop", "Maintenance switch on")
def _maintenance(t: Table, config: Config) -> dict[str, object]:
    if config.actions.maintenance is None:
        t.error("action", "maintenance needs [actions.maintenance] in the config")
    return {}


@register_undo_kind("set_flags", "flags", "{targets} to the safe value")
def _flags(t: Table, config: Config) -> dict[str, object]:
    flags = _refs(t, "flags", [f.name for f in config.flags], "flag", required=True)
    safe = t.bool("safe", True) if t.has("safe") else None
    for flag in config.flags:
        if flags and flag.name in flags and safe is not None and safe != flag.safe:
            t.error("safe", f"the config says flag {flag.name!r} is safe {'on' if flag.safe else 'off'}")
    return {"flags": flags}


@register_undo_kind("revert", "revert", "Revert the release")
def _revert(t: Table, config: Config) -> dict[str, object]:
    """The config's `[actions.revert]`, or this change's own `argv` (two services, two reverts)."""
    argv = t.str_list("argv", nonempty=True) if t.has("argv") else ()
    if not argv and config.actions.revert is None:
        t.error("action", "revert needs argv here or [actions.revert] (argv or webhook) in the config")
    return {"argv": argv} if argv else {}


@register_undo_kind("clear_caches", "cache", "Clear {targets}")
def _caches(t: Table, config: Config) -> dict[str, object]:
    return {"caches": _refs(t, "caches", [c.name for c in config.actions.caches], "cache", required=True)}


@register_undo_kind("repair", "repair", "Repair data: {targets}")
def _repair(t: Table, config: Config) -> dict[str, object]:
    scripts = [r.name for r in config.actions.repairs]
    script = t.str("script", required=True)
    if isinstance(script, str) and script not in scripts:
        t.error("script", f'unknown repair script "{script}" (known: {", ".join(scripts) or "none configured"})')
    return {"script": script}


@register_undo_kind("restart_staged", "restart", "Restart jobs in stages")
def _restart(t: Table, config: Config) -> dict[str, object]:
    if not config.queues:
        t.error("action", "restart_staged needs [[queues]] in the config")
    return {"queues": _refs(t, "queues", [q.name for q in config.queues], "queue", required=False)}


@register_undo_kind("verify_paths", "verify", "Verify {targets}")
def _verify(t: Table, config: Config) -> dict[str, object]:
    return {"checks": _refs(t, "checks", [c.name for c in config.checks], "check", required=False)}


@register_undo_kind("status_update", "update", "Status note")
def _status(t: Table, config: Config) -> dict[str, object]:
    return {"template": t.str("template")}


@register_undo_kind("customer_update", "update", "Customer update")
def _customer(t: Table, config: Config) -> dict[str, object]:
    return {"template": t.str("template")}
