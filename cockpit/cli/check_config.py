"""`cockpit check-config`: every problem of a config, one line each; with --env, the
environment and every backend too."""

from __future__ import annotations

import argparse
import sys

from cockpit import config as config_module
from cockpit.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from cockpit.core.safe_text import visible


def command(args: argparse.Namespace) -> int:
    try:
        cfg = config_module.load(args.path)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{args.path}: OK ({_summary(cfg)})")
    if (code := _check_release(args, cfg)) != EXIT_OK:
        return code
    if getattr(args, "env", False):
        import asyncio
        import os

        from cockpit.cli.preflight import backend_checks
        from cockpit.config.envcheck import check_environment

        lines, ok = check_environment(cfg)
        print("environment:" if lines else "environment: nothing to check")
        for line in lines:
            print(line)
        backends = asyncio.run(backend_checks(cfg, os.environ))
        print("backends:" if backends else "backends: none configured")
        for check in backends:
            print(visible("  " + check.line()))
        if not ok or not all(c.ok for c in backends):
            print(f"{args.path}: the environment is not ready (see above)", file=sys.stderr)
            return EXIT_FAILURE
    return EXIT_OK


def _check_release(args: argparse.Namespace, cfg: config_module.Config) -> int:
    """Validate the release file (`--release`, else the config's `[release] file`), one line per problem."""
    path = getattr(args, "release", None) or cfg.release.file
    if path is None:
        return EXIT_OK
    from cockpit.config.release import load_release
    from cockpit.core.release_plan import plan

    try:
        release_map = load_release(path, cfg)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        count = len(exc.problems)
        print(f"{path}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_USAGE
    steps = plan(release_map)
    changes = len(release_map.changes)
    print(f"{path}: OK (release {visible(release_map.release.id)}: {changes} changes, {len(steps)} undo steps)")
    # The order the undo will run in, so a wrong `after` shows before the incident does.
    for i, step in enumerate(steps, 1):
        owner = f" ({step.change.owner})" if step.change.owner else ""
        print(visible(f"  {i}. {step.step_id}: {step.undo.describe()} — {step.change.id}{owner}"))
    return EXIT_OK


def _summary(cfg: config_module.Config) -> str:
    parts = [
        (len(cfg.prometheus.queries) if cfg.prometheus else 0, "error-rate query", "error-rate queries"),
        (len(cfg.redis), "Redis instance", "Redis instances"),
        (len(cfg.queues), "queue", "queues"),
        (len(cfg.regions), "region", "regions"),
        (len(cfg.flags), "flag", "flags"),
        (len(cfg.postgres.suspects) if cfg.postgres else 0, "suspect query", "suspect queries"),
        (len(cfg.checks), "user-path check", "user-path checks"),
        (len(cfg.actions.caches), "cache", "caches"),
        (len(cfg.actions.repairs), "repair script", "repair scripts"),
    ]
    return ", ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts)
