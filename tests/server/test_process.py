"""Real processes: `sokrat serve` and `sokrat worker` on loopback, the real embedded Redis, the
real tools (video indexing with the offline tagger/embedder) and the real planner graph. Only
the LLM is scripted (tests/server/scripted_llm.py, an OpenAI-compatible server on loopback)."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.server.procs import Procs, follow, start_server, wait_for
from tests.server.scripted_llm import ScriptedLLM

pytestmark = [pytest.mark.server, pytest.mark.slow]


def submit(base: str, bikes: Path, goal: str) -> tuple[str, str]:
    with bikes.open("rb") as f:
        r = httpx.post(f"{base}/v1/media", files={"file": ("bikes.mp4", f, "video/mp4")}, timeout=60)
    assert r.status_code == 201, r.text
    media = r.json()
    assert media["kind"] == "video" and media["bytes"] == bikes.stat().st_size
    r = httpx.post(f"{base}/v1/tasks", json={"goal": goal, "media": [media["id"]]}, timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["id"], media["id"]


def test_serve_and_worker_run_a_video_task(procs: Procs, bikes: Path) -> None:
    with ScriptedLLM([{"tool": "video_qa", "arguments": {"question": "When does a rickshaw appear?"}}]) as llm:
        base = start_server(procs, SOKRAT_LLM_BASE_URL=llm.base_url)
        worker = procs.start("worker", "worker", "--concurrency", "2", SOKRAT_LLM_BASE_URL=llm.base_url)
        task_id, _ = submit(base, bikes, "When does a rickshaw appear in the video?")

        events = follow(base, task_id)
        types = [e["event"] for e in events]
        assert types[0] == "run_started" and types[-1] == "done" and types.count("done") == 1
        assert "tool_called" in types or "tool_result" in types, types
        result = events[-1]["data"]["result"]
        task = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
        assert task["status"] == "succeeded" == result["status"], (task, procs.log(worker))
        assert task["result"] == result
        # the answer is built from the real tool's observation (times of the matched moment)
        assert result["steps"][0]["tool"] == "video_qa" and result["steps"][0]["ok"]
        observation = result["steps"][0]["observation"]
        assert "t_start" in observation
        assert result["evidence"], result
        ev = result["evidence"][0]
        assert f"{ev['t_start']:g} s" in result["answer"]
        assert 0.0 <= ev["t_start"] < ev["t_end"] <= 11.0
        assert llm.tool_calls == ["video_qa"]

        # a late subscriber gets the same stream replayed from the start; Last-Event-ID resumes
        assert [e["id"] for e in follow(base, task_id)] == [e["id"] for e in events]
        listed = httpx.get(f"{base}/v1/tasks", params={"status": "succeeded"}, timeout=30).json()["items"]
        assert [t["id"] for t in listed] == [task_id]

        # SIGTERM: an idle worker stops cleanly
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0, procs.log(worker)


def test_killed_worker_task_is_resumed_by_another(procs: Procs, bikes: Path) -> None:
    """SIGKILL a worker between two planner steps; a second worker takes the task over after
    the visibility timeout and resumes it from the durable checkpoint: the completed tool call
    is not repeated and the run is not planned again."""
    with ScriptedLLM([{"tool": "video_qa", "arguments": {"question": "When does a rickshaw appear?"}}], hold_act=2) as llm:
        env = {"SOKRAT_LLM_BASE_URL": llm.base_url, "SOKRAT_TASK_VISIBILITY_S": "3"}
        base = start_server(procs, **env)
        first = procs.start("worker-a", "worker", **env)
        task_id, _ = submit(base, bikes, "When does a rickshaw appear in the video?")

        wait_for(llm.held.is_set, "the first worker to finish its tool call and ask for the next action")
        assert llm.tool_calls == ["video_qa"]
        plans = llm.count("plan")  # 0 or 1: a one-line goal may be its own plan
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
        llm.release()  # the held reply goes to a dead socket
        running = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
        assert running["status"] == "running" and running["attempts"] == 1

        second = procs.start("worker-b", "worker", **env)
        events = follow(base, task_id)
        task = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
        assert task["status"] == "succeeded", (task, procs.log(second))
        assert task["attempts"] == 2 and task["worker"] != running["worker"]
        assert llm.tool_calls == ["video_qa"], "the completed tool call was repeated"
        assert llm.count("plan") == plans, f"the run was planned again: {llm.requests}"
        assert [s["tool"] for s in task["result"]["steps"]] == ["video_qa"]
        assert [e["event"] for e in events].count("run_started") == 2  # one per attempt, one stream


def test_dead_redis_gives_503_then_recovers(procs: Procs, tmp_path: Path) -> None:
    """A Redis of its own (stopped mid-test): /readyz and POST /v1/tasks answer JSON 503, the
    server keeps running, and it is ready again once Redis is back."""
    from sokrat.memory.embedded import ensure_server, stop_server

    redis_dir = tmp_path / "own-redis"
    url = ensure_server(data_dir=redis_dir).url
    try:
        base = start_server(procs, REDIS_URL=url, SOKRAT_LLM_BASE_URL="http://127.0.0.1:9/v1")
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200, ready.text
        assert httpx.post(f"{base}/v1/tasks", json={"goal": "g"}, timeout=30).status_code == 202

        stop_server(data_dir=redis_dir)
        r = httpx.get(f"{base}/readyz", timeout=60)
        assert r.status_code == 503 and r.json()["error"]["code"] == "not_ready"
        assert "Redis" in r.json()["error"]["message"]
        r = httpx.post(f"{base}/v1/tasks", json={"goal": "g"}, timeout=60)
        assert r.status_code == 503 and r.json()["error"]["code"] == "redis_unavailable", r.text
        assert "Traceback" not in r.text
        assert procs.started[0].poll() is None  # still serving

        assert ensure_server(data_dir=redis_dir).url == url
        wait_for(lambda: httpx.get(f"{base}/readyz", timeout=30).status_code == 200, "readyz after Redis is back", 120)
        # the task accepted before the outage survived it (AOF)
        listed = httpx.get(f"{base}/v1/tasks", timeout=30).json()["items"]
        assert len(listed) == 1 and listed[0]["status"] == "queued"
    finally:
        stop_server(data_dir=redis_dir)
