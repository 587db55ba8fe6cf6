"""`cockpit check-config --env`: the environment a config needs, checked before an incident.

Every `*_env` variable the config names is set (its value is never printed), and the role
the suspect queries would run as is SELECT-only (`RoleCheck`: no superuser, no server
roles, no write privilege on any table).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from cockpit.config import Config
from cockpit.core.redact import Redactor
from cockpit.core.safe_text import visible


def check_environment(cfg: Config, environ: Mapping[str, str] = os.environ) -> tuple[list[str], bool]:
    """Lines to print, and whether everything is fine."""
    lines, ok = [], True
    for name in cfg.secret_env_names():
        if environ.get(name):
            lines.append(f"  {name}: set")
        else:
            lines.append(f"  {name}: NOT SET")
            ok = False
    if cfg.postgres is not None and environ.get(cfg.postgres.readonly_dsn_env):
        line, good = asyncio.run(_suspect_role(cfg, environ))
        lines.append(f"  postgres.readonly_dsn_env ({cfg.postgres.readonly_dsn_env}): {line}")
        ok = ok and good
    redactor = Redactor.from_env(cfg.secret_env_names(), environ)
    return [visible(redactor.text(line)) for line in lines], ok


async def _suspect_role(cfg: Config, environ: Mapping[str, str]) -> tuple[str, bool]:
    import psycopg

    from cockpit.backends.postgres import check_role

    assert cfg.postgres is not None
    try:
        conn = await psycopg.AsyncConnection.connect(
            environ[cfg.postgres.readonly_dsn_env], connect_timeout=max(1, int(cfg.postgres.connect_timeout))
        )
    except (psycopg.Error, OSError) as exc:
        return f"cannot connect: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}", False
    try:
        role = await check_role(conn)
    except psycopg.Error as exc:
        return f"cannot check the role: {type(exc).__name__}", False
    finally:
        await conn.close()
    return role.describe(), role.problem is None
