"""Shared by the benchmarks: provenance for every figure, and the README's measured section.

Each ``bench/*.py`` prints its figures as one JSON line through :func:`emit`, which adds
where and when they were measured (date, CPU model, cores, load, git commit, library
versions) and, with ``--save``, also writes them to ``bench/results/<name>.json``. The
README's "Measured" section is rendered from those files by ``python bench/_report.py``,
never typed in by hand.

Benchmarks import this file as a sibling module (``python bench/x.py`` puts ``bench/`` on
``sys.path``); they import nothing from ``tests/``.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The CPU features that change model speed here (bf16 units, AVX-512, AVX2)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    flags = next((ln.split(":", 1)[1].split() for ln in text.splitlines() if ln.startswith("flags")), [])
    return [f for f in ("amx_bf16", "avx512_bf16", "avx512f", "avx2") if f in flags]


def _git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> dict[str, Any]:
    """Where a figure was measured."""
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cores": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
        "git": _git_sha(),
        "python": platform.python_version(),
        "versions": {d: v for d in ("torch", "transformers", "xllamacpp", "langgraph", "redis")
                     if (v := _version(d))},
    }


def emit(name: str, figures: dict[str, Any], *, save: bool = False, summary: str | None = None) -> dict[str, Any]:
    """Print ``figures`` plus the machine record as one JSON line; with ``save``, keep it in
    ``bench/results/<name>.json`` for the README. ``summary`` is the one-line reading of the
    figures that the README shows (write it from the figures, not by hand)."""
    script = Path(sys.argv[0]).resolve()
    where = script.relative_to(ROOT).as_posix() if script.is_relative_to(ROOT) else f"bench/{name}.py"
    record = {"bench": name, "script": where, **figures, "machine": machine()}
    if summary:
        record["summary"] = summary
    print(json.dumps(record), flush=True)
    if save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def render() -> str:
    """The README's measured section, from ``bench/results/*.json``."""
    rows = ["| bench | measured | machine |", "| --- | --- | --- |"]
    for path in sorted(RESULTS.glob("*.json")):
        rec = json.loads(path.read_text())
        m = rec.get("machine", {})
        where = f"{m.get('date', '?')}, {m.get('cpu', '?')} x{m.get('cores', '?')}, load {m.get('load_1m', '?')}, `{m.get('git', '?')}`"
        script = rec.get("script") or f"bench/{rec['bench']}.py"
        rows.append(f"| `{script}` | {rec.get('summary') or '(no summary)'} | {where} |")
    return "\n".join(rows)


def update_readme() -> None:
    text = README.read_text()
    if START not in text or END not in text:
        sys.exit(f"README.md has no {START} ... {END} section")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{render()}\n{END}{tail}")


if __name__ == "__main__":
    update_readme()
    print(render())
