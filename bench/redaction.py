"""Redaction and export scale linearly with the text.

Redacts single lines of 64 KiB, 256 KiB and 1 MiB of three shapes (letters only — the
case that made the old URL-password pattern quadratic —, base64 as a revert prints it,
and text full of `scheme://user:password@host` URLs and secret values), then exports
(`cockpit export`, Markdown) a journal whose one note is a line of each size. Prints
seconds per MiB and the ratio of the 1 MiB time to the 64 KiB time for each: linear
means the per-MiB figures stay flat (ratio of totals ~16 for 16x the text).
Run: .venv/bin/python bench/redaction.py [--repeat N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cockpit.core.redact import Redactor  # noqa: E402

SIZES = (64 << 10, 256 << 10, 1 << 20)


def shapes(size: int) -> dict[str, str]:
    url = "see postgresql://svc:hunter2hunter2@db.internal:5432/shop?sslmode=require and token-ABCDEFGH1234 "
    return {
        "letters": "a" * size,
        "base64": base64.b64encode(os.urandom(size * 3 // 4)).decode()[:size],
        "urls+secrets": (url * (size // len(url) + 1))[:size],
    }


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def export_seconds(size: int, repeat: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "j.jsonl"
        entry = {
            "seq": 1,
            "ts": "2026-11-29T09:00:00.000Z",
            "operator": "alice",
            "origin": "h",
            "kind": "note",
            "step": None,
            "summary": shapes(size)["base64"],
            "data": {},
        }
        path.write_text(json.dumps(entry) + "\n")
        cmd = [sys.executable, "-m", "cockpit", "export", str(path), "-o", str(Path(tmp) / "r.md")]
        floor = best_of(
            repeat,
            lambda: subprocess.run(
                [sys.executable, "-c", "import cockpit.cli, cockpit.incident.report"], check=True, cwd=ROOT
            ),
        )
        return best_of(repeat, lambda: subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)) - floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    redactor = Redactor(["hunter2hunter2", "token-ABCDEFGH1234", "an-unused-secret-value"])
    print(f"redaction, best of {args.repeat} (one line each)")
    for shape in ("letters", "base64", "urls+secrets"):
        per_size = {}
        for size in SIZES:
            text = shapes(size)[shape]
            per_size[size] = best_of(args.repeat, lambda text=text: redactor.text(text))
        row = "  ".join(
            f"{size >> 10:>5} KiB {per_size[size] * 1e3:8.2f} ms ({per_size[size] / (size / (1 << 20)) * 1e3:6.2f} ms/MiB)"
            for size in SIZES
        )
        print(f"  {shape:<13} {row}   1 MiB / 64 KiB: {per_size[SIZES[-1]] / per_size[SIZES[0]]:5.1f}x (16x = linear)")
    # The pattern redaction used before (kept here only to show the difference): quadratic.
    import re

    old = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@", re.I)
    old_times = {size: best_of(1, lambda size=size: old.sub("", "a" * size)) for size in (4 << 10, 8 << 10, 16 << 10)}
    print(
        "  the previous URL-password pattern on letters: "
        + "  ".join(f"{size >> 10} KiB {t * 1e3:.0f} ms" for size, t in old_times.items())
        + f"   16 KiB / 4 KiB: {old_times[16 << 10] / old_times[4 << 10]:.1f}x (4x = linear, 16x = quadratic)"
    )
    print(f"export of a journal with one line of that size (Markdown, minus the import floor), best of {args.repeat}")
    exports = {size: export_seconds(size, args.repeat) for size in SIZES}
    for size in SIZES:
        print(f"  {size >> 10:>5} KiB  {exports[size] * 1e3:8.1f} ms")
    print(
        f"  1 MiB / 64 KiB: {exports[SIZES[-1]] / max(exports[SIZES[0]], 1e-6):5.1f}x (16x = linear; the fixed "
        f"cost of a report dominates small lines); median per MiB {statistics.median(exports[s] / (s / (1 << 20)) for s in SIZES) * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
