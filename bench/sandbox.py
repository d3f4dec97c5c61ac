"""Sandbox overhead per ``python_exec`` call: this sandbox against an earlier one, in one run.

The earlier sandbox (``--baseline``, a git ref; default ``main``) is loaded from that commit's
``sokrat/tools/sandbox.py`` and ``_sandbox_init.py`` into a temporary module, so both run on
the same machine at the same load, interleaved call by call. A bare ``python -I -c``
subprocess is the floor. Figures: per-call wall time (p50, p90) of each, and each sandbox's
median minus the floor (target: under 100 ms). Also the cost of the memory accounting path
(no memory cgroup) on the same snippet.

``.venv/bin/python bench/sandbox.py [--calls 30] [--baseline main] [--save]``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

from _report import ROOT, emit

SNIPPET = "sum(i * i for i in range(10_000))"


def load_baseline(ref: str, into: Path) -> ModuleType:
    """``sokrat.tools.sandbox`` as it was at ``ref``, importable beside the current one."""
    for name in ("sandbox.py", "_sandbox_init.py"):
        text = subprocess.run(["git", "show", f"{ref}:sokrat/tools/{name}"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout
        (into / name).write_text(text)
    spec = importlib.util.spec_from_file_location("baseline_sandbox", into / "sandbox.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))], 1)


async def measure(calls: int, baseline: ModuleType) -> dict:
    from sokrat.tools.sandbox import SandboxLimits, probe, run_python

    async def plain() -> None:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-I", "-c", f"print({SNIPPET})",
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await proc.wait()

    async def checked(run: Awaitable[object]) -> None:
        result = await run
        if not result.ok:  # type: ignore[attr-defined]
            raise RuntimeError(f"the sandbox failed the benchmark snippet: {result}")

    runs: dict[str, Callable[[], Awaitable[None]]] = {
        "plain": plain,
        "baseline": lambda: checked(baseline.run_python(SNIPPET)),
        "current": lambda: checked(run_python(SNIPPET)),
        "current_accounting": lambda: checked(run_python(SNIPPET, limits=SandboxLimits(memory_cgroup=False))),
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(2):  # warm-up: page cache, the probes, the seccomp filter
        for fn in runs.values():
            await fn()
    for _ in range(calls):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            await fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    found = probe()
    out: dict = {"calls": calls, "snippet": SNIPPET, "process_limit": found.process_limit,
                 "memory_limit": found.memory_limit}
    floor = statistics.median(times["plain"])
    for name, values in times.items():
        out[f"{name}_ms"] = {"p50": pct(values, 50), "p90": pct(values, 90)}
        if name != "plain":
            out[f"{name}_overhead_ms"] = round(statistics.median(values) - floor, 1)
    out["added_ms"] = round(statistics.median(times["current"]) - statistics.median(times["baseline"]), 1)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--baseline", default="main", help="git ref of the sandbox to compare against")
    parser.add_argument("--save", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sokrat-bench-sandbox-") as tmp:
        baseline = load_baseline(args.baseline, Path(tmp))
        figures = asyncio.run(measure(args.calls, baseline))
    figures["baseline_ref"] = args.baseline
    summary = (f"python_exec overhead over a bare python: {figures['current_overhead_ms']} ms/call with caps "
               f"dropped, seccomp and a memory {figures['memory_limit']} (p90 {figures['current_ms']['p90']} ms "
               f"total), vs {figures['baseline_overhead_ms']} ms for the sandbox at {args.baseline} in the same "
               f"run ({figures['added_ms']:+} ms); {figures['current_accounting_overhead_ms']} ms on the "
               f"no-cgroup accounting path; {args.calls} calls each, interleaved")
    emit("sandbox", figures, save=args.save, summary=summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
