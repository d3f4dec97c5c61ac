"""Warm CLI benchmark: `sokrat run "What is 17 times 23?" --json` as a user types it. Prints ONE JSON line.

Each run is a fresh `sokrat` process (the shared model servers and the embedded Redis already
up: a warm run). Reported: wall time per run (median and each), the CLI process's peak RSS,
whether torch / transformers were imported in it, the run's status and answer. Targets (issue
21): <= 6 s wall, < 300 MB RSS, no torch. The first run warms the servers and is not counted.

Usage: ``.venv/bin/python bench/cli.py [--runs 3] [--goal "..."] [--save]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

PROBE = """
import atexit, json, resource, sys
def report():
    heavy = sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)
    print(json.dumps({"heavy": heavy, "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}),
          file=sys.stderr)
atexit.register(report)
sys.argv = ["sokrat", "run", sys.argv[1], "--json"]
from sokrat.cli import main
main()
"""


def one(goal: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PROBE, goal], capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    probe = json.loads(proc.stderr.strip().splitlines()[-1])
    result = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout.strip() else {}
    return {"wall_s": round(wall, 2), **probe, "status": result.get("status"), "answer": result.get("answer"),
            "bars_on_stderr": "Loading weights" in proc.stderr}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal", default="What is 17 times 23?")
    parser.add_argument("--save", action="store_true", help="write bench/results/cli.json")
    args = parser.parse_args()
    from _report import emit

    one(args.goal)  # warm-up: servers up, page cache
    runs = [one(args.goal) for _ in range(args.runs)]
    walls = [r["wall_s"] for r in runs]
    figures = {"goal": args.goal, "runs": runs, "wall_s_median": round(statistics.median(walls), 2),
               "maxrss_mb": max(r["maxrss_mb"] for r in runs),
               "imported_torch": any("torch" in r["heavy"] for r in runs)}
    emit("cli", figures, save=args.save,
         summary=f"warm `sokrat run` median {figures['wall_s_median']} s, CLI peak RSS {figures['maxrss_mb']} MB, "
                 f"torch imported: {figures['imported_torch']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
