"""Export memory and time: `cockpit export` of 5, 50 and 200 MB journals, measured with /usr/bin/time -v.

    .venv/bin/python bench/report_export.py [--sizes 5,50,200] [--formats md,json,html] [--old 50]

The journals are the recorded drill followed by a long incident's worth of entries in the
proportions a cockpit writes them: readings, actions with their preview, confirmation, output
lines, step states and a result carrying readings before and after, notes and gate changes.
`--old N` also runs the report code as it was before it streamed (whole journal in memory) on
the N MB journal, for a ratio in the same run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRILL = ROOT / "tests" / "golden" / "drill-incident.jsonl"
OLD_COMMIT = "90e0993"  # the last main commit with the in-memory cockpit/incident/report.py
NAMES = {
    "error_rate": [f"{svc} 5xx ratio" for svc in ("checkout", "cart", "search", "login")],
    "queues": [f"queue-{i}" for i in range(12)],
    "suspects": ["duplicate discount holds", "paid without captured payment", "orders with wrong total"],
}
ACTIONS = [
    ("pause_risky", "Pause the risky queues", "stop"),
    ("flags_safe", "Set every flag to its safe value", "flags"),
    ("clear_caches", "Clear the named caches", "cache"),
    ("restart_staged", "Restart the paused jobs", "restart"),
]


def readings(i: int) -> dict:
    return {
        "error_rate": {n: round(0.05 / (1 + i % 97) + k * 0.001, 5) for k, n in enumerate(NAMES["error_rate"])},
        "queues": {n: float((i * 7 + k * 13) % 900) for k, n in enumerate(NAMES["queues"])},
        "suspects": {n: float((i + k) % 250) for k, n in enumerate(NAMES["suspects"])},
    }


def make_journal(path: Path, megabytes: int) -> int:
    """The drill, then blocks of entries until the file reaches the size; returns the entry count."""
    lines = DRILL.read_text().splitlines()
    seq = len(lines)
    last = json.loads(lines[-1])
    target = megabytes * 1_000_000
    size = sum(len(line) + 1 for line in lines)
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        i = 0
        while size < target:
            i += 1
            block = []
            for r in range(20):
                block.append(("reading", None, "readings", {**readings(i * 20 + r)}))
            name, title, step = ACTIONS[i % len(ACTIONS)]
            block += [
                (
                    "action",
                    step,
                    f"{title}: preview: queue-{i % 12}: 212 waiting, 8 in flight",
                    {
                        "action": name,
                        "phase": "preview",
                        "touches": [f"queue-{i % 12}: 212 waiting"],
                        "counts": {},
                        "warnings": [],
                    },
                ),
                ("action", step, f"{title}: confirmed", {"action": name, "phase": "confirm", "choice": "confirm"}),
                ("step", step, f"step {step}: running", {"state": "running"}),
            ]
            block += [
                (
                    "action",
                    step,
                    f"{name}: output line {k}",
                    {"action": name, "phase": "output", "line": f"output line {k} of block {i}"},
                )
                for k in range(5)
            ]
            block += [
                (
                    "action",
                    step,
                    f"{title}: done; verify: read back",
                    {
                        "action": name,
                        "phase": "result",
                        "ok": i % 9 != 0,
                        "result": "done",
                        "verify": "read back",
                        "state_left": "",
                        "duration_s": 2.5,
                        "before": readings(i),
                        "after": readings(i + 1),
                        "details": [],
                    },
                ),
                ("step", step, f"step {step}: done", {"state": "done"}),
            ]
            if i % 10 == 0:
                block.append(("note", None, f"note {i}: watching queue-{i % 12}", {"follow_up": i % 50 == 0}))
            if i % 25 == 0:
                state = ("MITIGATED", "NOT RESTORED")[i % 2]
                block.append(
                    (
                        "gate",
                        "watch",
                        f"gate: {state}",
                        {
                            "v": 1,
                            "state": state,
                            "previous": "MITIGATED",
                            "reason": "queue-3 900 waiting",
                            "conditions": [],
                        },
                    )
                )
            for kind, step_id, summary, data in block:
                seq += 1
                line = (
                    json.dumps(
                        {
                            "seq": seq,
                            "ts": last["ts"],
                            "operator": "alice",
                            "origin": "bastion",
                            "kind": kind,
                            "step": step_id,
                            "summary": summary,
                            "data": data,
                        }
                    )
                    + "\n"
                )
                out.write(line)
                size += len(line)
    return seq


def measure(argv: list[str]) -> tuple[float, float, float]:
    """(peak RSS in MB, wall seconds, CPU seconds) of one command, from /usr/bin/time -v."""
    done = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(argv)}\n{done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    hours, minutes, seconds = wall.groups()
    cpu = sum(
        float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", done.stderr).group(1)) for kind in ("User", "System")
    )
    return rss, int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds), cpu


OLD_RUNNER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("old_report", sys.argv[1])
old = importlib.util.module_from_spec(spec); spec.loader.exec_module(old)
from cockpit.incident.journal import read
report = old.build_report(read(sys.argv[2]).entries)
text = json.dumps(report, indent=2) if sys.argv[3] == "json" else old.render_markdown(report)
open("/dev/null", "w").write(text)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5,50,200", help="journal sizes in MB (default 5,50,200)")
    parser.add_argument("--formats", default="md,json,html")
    parser.add_argument("--old", type=int, default=0, metavar="MB", help="also run the in-memory report on this size")
    args = parser.parse_args()
    cockpit = [sys.executable, "-m", "cockpit", "export"]
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
        print(f"{'journal':>9} {'entries':>9} {'format':>6} {'peak RSS':>10} {'wall':>8} {'CPU':>8} {'output':>9}")
        baseline_rss, _, _ = measure([sys.executable, "-c", "import cockpit.incident.report, cockpit.cli"])
        for mb in (int(s) for s in args.sizes.split(",")):
            journal = Path(tmp) / f"journal-{mb}.jsonl"
            started = time.monotonic()
            entries = make_journal(journal, mb)
            made = time.monotonic() - started
            real_mb = journal.stat().st_size / 1e6
            for fmt in args.formats.split(","):
                out = Path(tmp) / f"report.{fmt}"
                rss, wall, cpu = measure([*cockpit, str(journal), "--format", fmt, "-o", str(out)])
                print(
                    f"{real_mb:7.1f}MB {entries:9,} {fmt:>6} {rss:8.1f}MB {wall:7.1f}s {cpu:7.1f}s "
                    f"{out.stat().st_size / 1e6:7.1f}MB",
                    flush=True,
                )
            if mb == args.old:
                old = Path(tmp) / "old_report.py"
                old.write_text(
                    subprocess.run(
                        ["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:cockpit/incident/report.py"],
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                )
                for fmt in ("md", "json"):
                    rss, wall, cpu = measure([sys.executable, "-c", OLD_RUNNER, str(old), str(journal), fmt])
                    print(
                        f"{real_mb:7.1f}MB {entries:9,} {fmt:>6} {rss:8.1f}MB {wall:7.1f}s {cpu:7.1f}s  "
                        f"(in-memory report, {OLD_COMMIT})",
                        flush=True,
                    )
            journal.unlink()
            print(f"          (journal written in {made:.1f} s)", flush=True)
        print(f"floor: importing the report and CLI modules alone peaks at {baseline_rss:.1f} MB")


if __name__ == "__main__":
    main()
