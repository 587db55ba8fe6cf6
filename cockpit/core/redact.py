"""Secret redaction, in time linear in the text.

Two things are redacted wherever text is written or shown (journal, report, snapshot,
`act`, errors, panels): the values of the environment variables the config names as
secrets (and the parts of them that leak on their own: a URL's password, its query
values), and any `scheme://user:password@` password. Values under secret-looking keys
(`password`, `token`, `dsn`…) in an entry's data are replaced whole.

No regular expression here can backtrack over the text: secret values are found with
`str.find`/`replace` (linear per secret), URL passwords by a forward scan from each
`://` that stops at the next `/`, `@` or blank, so no character is looked at more than a
bounded number of times. A 29 KB base64 line or a 1 MB line costs microseconds per KB
(see bench/redaction.py).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

REDACTED = "[redacted]"
#: Keys whose values are secrets wherever they appear in an entry's data (keys are short).
SECRET_KEYS = re.compile(r"(pass(word|wd)?|secret|token|api[_-]?key|authorization|dsn|cookie)$", re.I)
#: Shorter secret values are not searched for inside text: they would redact innocent digits.
MIN_SECRET_LENGTH = 4
#: A JSON object key that SECRET_KEYS would match (its end, then the closing quote and colon).
_SECRET_KEY_IN_JSON = re.compile(rb'(pass(word|wd)?|secret|token|api[_-]?key|authorization|dsn|cookie)"\s*:', re.I)
_SECRET_KEY_WORDS = (b"pass", b"secret", b"token", b"key", b"authorization", b"dsn", b"cookie")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
#: The user part of `user:password@` (no `:/@` or blank), then the password (no `@/` or blank).
#: Both are single character classes matched from a fixed start: backtracking is bounded by the run.
_USER = re.compile(r"[^:/@\s]*")
_PASSWORD = re.compile(r"[^@/\s]+")


@functools.lru_cache(maxsize=4096)
def secret_key(key: str) -> bool:
    """Whether a data key names a secret (asked once per distinct key: exports walk millions)."""
    return len(key) < 200 and bool(SECRET_KEYS.search(key))


def url_passwords(text: str) -> list[tuple[int, int]]:
    """(start, end) of every `scheme://user:PASSWORD@` password in the text, in one linear pass."""
    spans: list[tuple[int, int]] = []
    floor = 0  # nothing before this is looked at again
    at = text.find("://")
    while at != -1:
        if _has_scheme(text, at, floor):
            user = _USER.match(text, at + 3)
            colon = user.end() if user else at + 3
            if colon < len(text) and text[colon] == ":":
                password = _PASSWORD.match(text, colon + 1)
                if password and password.end() < len(text) and text[password.end()] == "@":
                    spans.append((colon + 1, password.end()))
        floor = at + 3
        at = text.find("://", floor)
    return spans


def _has_scheme(text: str, at: int, floor: int) -> bool:
    """A scheme (a letter, then letters, digits, `+.-`) ends right before `at`."""
    index = at - 1
    while index >= floor and text[index] in _SCHEME_CHARS:
        if text[index].isalpha():
            return True
        index -= 1
    return False


def redact_url_passwords(text: str) -> str:
    if "://" not in text:
        return text
    spans = url_passwords(text)
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        parts += [text[last:start], REDACTED]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def secrets_in(value: str) -> list[str]:
    """The parts of a secret value that leak on their own: a URL's password and query values."""
    parts = [value[start:end] for start, end in url_passwords(value)]
    if "://" in value:
        try:
            url = urlsplit(value)
            parts += [v for _, v in parse_qsl(url.query, keep_blank_values=False)]
            if url.password:
                parts.append(url.password)
        except ValueError:
            pass
    return parts


class Redactor:
    """Replaces secret values (and values under secret-looking keys) before anything is written or shown."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        values = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted(values, key=len, reverse=True)
        # How each secret can appear in a JSON line: as it is, or with JSON's escapes.
        self._secret_forms = {
            form
            for s in values
            for form in (s.encode(), json.dumps(s)[1:-1].encode(), json.dumps(s, ensure_ascii=False)[1:-1].encode())
        }

    @classmethod
    def from_env(cls, names: Iterable[str], environ: Mapping[str, str] = os.environ) -> Redactor:
        values: list[str] = []
        for name in names:
            value = environ.get(name)
            if value:
                values.append(value)
                values += secrets_in(value)  # a library may log the password or token alone
        return cls(values)

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return redact_url_passwords(value)

    def could_change(self, line: bytes) -> bool:
        """Whether redacting this JSON line could change anything (a cheap test on the raw text,
        so an export skips the walk for the many lines that hold no secret, URL or secret key)."""
        if b"://" in line or b"\\u" in line:
            return True
        lower = line.lower()  # substring tests in C first; the regex only for lines that might match
        if any(word in lower for word in _SECRET_KEY_WORDS) and _SECRET_KEY_IN_JSON.search(line):
            return True
        return any(form in line for form in self._secret_forms)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if type(value) is dict or isinstance(value, Mapping):  # the exact type first: the ABC check is slow
            return {
                str(k): (REDACTED if secret_key(str(k)) and v not in (None, "") else self(v)) for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        return value
