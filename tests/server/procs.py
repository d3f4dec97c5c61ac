"""Helpers of the process tests: start real `sokrat serve` / `sokrat worker` processes (each
killed at teardown), wait for them, follow a task's SSE stream, read a process's RSS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.scripted_llm import free_port
from tests.server.test_api import parse_sse

START_TIMEOUT_S = 120.0
RUN_TIMEOUT_S = 600.0
CLI = [sys.executable, "-c", "from sokrat.cli import main; main()"]


class Procs:
    """Starts sokrat processes and stops every one of them at teardown."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env, self.started = tmp, env, []  # type: list[subprocess.Popen[bytes]]

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log_path = self.tmp / f"{name}.log"
        log = log_path.open("wb")
        p = subprocess.Popen([*CLI, *args], env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        p.log_path = log_path  # type: ignore[attr-defined]
        self.started.append(p)
        return p

    def log(self, p: subprocess.Popen[bytes], tail: int = 4000) -> str:
        return Path(p.log_path).read_text(errors="replace")[-tail:]  # type: ignore[attr-defined]

    def close(self) -> None:
        for p in self.started:
            if p.poll() is None:
                p.terminate()
        for p in self.started:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=20)


def base_env(redis_url: str | None, data_dir: Path, cache_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOKRAT_") and k != "REDIS_URL"}
    env.update({
        "SOKRAT_DATA_DIR": str(data_dir),
        "SOKRAT_CACHE_DIR": str(cache_dir),
        "SOKRAT_TASK_NAMESPACE": f"p{uuid.uuid4().hex[:10]}",
        "HF_HUB_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def start_server(procs: Procs, *args: str, name: str = "serve", **env: str) -> str:
    port = free_port()
    p = procs.start(name, "serve", "--host", "127.0.0.1", "--port", str(port), *args, **env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if p.poll() is not None:
            pytest.fail(f"sokrat serve exited with {p.returncode}:\n{procs.log(p)}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"sokrat serve did not answer /healthz:\n{procs.log(p)}")


def wait_for(pred: Callable[[], bool], what: str, timeout: float = RUN_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def follow(base: str, task_id: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Follow the task's SSE stream to `done`; the events as dicts (with the SSE id)."""
    timeout = httpx.Timeout(RUN_TIMEOUT_S, connect=10)
    with httpx.stream("GET", f"{base}/v1/tasks/{task_id}/events", timeout=timeout, headers=headers) as r:
        assert r.status_code == 200, r.read()
        frames = parse_sse(r.iter_lines())
    return [{"id": f.get("id"), "event": f["event"], **json.loads(f["data"])} for f in frames]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
