"""Bench of the REST server and its workers; prints ONE JSON line.

Starts a private embedded Redis, a scripted OpenAI-compatible LLM on loopback (plan -> final
answer, no tools: the figures are the server/queue/agent overhead, not model speed),
``sokrat serve`` and N ``sokrat worker`` processes, then measures:

- ``submit_per_s``: POST /v1/tasks throughput from one client, against ``healthz_per_s`` (GET
  /healthz with the same client, right after, while the workers drain those tasks) as the
  baseline (``submit_vs_healthz``);
- ``first_event_ms``: from POST /v1/tasks to the first SSE event on a subscriber that
  connected right after (queue pickup + agent start), median and p90 over sequential tasks;
- ``done_ms``: the same to the ``done`` event;
- ``drain_tasks_per_s``: tasks finished per second when ``--tasks`` are queued at once.

    .venv/bin/python bench/server.py --workers 2 --tasks 40
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server.scripted_llm import ScriptedLLM, free_port  # noqa: E402

CLI = [sys.executable, "-c", "from sokrat.cli import main; main()"]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def first_and_done(base: str, goal: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    task_id = httpx.post(f"{base}/v1/tasks", json={"goal": goal}, timeout=60).json()["id"]
    first = None
    with httpx.stream("GET", f"{base}/v1/tasks/{task_id}/events", timeout=300) as r:
        for line in r.iter_lines():
            if line.startswith("event:") and first is None:
                first = (time.perf_counter() - t0) * 1000
            if line.startswith("event: done") or line == "event:done":
                return first or 0.0, (time.perf_counter() - t0) * 1000
    raise RuntimeError("stream ended without done")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--latency-samples", type=int, default=10)
    args = ap.parse_args()

    from sokrat.memory.embedded import ensure_server, stop_server

    tmp = Path(tempfile.mkdtemp(prefix="sokrat-bench-"))
    redis_dir = tmp / "redis"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        url = ensure_server(data_dir=redis_dir).url
        with ScriptedLLM([]) as llm:
            env = {k: v for k, v in os.environ.items() if not k.startswith("SOKRAT_")}
            env.update(REDIS_URL=url, SOKRAT_DATA_DIR=str(tmp / "data"), SOKRAT_LLM_BASE_URL=llm.base_url,
                       HF_HUB_OFFLINE="1")
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            log = (tmp / "procs.log").open("wb")
            procs.append(subprocess.Popen([*CLI, "serve", "--port", str(port), "--log-level", "warning"],
                                          env=env, stdout=log, stderr=log))
            for _ in range(args.workers):
                procs.append(subprocess.Popen([*CLI, "worker", "--concurrency", str(args.concurrency),
                                               "--log-level", "warning"], env=env, stdout=log, stderr=log))
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not start")
                time.sleep(0.2)
            first_and_done(base, "warm up")  # load the agent in a worker

            with httpx.Client(timeout=60) as client:
                t0 = time.perf_counter()
                _ = [client.post(f"{base}/v1/tasks", json={"goal": f"bench {i}"}).json()["id"]
                     for i in range(args.tasks)]
                submit_s = time.perf_counter() - t0
                # the baseline under the same load: the workers are now draining those tasks
                n = 200
                t1 = time.perf_counter()
                for _ in range(n):
                    client.get(f"{base}/healthz")
                healthz_per_s = n / (time.perf_counter() - t1)
                while any(client.get(f"{base}/v1/tasks", params={"status": st, "limit": 1}).json()["items"]
                          for st in ("queued", "running")):
                    time.sleep(0.05)
                drain_s = time.perf_counter() - t0

            samples = [first_and_done(base, f"latency {i}") for i in range(args.latency_samples)]
            firsts, dones = [s[0] for s in samples], [s[1] for s in samples]
            print(json.dumps({
                "bench": "server", "workers": args.workers, "concurrency": args.concurrency,
                "tasks": args.tasks, "healthz_per_s": round(healthz_per_s, 1),
                "submit_per_s": round(args.tasks / submit_s, 1),
                "submit_vs_healthz": round((args.tasks / submit_s) / healthz_per_s, 3),
                "drain_tasks_per_s": round(args.tasks / drain_s, 2),
                "first_event_ms_median": round(statistics.median(firsts), 1), "first_event_ms_p90": pct(firsts, 0.9),
                "done_ms_median": round(statistics.median(dones), 1), "done_ms_p90": pct(dones, 0.9),
                "llm_requests": len(llm.requests),
            }))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        stop_server(data_dir=redis_dir)


if __name__ == "__main__":
    main()
