"""Suspect SQL checked at config time: a single SELECT with nothing that acts outside it.

The suspect queries run with a SELECT-only role inside a READ ONLY transaction; this is
the third layer. A READ ONLY transaction does not stop everything: `dblink_exec` writes
through another connection, `COPY … TO PROGRAM` runs a shell command, `lo_import` /
`lo_export` touch server files, `pg_advisory_lock` holds a lock for the session's life,
`pg_terminate_backend` kills other sessions, `set_config(…, false)` changes the session.
Such names are refused wherever they appear outside string literals and comments, with
the reason. The tokenizer is one linear pass (comments, '…', E'…', $tag$…$tag$, "…").
"""

from __future__ import annotations

from collections.abc import Iterator

#: Function or statement word -> why it is refused in a suspect query.
REFUSED: dict[str, str] = {
    **{
        name: "writes or runs SQL through another connection (dblink)"
        for name in (
            "dblink",
            "dblink_exec",
            "dblink_send_query",
            "dblink_connect",
            "dblink_connect_u",
            "dblink_open",
            "dblink_fetch",
            "dblink_get_result",
        )
    },
    **{
        name: "reads or writes server files (large objects / file access)"
        for name in (
            "lo_import",
            "lo_export",
            "lo_unlink",
            "lo_create",
            "lo_creat",
            "lo_from_bytea",
            "lo_put",
            "lo_truncate",
            "pg_read_file",
            "pg_read_binary_file",
            "pg_ls_dir",
            "pg_stat_file",
            "pg_file_write",
            "pg_file_unlink",
            "pg_file_rename",
        )
    },
    **{
        name: "takes a session-level advisory lock that outlives the query (use none in a suspect query)"
        for name in (
            "pg_advisory_lock",
            "pg_advisory_lock_shared",
            "pg_try_advisory_lock",
            "pg_try_advisory_lock_shared",
        )
    },
    **{
        name: "signals or stops other server processes"
        for name in (
            "pg_terminate_backend",
            "pg_cancel_backend",
            "pg_reload_conf",
            "pg_rotate_logfile",
            "pg_promote",
            "pg_switch_wal",
            "pg_create_restore_point",
            "pg_log_backend_memory_contexts",
        )
    },
    "set_config": "changes settings (the cockpit sets its own transaction-local statement timeout)",
    "nextval": "advances a sequence",
    "setval": "sets a sequence",
    "pg_notify": "sends a notification",
    "txid_current": "assigns a transaction id",
    "copy": "COPY can run a program or touch server files (TO PROGRAM, FROM file)",
    "into": "SELECT … INTO creates a table",
    # Inside a SELECT (a data-modifying CTE, FOR UPDATE): the READ ONLY transaction refuses
    # them too, but a clear reason at config time beats a refusal at 2 a.m.
    **{word: "is not a read" for word in ("insert", "update", "delete", "merge", "truncate")},
}


def problem(sql: str) -> str | None:
    """Why this suspect query is refused, or None when it is a plain read."""
    words = list(_words(sql))
    while words and words[-1] == ";":
        words.pop()
    if ";" in words:
        return "must be a single statement (found a ';' inside)"
    if not words:
        return "is empty"
    if words[0] not in ("select", "with", "values", "table"):  # so no other statement can follow
        return f"must be a SELECT (it starts with {words[0].upper()!r})"
    for word in words:
        reason = REFUSED.get(word)
        if reason:
            return (
                f"uses {word!r}, which {reason}"
                if not reason.startswith(("is ", "only "))
                else f"uses {word!r}, which {reason}: a suspect query is one SELECT"
            )
    return None


def _words(sql: str) -> Iterator[str]:
    """Identifiers, keywords and `;`, lower-cased, outside comments and string literals; a
    double-quoted identifier is yielded as written (folded), so "dblink_exec" is caught too."""
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end == -1 else end + 1
        elif c == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "'" or (c in "eE" and sql.startswith("'", i + 1)):
            backslash = c != "'"
            i += 1 if c == "'" else 2
            while i < n:
                if backslash and sql[i] == "\\":
                    i += 2
                elif sql[i] == "'":
                    if sql.startswith("''", i):
                        i += 2
                    else:
                        i += 1
                        break
                else:
                    i += 1
        elif c == '"':
            end = sql.find('"', i + 1)
            end = n if end == -1 else end
            yield sql[i + 1 : end].lower()
            i = end + 1
        elif c == "$" and (tag_end := sql.find("$", i + 1)) != -1 and _is_tag(sql[i + 1 : tag_end]):
            tag = sql[i : tag_end + 1]
            end = sql.find(tag, tag_end + 1)
            i = n if end == -1 else end + len(tag)
        elif c == ";":
            yield ";"
            i += 1
        elif c.isalpha() or c == "_":
            start = i
            while i < n and (sql[i].isalnum() or sql[i] in "_$"):
                i += 1
            yield sql[start:i].lower()
        else:
            i += 1


def _is_tag(text: str) -> bool:
    return text == "" or (not text[0].isdigit() and all(ch.isalnum() or ch == "_" for ch in text))
