"""Workers that do not share the API server's disk: each has a data dir of its own and
fetches the media it lacks, from the API (an admin key) or from an S3-compatible bucket
(a real moto S3 server process), into a cache named by content hash."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.procs import Procs, bearer, follow, start_server, wait_for
from tests.server.scripted_llm import ScriptedLLM, free_port

pytestmark = [pytest.mark.server]

ADMIN = "k-worker-admin-0123456789"


def upload(base: str, path: Path, headers: dict[str, str] | None = None) -> dict[str, Any]:
    with path.open("rb") as f:
        r = httpx.post(f"{base}/v1/media", files={"file": ("bikes.mp4", f, "video/mp4")}, headers=headers, timeout=60)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.slow
def test_worker_fetches_media_from_the_api(procs: Procs, bikes: Path, tmp_path: Path) -> None:
    worker_data = tmp_path / "worker-data"
    with ScriptedLLM([{"tool": "video_qa", "arguments": {"question": "When does a rickshaw appear?"}}]) as llm:
        base = start_server(procs, SOKRAT_ADMIN_KEYS=ADMIN, SOKRAT_LLM_BASE_URL=llm.base_url)
        worker = procs.start("worker", "worker", SOKRAT_DATA_DIR=str(worker_data), SOKRAT_API_URL=base,
                             SOKRAT_ADMIN_KEYS=ADMIN, SOKRAT_LLM_BASE_URL=llm.base_url)
        media = upload(base, bikes, bearer(ADMIN))
        task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "When does a rickshaw appear?", "media": [media["id"]]},
                             headers=bearer(ADMIN), timeout=30).json()["id"]
        events = follow(base, task_id, headers=bearer(ADMIN))
        task = httpx.get(f"{base}/v1/tasks/{task_id}", headers=bearer(ADMIN), timeout=30).json()
    assert task["status"] == "succeeded", (task, procs.log(worker))
    cached = worker_data / "media-cache" / f"{media['sha256']}.mp4"
    assert cached.read_bytes() == bikes.read_bytes()
    assert media["sha256"] == hashlib.sha256(bikes.read_bytes()).hexdigest()
    assert not (worker_data / "media").exists()  # the worker never had the upload itself
    assert task["result"]["steps"][0]["tool"] == "video_qa" and task["result"]["steps"][0]["ok"]
    assert task["result"]["evidence"], task["result"]  # the fetched file was indexed and searched
    assert events[0]["data"]["media"] == ["bikes.mp4"]


def test_worker_without_a_way_to_the_media_fails_the_task_clearly(procs: Procs, bikes: Path, tmp_path: Path) -> None:
    with ScriptedLLM([]) as llm:
        base = start_server(procs, SOKRAT_LLM_BASE_URL=llm.base_url)
        procs.start("worker", "worker", SOKRAT_DATA_DIR=str(tmp_path / "elsewhere"), SOKRAT_LLM_BASE_URL=llm.base_url)
        media = upload(base, bikes)
        task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "g", "media": [media["id"]]}, timeout=30).json()["id"]
        follow(base, task_id)
    result = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()["result"]
    assert result["status"] == "failed" and "SOKRAT_API_URL" in result["reason"], result
    assert str(tmp_path) not in result["reason"]


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real S3-compatible server (moto) on loopback, with one bucket; its env for clients."""
    port = free_port()
    log = (tmp_path / "moto.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test-secret-key", "AWS_REGION": "us-east-1",
           "SOKRAT_MEDIA_S3_URL": "s3://sokrat-media/uploads", "SOKRAT_MEDIA_S3_ENDPOINT": endpoint}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(endpoint, timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"moto did not start: {(tmp_path / 'moto.log').read_text()[-2000:]}")
                time.sleep(0.2)
        httpx.put(f"{endpoint}/sokrat-media", timeout=10).raise_for_status()  # create the bucket
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _objects(env: dict[str, str]) -> list[str]:
    listing = httpx.get(f"{env['SOKRAT_MEDIA_S3_ENDPOINT']}/sokrat-media", timeout=10).text
    return [part.split("</Key>")[0] for part in listing.split("<Key>")[1:]]


def test_worker_fetches_media_from_an_s3_bucket(procs: Procs, bikes: Path, tmp_path: Path, s3: dict[str, str]) -> None:
    worker_data = tmp_path / "worker-data"
    with ScriptedLLM([]) as llm:
        base = start_server(procs, SOKRAT_LLM_BASE_URL=llm.base_url, **s3)
        worker = procs.start("worker", "worker", SOKRAT_DATA_DIR=str(worker_data), SOKRAT_LLM_BASE_URL=llm.base_url,
                             **s3)
        media = upload(base, bikes)
        assert _objects(s3) == [f"uploads/media/{media['id']}.mp4"]
        task_id = httpx.post(f"{base}/v1/tasks", json={"goal": "What is in the video?", "media": [media["id"]]},
                             timeout=30).json()["id"]
        events = follow(base, task_id)
        task = httpx.get(f"{base}/v1/tasks/{task_id}", timeout=30).json()
        assert task["status"] == "succeeded", (task, procs.log(worker))
        cached = worker_data / "media-cache" / f"{media['sha256']}.mp4"
        assert cached.read_bytes() == bikes.read_bytes()
        assert events[0]["data"]["media"] == ["bikes.mp4"]
        assert "test-secret-key" not in procs.log(worker, tail=100_000)

        assert httpx.delete(f"{base}/v1/media/{media['id']}", timeout=30).status_code == 204
        wait_for(lambda: _objects(s3) == [], "the bucket copy to be deleted with the media", 30)
