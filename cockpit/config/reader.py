"""Typed, problem-collecting access to one TOML table.

`config.py` describes *what* the configuration holds; this module only knows how to
read a value at a key path, check its type and range, and remember every problem
(with its dotted key path) instead of stopping at the first one.
"""

from __future__ import annotations

import builtins
import difflib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

_MISSING = object()
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
#: No duration (interval, timeout, window, settle…) means anything beyond a week.
MAX_DURATION = 7 * 24 * 3600.0
#: No count (rows, batch size, retries…) beyond this; a bigger one is a typo.
MAX_COUNT = 1_000_000_000
#: No number (a rate, a threshold) beyond this in absolute value.
MAX_NUMBER = 1e12
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]*$")

#: Key names that would hold a secret in plain text; configs must name an env var instead.
SECRET_KEY_NAMES = frozenset(
    {"password", "passwd", "token", "secret", "api_key", "apikey", "dsn", "auth", "authorization"}
)


class Problem(NamedTuple):
    """One thing wrong with the configuration, at a dotted key path."""

    path: str
    message: str

    def render(self, filename: str) -> str:
        return f"{filename}: {self.path}: {self.message}" if self.path else f"{filename}: {self.message}"


@dataclass
class Problems:
    """The problems found so far; shared by every `Table` reading one file."""

    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.items.append(Problem(path, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)


def describe(value: Any) -> str:
    """A short rendering of a bad value for `(got X)`."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return {int: "integer", float: "number", str: "string", list: "list", dict: "table"}.get(
        type(value), type(value).__name__
    )


class Table:
    """A TOML table being read: each getter records the key as known and checks it."""

    def __init__(self, data: dict[str, Any], path: str, problems: Problems) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self._known: set[str] = set()

    # -- helpers -------------------------------------------------------------------
    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> None:
        self.problems.add(self.key_path(key), message)

    def known(self) -> set[str]:
        """The keys read so far (the valid keys of this table)."""
        return set(self._known)

    def has(self, key: str) -> bool:
        self._known.add(key)
        return key in self.data

    def _raw(self, key: str, required: bool) -> Any:
        self._known.add(key)
        if key not in self.data:
            if required:
                self.error(key, "is required but missing")
            return _MISSING
        return self.data[key]

    def _wrong_type(self, key: str, expected: str, value: Any) -> None:
        self.error(key, f"must be {expected}, not a {_type_name(value)} (got {describe(value)})")

    # -- scalar getters --------------------------------------------------------------
    def str(
        self,
        key: builtins.str,
        default: Any = None,
        *,
        required: builtins.bool = False,
        choices: tuple[builtins.str, ...] | None = None,
        nonempty: builtins.bool = True,
    ) -> Any:
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str):
            self._wrong_type(key, "a string", value)
            return default
        if nonempty and not value.strip():
            self.error(key, "must not be empty")
            return default
        if choices is not None and value not in choices:
            self.error(key, f"must be one of {', '.join(choices)}{_suggest(value, choices)} (got {describe(value)})")
            return default
        return value

    def name(self, key: builtins.str, default: Any = None, *, required: builtins.bool = False) -> Any:
        """A short identifier used to cross-reference entries (letters, digits, `_.-:@/`)."""
        value = self.str(key, default, required=required)
        if isinstance(value, str) and value is not default and not _NAME.match(value):
            self.error(key, f"must be a plain name (letters, digits, _ . - : @ /) (got {describe(value)})")
            return default
        return value

    def env_name(self, key: builtins.str, *, required: builtins.bool = False) -> builtins.str | None:
        """The *name* of an environment variable (secrets are only ever referenced this way)."""
        value: builtins.str | None = self.str(key, None, required=required)
        if value is not None and not _ENV_NAME.match(value):
            self.error(key, f"must be an environment variable name such as PG_DSN (got {describe(value)})")
            return None
        return value

    def bool(self, key: builtins.str, default: builtins.bool = False) -> builtins.bool:
        value = self._raw(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self._wrong_type(key, "true or false", value)
            return default
        return value

    def int(
        self,
        key: builtins.str,
        default: Any = None,
        *,
        required: builtins.bool = False,
        minimum: builtins.int | None = None,
        maximum: builtins.int | None = MAX_COUNT,
    ) -> Any:
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(key, "an integer", value)
            return default
        if not self._in_range(key, value, minimum, maximum):
            return default
        return value

    def number(
        self,
        key: builtins.str,
        default: Any = None,
        *,
        required: builtins.bool = False,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> Any:
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self._wrong_type(key, "a finite number", value)
            return default
        if abs(value) > MAX_NUMBER:
            self.error(key, f"is out of any sensible range (got {describe(value)})")
            return default
        if not self._in_range(key, value, minimum, maximum):
            return default
        return float(value)

    def duration(
        self,
        key: builtins.str,
        default: Any = None,
        *,
        required: builtins.bool = False,
        minimum: float = 0.0,
        maximum: float = MAX_DURATION,
    ) -> Any:
        """Seconds, from a number of seconds or a string such as "500ms", "30s", "5m", "1h"."""
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        seconds: float | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
        elif isinstance(value, str) and (match := _DURATION.match(value)):
            seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds is None:
            self.error(key, f'must be a duration such as 30, "500ms", "30s", "5m" or "1h" (got {describe(value)})')
            return default
        if not math.isfinite(seconds):
            self.error(key, f"must be a finite duration (got {describe(value)})")
            return default
        if seconds <= minimum:
            self.error(key, f"must be longer than {minimum:g} seconds (got {describe(value)})")
            return default
        if seconds > maximum:
            self.error(key, f"must be at most {maximum:g} seconds ({maximum / 86400:g} days) (got {describe(value)})")
            return default
        return seconds

    def url(
        self,
        key: builtins.str,
        default: Any = None,
        *,
        required: builtins.bool = False,
        schemes: tuple[builtins.str, ...] = ("http", "https"),
    ) -> Any:
        value = self.str(key, default, required=required)
        if value is default or value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            self.error(
                key, f"must be a {'/'.join(schemes)} URL such as {schemes[0]}://host:port (got {describe(value)})"
            )
            return default
        if parts.password:
            self.error(key, f"holds a password; put the whole URL in an environment variable and name it in {key}_env")
            return default
        return value

    # -- compound getters --------------------------------------------------------------
    def str_list(
        self,
        key: builtins.str,
        default: tuple[builtins.str, ...] = (),
        *,
        required: builtins.bool = False,
        nonempty: builtins.bool = False,
    ) -> tuple[builtins.str, ...]:
        value = self._raw(key, required)
        if value is _MISSING:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._wrong_type(key, "a list of strings", value)
            return default
        if nonempty and not value:
            self.error(key, "must not be empty")
            return default
        return tuple(value)

    def table(self, key: builtins.str, *, required: builtins.bool = False) -> Table | None:
        value = self._raw(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, dict):
            self._wrong_type(key, "a table", value)
            return None
        return Table(value, self.key_path(key), self.problems)

    def tables(self, key: builtins.str) -> list[Table]:
        """An array of tables (`[[key]]`), each addressed as `key[i]`."""
        value = self._raw(key, False)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self._wrong_type(key, "an array of tables ([[" + self.key_path(key) + "]])", value)
            return []
        return [Table(v, f"{self.key_path(key)}[{i}]", self.problems) for i, v in enumerate(value)]

    def named_tables(self, key: builtins.str) -> list[tuple[builtins.str, Table]]:
        """A table of tables (`[key.<name>]`), each addressed as `key.<name>`."""
        outer = self.table(key)
        if outer is None:
            return []
        result = []
        for name, value in outer.data.items():
            outer._known.add(name)
            if not isinstance(value, dict):
                outer._wrong_type(name, "a table", value)
                continue
            if not _NAME.match(name):
                outer.error(name, "must be a plain name (letters, digits, _ . - : @ /)")
                continue
            result.append((name, Table(value, outer.key_path(name), self.problems)))
        return result

    def finish(self, hint: builtins.str = "") -> None:
        """Report keys nobody asked for; secrets in plain text get their own message.
        `hint` says which keys are valid here (e.g. the keys of one queue kind)."""
        for key in self.data:
            if key in self._known:
                continue
            if key.lower() in SECRET_KEY_NAMES:
                self.error(key, f"secrets must not be written in the config; name an environment variable in {key}_env")
            else:
                self.error(key, f"unknown key{_suggest(key, tuple(self._known))}{hint}")

    def _in_range(self, key: builtins.str, value: float, minimum: float | None, maximum: float | None) -> builtins.bool:
        if minimum is not None and value < minimum:
            self.error(key, f"must be at least {minimum:g} (got {describe(value)})")
            return False
        if maximum is not None and value > maximum:
            self.error(key, f"must be at most {maximum:g} (got {describe(value)})")
            return False
        return True


def _suggest(word: str, candidates: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_unique(tables: list[Table], key: str, values: list[Any], what: str) -> None:
    """Report a second entry that reuses a name already taken by an earlier one."""
    seen: dict[Any, str] = {}
    for table, value in zip(tables, values, strict=False):  # a table skipped for a bad kind has no value
        if value is None or isinstance(value, (dict, list)):  # a wrong type is reported where it is read
            continue
        if value in seen:
            table.error(key, f"duplicate {what} {value!r} (first defined at {seen[value]})")
        else:
            seen[value] = table.key_path(key)


def check_ref(table: Table, key: str, value: Any, candidates: Sequence[object], what: str) -> None:
    """Report a reference to a named entry that does not exist."""
    if not isinstance(value, str):
        return  # missing, or of the wrong type: reported where it is read
    names = [n for n in candidates if isinstance(n, str)]  # an entry whose own name is bad is reported on its own
    if value not in names:
        listing = ", ".join(names) if names else "none are defined"
        table.error(key, f"names {what} {value!r} that does not exist{_suggest(value, names)} (defined: {listing})")
