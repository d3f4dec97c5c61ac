"""Redis going away under real `sokrat serve` / `sokrat worker` processes.

- The embedded Redis (no REDIS_URL) is supervised: SIGKILL it and the server brings it back
  by itself; /readyz recovers with no operator, and the queued task is still there.
- An outage longer than the visibility timeout while a task runs is not an attempt: the
  worker keeps its task (no self-reclaim, no second run), and the run finishes once Redis
  is back, with one attempt and one plan.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.server.procs import Procs, follow, start_server, wait_for
from tests.server.scripted_llm import ScriptedLLM

pytestmark = [pytest.mark.server]


def test_killed_embedded_redis_comes_back_by_itself(procs: Procs, tmp_path: Path) -> None:
    from sokrat.memory import embedded

    own = tmp_path / "own-data"
    try:
        base = start_server(procs, REDIS_URL="", SOKRAT_DATA_DIR=str(own), SOKRAT_LLM_BASE_URL="http://127.0.0.1:9/v1")
        assert httpx.get(f"{base}/readyz", timeout=60).status_code == 200
        task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "survive the crash"}, timeout=30).json()["id"]
        first = embedded.running_server(own)
        assert first is not None
        os.kill(first.pid, signal.SIGKILL)
        wait_for(lambda: not embedded._pid_alive(first.pid), "valkey to die", 30)

        # nobody runs `sokrat` or touches the server: it must come back on its own
        wait_for(lambda: httpx.get(f"{base}/readyz", timeout=30).status_code == 200, "readyz to recover", 120)
        second = embedded.running_server(own)
        assert second is not None and second.pid != first.pid
        task = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
        assert task["status"] == "queued" and task["goal"] == "survive the crash"  # kept by the AOF
        assert httpx.post(f"{base}/v1/tasks", json={"goal": "after"}, timeout=30).status_code == 202
        assert "restarted" in procs.log(procs.started[0], tail=20_000)
    finally:
        procs.close()
        embedded.stop_server(data_dir=own)


@pytest.mark.slow
def test_redis_outage_during_a_run_is_not_an_attempt(procs: Procs, tmp_path: Path) -> None:
    """Redis stops while a worker waits on the LLM; the LLM answers during the outage, so the
    run hits the dead Redis (events, checkpoints, heartbeats). The outage outlasts the
    visibility timeout and the client's retries. Once Redis is back the task finishes with
    one attempt and no second plan: nothing was counted, dropped or run twice."""
    from sokrat.memory.embedded import ensure_server, stop_server

    redis_dir = tmp_path / "own-redis"
    url = ensure_server(data_dir=redis_dir).url
    visibility = 2.0
    try:
        with ScriptedLLM([{"tool": "python_exec", "arguments": {"code": "print(17 * 23)"}}], hold_act=1) as llm:
            env = {"REDIS_URL": url, "SOKRAT_LLM_BASE_URL": llm.base_url, "SOKRAT_TASK_VISIBILITY_S": str(visibility)}
            base = start_server(procs, **env)
            worker = procs.start("worker", "worker", **env)
            task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "What is 17 times 23?"}, timeout=30).json()["id"]
            wait_for(llm.held.is_set, "the worker to ask for its first action")
            plans = llm.count("plan")  # 0 or 1: a one-line goal may be its own plan

            stop_server(data_dir=redis_dir)
            llm.release()  # the run goes on against a dead Redis
            time.sleep(8 * visibility)  # past the visibility timeout and redis-py's retries
            assert ensure_server(data_dir=redis_dir).url == url

            events = follow(base, task_id)
            task = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
            log = procs.log(worker, tail=50_000)
            assert task["status"] == "succeeded", (task, log)
            assert task["attempts"] == 1, (task, log)
            assert llm.count("plan") == plans, llm.requests  # resumed, not planned again
            assert [e["event"] for e in events].count("done") == 1
            assert "Redis unavailable" in log  # the worker did see the outage
            assert worker.poll() is None
    finally:
        procs.close()
        stop_server(data_dir=redis_dir)
