"""Secrets never logged (issue 24, item 3): a password in SOKRAT_LLM_BASE_URL, an LLM key and
API keys, through a real `sokrat serve` + `sokrat worker` run at debug level; every line of
both logs is searched."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest

from tests.server.procs import Procs, bearer, follow, start_server
from tests.server.scripted_llm import ScriptedLLM

pytestmark = [pytest.mark.server, pytest.mark.slow]

KEY = "k-logged-never-0123456789"


def test_no_credential_in_any_log_line(procs: Procs) -> None:
    password, llm_key = "pw-s3cr3t-8812", "sk-llm-never-logged-77"
    with ScriptedLLM([]) as llm:
        url = llm.base_url.replace("http://", f"http://agent:{password}@")
        env = {"SOKRAT_LLM_BASE_URL": url, "SOKRAT_LLM_API_KEY": llm_key, "SOKRAT_API_KEYS": KEY}
        base = start_server(procs, "--log-level", "debug", **env)
        worker = procs.start("worker", "worker", "--log-level", "debug", **env)
        task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "What is 2 + 3?"}, headers=bearer(KEY),
                             timeout=30).json()["id"]
        events = follow(base, task_id, headers=bearer(KEY))
        assert events[-1]["event"] == "done", procs.log(worker)
        httpx.get(f"{base}/v1/tasks", headers=bearer("k-wrong-0123456789"), timeout=30)
    lines = [ln for p in procs.started for ln in Path(p.log_path).read_text(errors="replace").splitlines()]
    worker_log = Path(worker.log_path).read_text(errors="replace")  # type: ignore[attr-defined]
    assert "agent:***@127.0.0.1" in worker_log, worker_log[-3000:]  # the request lines are there, scrubbed
    basic = base64.b64encode(f"agent:{password}".encode()).decode()
    for secret in (password, llm_key, KEY, basic):
        leaked = [ln for ln in lines if secret in ln]
        assert not leaked, f"{secret!r} in {len(leaked)} log line(s): {leaked[:3]}"
