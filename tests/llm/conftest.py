from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def openai_server() -> Iterator[str]:
    """Base URL (…/v1) of a real uvicorn process serving tests/llm/fake_openai.py."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(__file__).parent), "fake_openai:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/_requests", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("fake OpenAI server did not start") from None
                time.sleep(0.2)
        yield base + "/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def script(base_v1: str, replies: list[str], *, refuse_json_schema: bool = False, props: dict | None = None,
           models: dict | None = None) -> None:
    root = base_v1.removesuffix("/v1")
    httpx.post(root + "/_script", json={"replies": replies, "refuse_json_schema": refuse_json_schema,
                                        "props": props, "models": models}).raise_for_status()


def requests_seen(base_v1: str) -> list[dict]:
    return httpx.get(base_v1.removesuffix("/v1") + "/_requests").json()
