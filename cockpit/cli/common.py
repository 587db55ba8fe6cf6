"""What every subcommand shares: exit codes, loading a config with its problems printed
one line each, the export/serve redactor, a short reason for an error."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from cockpit import config as config_module
from cockpit.core.safe_text import visible

if TYPE_CHECKING:
    from cockpit.core.redact import Redactor

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def load_config(path: str) -> config_module.Config | None:
    try:
        return config_module.load(path)
    except config_module.ConfigError as exc:
        for line in exc.lines():
            print(visible(line), file=sys.stderr)
        return None


def redactor_for(args: argparse.Namespace) -> Redactor | None:
    """The export's redactor: the built-in rules, plus the secrets a given config names. None: bad config."""
    from cockpit.core.redact import Redactor

    if not args.config:
        return Redactor()
    cfg = load_config(args.config)
    return None if cfg is None else Redactor.from_env(cfg.secret_env_names())


def short_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200]
