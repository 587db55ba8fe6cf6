"""Reading [[queues]] and the queue channels' servers ([rabbitmq.*], [databases.*], [sqs.*])."""

from __future__ import annotations

from typing import Any

from cockpit.config.model import QueueConfig
from cockpit.config.reader import Table, check_ref, check_unique


def read_queue_servers(root: Table) -> tuple[Any, ...]:
    """The named servers of each queue channel with its own section ([rabbitmq.X], ...)."""
    from cockpit.backends.queues.base import ServerConfig
    from cockpit.backends.queues.registry import CHANNEL_SECTIONS, load

    result = []
    for section, module in CHANNEL_SECTIONS.items():
        if section not in root.data:
            continue  # its channel's module need not load
        channel = load(module).CHANNEL
        for name, t in root.named_tables(section):
            result.append(
                ServerConfig(
                    name, channel.name, t.duration("interval", 5.0), t.duration("timeout", 3.0), channel.read_server(t)
                )
            )
            t.finish()
    return tuple(result)


def read_queues(entries: list[Table], redis_names: list[str], servers: tuple[Any, ...] = ()) -> tuple[QueueConfig, ...]:
    """Each entry's keys are the common ones plus its kind's (asked of the registry), so an
    unknown key is reported against the kind that does not take it."""
    from cockpit.backends.queues.registry import channel as channel_named
    from cockpit.backends.queues.registry import find
    from cockpit.backends.queues.registry import names as kind_names

    result = []
    for t in entries:
        kind_name = t.str("kind", required=True)
        kind = find(kind_name) if isinstance(kind_name, str) else None
        if kind is None:
            if isinstance(kind_name, str):
                t.str("kind", required=True, choices=kind_names())  # the error, naming the known kinds
            continue  # the other keys depend on the kind: nothing more to check
        channel = channel_named(kind.channel)
        discover = t.bool("discover")
        if discover and not kind.discovers:
            from cockpit.backends.queues.registry import KINDS  # every kind, only for this error

            discoverable = ", ".join(k.name for k in KINDS.values() if k.discovers)
            t.error("discover", f"queue discovery is available for {discoverable}, not {kind_name}")
            discover = False
        queue = t.str("queue")
        where = t.name(channel.server_key, required=True)
        if channel.section is None:
            check_ref(t, channel.server_key, where, redis_names, "a Redis instance")
        else:
            names = [s.name for s in servers if s.channel == channel.name]
            check_ref(t, channel.server_key, where, names, f"a [{channel.section}.*] server")
        if not discover and queue is None and "name" not in t.data:
            t.error("queue", "is required unless discover = true" if kind.discovers else "is required")
        name = t.name("name", queue or (f"{kind_name}@{where}" if discover else None))
        pause_argv, resume_argv = t.str_list("pause_argv", nonempty=True), t.str_list("resume_argv", nonempty=True)
        if bool(pause_argv) != bool(resume_argv):
            t.error("resume_argv" if pause_argv else "pause_argv", "set pause_argv and resume_argv together")
        result.append(
            QueueConfig(
                name=name,
                redis=where if channel.section is None else None,
                kind=kind_name,
                queue=queue or (None if discover else name),
                risky=t.bool("risky"),
                stage=t.int("stage", 1, minimum=1, maximum=99),
                discover=discover,
                prefix=t.str("prefix") if "prefix" in kind.keys else None,
                pause_key=t.str("pause_key") if channel.section is None else None,
                server=None if channel.section is None else where,
                options=kind.read_options(t),
                pause_argv=pause_argv,
                resume_argv=resume_argv,
                age_warn=t.duration("age_warn", 60.0),
                age_critical=t.duration("age_critical", 300.0),
            )
        )
        takes = sorted(t.known() - (set() if kind.discovers else {"discover"}))
        t.finish(f" (a {kind_name} queue takes: {', '.join(takes)})")
    check_unique(entries, "name", [q.name for q in result], "queue name")
    return tuple(result)
