"""The routes the web page reads: ``GET /v1/media``, ``/v1/media/{id}/log``, ``/frame``, and
``frame_url`` on evidence. Real app, real embedded Redis, real decoding of bikes.mp4; the log
rows are written through the real memory API (indexing itself is perception's, tested there
and in the browser test)."""

from __future__ import annotations

import io
import math
import shutil
import struct
import time
import uuid
import wave
from pathlib import Path
from typing import Any

import pytest

from sokrat.memory.base import LogEntry, VideoLogMeta
from sokrat.server.frames import (
    FrameCache,
    FrameOptions,
    frame_jpeg,
    frame_time,
    frame_url,
    with_frame_urls,
)
from sokrat.settings import Settings
from sokrat.types import Evidence, Result


def upload(client: Any, path: Path, name: str | None = None, headers: dict[str, str] | None = None) -> Any:
    with path.open("rb") as f:
        return client.post("/v1/media", files={"file": (name or path.name, f, "application/octet-stream")},
                           headers=headers or {})


def jpeg_size(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        return im.size


@pytest.fixture
def tone(tmp_path: Path) -> Path:
    """One second of a 440 Hz tone: a real audio-only file."""
    path = tmp_path / "tone.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 16000)))
                               for i in range(16000)))
    return path


@pytest.fixture
def logs_client(make_client: Any, memory: Any) -> Any:
    """A client whose log route reads the test's own memory prefix."""
    from sokrat.server.media_views import get_video_logs

    client = make_client()

    async def mine() -> Any:
        return memory

    client.app.dependency_overrides[get_video_logs] = mine
    return client


# --- frames --------------------------------------------------------------------------------------
def test_frame_is_a_bounded_jpeg_cached_with_etag(client: Any, bikes: Path) -> None:
    media = upload(client, bikes).json()
    r = client.get(f"/v1/media/{media['id']}/frame", params={"t": 5})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/jpeg"
    assert jpeg_size(r.content) == (320, 136)  # 640x272 scaled to the default width
    small = client.get(f"/v1/media/{media['id']}/frame", params={"t": 5, "w": 100})
    assert jpeg_size(small.content) == (100, 42)
    wide = client.get(f"/v1/media/{media['id']}/frame", params={"t": 5, "w": 1280})
    assert jpeg_size(wide.content) == (640, 272)  # never upscaled
    cache = client.app.state.frame_cache
    hits = cache.hits
    again = client.get(f"/v1/media/{media['id']}/frame", params={"t": 5})
    assert again.content == r.content and cache.hits == hits + 1
    etag = r.headers["etag"]
    assert "private" in r.headers["cache-control"]
    assert client.get(f"/v1/media/{media['id']}/frame", params={"t": 5},
                      headers={"If-None-Match": etag}).status_code == 304
    # another moment is another picture
    assert client.get(f"/v1/media/{media['id']}/frame", params={"t": 0}).content != r.content


def test_frame_at_the_very_end_and_past_it(client: Any, bikes: Path) -> None:
    media = upload(client, bikes).json()
    end = client.get(f"/v1/media/{media['id']}/frame", params={"t": media["duration_s"]})
    assert end.status_code == 200 and jpeg_size(end.content) == (320, 136)
    past = client.get(f"/v1/media/{media['id']}/frame", params={"t": media["duration_s"] + 1})
    assert past.status_code == 422
    assert "past the end of the video" in past.json()["error"]["message"]
    for bad in ("-1", "soon", "nan"):
        r = client.get(f"/v1/media/{media['id']}/frame", params={"t": bad})
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request", (bad, r.text)
    assert client.get(f"/v1/media/{media['id']}/frame", params={"t": 1, "w": 5000}).status_code == 422


def test_audio_has_no_frames_and_no_log(client: Any, tone: Path) -> None:
    media = upload(client, tone).json()
    assert media["kind"] == "audio"
    r = client.get(f"/v1/media/{media['id']}/frame", params={"t": 0.5})
    assert r.status_code == 422 and "audio only" in r.json()["error"]["message"]
    r = client.get(f"/v1/media/{media['id']}/log")
    assert r.status_code == 422 and "no video log" in r.json()["error"]["message"]


def test_unknown_media_is_404(client: Any) -> None:
    for path in (f"/v1/media/{uuid.uuid4().hex}/frame?t=1", f"/v1/media/{uuid.uuid4().hex}/log",
                 "/v1/media/../../etc/passwd/log", "/v1/media/nothex/frame?t=0"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.text)
        assert "Traceback" not in r.text


def test_frame_jpeg_outside_the_api(bikes: Path, tone: Path) -> None:
    from sokrat.errors import InvalidInput, MediaError

    data = frame_jpeg(bikes, 2.0, options=FrameOptions(width=64))
    assert jpeg_size(data) == (64, 27)
    with pytest.raises(InvalidInput, match="past the end"):
        frame_jpeg(bikes, 10.5)
    with pytest.raises(InvalidInput, match="before the start"):
        frame_jpeg(bikes, -0.1)
    with pytest.raises(MediaError, match="no video stream"):
        frame_jpeg(tone, 0.5)


def test_frame_cache_is_bounded_by_bytes() -> None:
    cache = FrameCache(max_bytes=100)
    cache.put(("a",), b"x" * 60)
    cache.put(("b",), b"y" * 30)
    assert cache.get(("a",)) is not None  # a is now the most recently used
    cache.put(("c",), b"z" * 30)  # 120 bytes: b (least recently used) goes
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("c",))
    assert cache.size_bytes == 90
    cache.put(("huge",), b"h" * 101)  # larger than the whole cache: not kept, nothing evicted
    assert cache.get(("huge",)) is None and len(cache) == 2


# --- owners --------------------------------------------------------------------------------------
def test_another_key_gets_404_on_log_frame_and_list(make_client: Any, bikes: Path) -> None:
    client = make_client(api_keys=["key-alice-123", "key-bob-4567"])
    alice, bob = {"Authorization": "Bearer key-alice-123"}, {"Authorization": "Bearer key-bob-4567"}
    media = upload(client, bikes, headers=alice).json()
    assert client.get(f"/v1/media/{media['id']}/frame?t=1", headers=alice).status_code == 200
    for path in (f"/v1/media/{media['id']}/frame?t=1", f"/v1/media/{media['id']}/log"):
        r = client.get(path, headers=bob)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", r.text
        assert client.get(path).status_code == 401
        assert client.get(path, headers={"Authorization": "Bearer wrong"}).json()["error"]["message"] == \
            "invalid API key"
    assert [m["id"] for m in client.get("/v1/media", headers=alice).json()["items"]] == [media["id"]]
    assert client.get("/v1/media", headers=bob).json()["items"] == []


def test_media_list_is_newest_first_and_follows_deletes(client: Any, bikes: Path, tone: Path) -> None:
    first = upload(client, bikes).json()
    time.sleep(0.01)  # created_at orders the list; this only keeps the two stamps apart
    second = upload(client, tone).json()
    items = client.get("/v1/media").json()["items"]
    assert [m["id"] for m in items] == [second["id"], first["id"]]
    assert items[1]["filename"] == "bikes.mp4" and items[1]["kind"] == "video"
    assert [m["id"] for m in client.get("/v1/media", params={"limit": 1}).json()["items"]] == [second["id"]]
    assert client.delete(f"/v1/media/{second['id']}").status_code == 204
    assert [m["id"] for m in client.get("/v1/media").json()["items"]] == [first["id"]]


# --- the log -------------------------------------------------------------------------------------
def _write_log(memory: Any, sha256: str, models: str, entries: list[LogEntry], *, complete: bool,
               resume_at_s: float) -> str:
    log_id = f"{sha256[:32]}-{models}"
    memory.begin_video_log(VideoLogMeta(log_id=log_id, source="x.mp4", duration_s=10.0, models=(models,)))
    memory.append_video_entries(log_id, entries, resume_at_s=resume_at_s)
    if complete:
        memory.finish_video_log(log_id, summary="a street with bicycles")
    return log_id


def test_log_not_indexed_then_partial_then_complete(logs_client: Any, memory: Any, bikes: Path) -> None:
    client = logs_client
    media = upload(client, bikes).json()
    empty = client.get(f"/v1/media/{media['id']}/log").json()
    assert empty == {"media_id": media["id"], "status": "not_indexed", "duration_s": 10.0, "indexed_s": 0.0,
                     "summary": "", "models": [], "entries": []}

    shots = [LogEntry(index=0, t_start=0.0, t_end=4.0, seen="a person; car", said="", ocr=""),
             LogEntry(index=1, t_start=4.0, t_end=7.56, seen="bicycle", said="look at that", ocr="STOP")]
    _write_log(memory, media["sha256"], "m-old", shots[:1], complete=False, resume_at_s=4.0)
    partial = client.get(f"/v1/media/{media['id']}/log").json()
    assert partial["status"] == "indexing" and partial["indexed_s"] == 4.0
    assert [e["seen"] for e in partial["entries"]] == ["a person; car"]

    _write_log(memory, media["sha256"], "m-new", shots, complete=True, resume_at_s=10.0)
    done = client.get(f"/v1/media/{media['id']}/log").json()  # the complete log wins over the partial one
    assert done["status"] == "complete" and done["summary"] == "a street with bicycles"
    assert done["models"] == ["m-new"] and done["indexed_s"] == 10.0
    second = done["entries"][1]
    assert second == {"index": 1, "t_start": 4.0, "t_end": 7.56, "seen": "bicycle", "said": "look at that",
                      "text_on_screen": "STOP", "frame_url": f"/v1/media/{media['id']}/frame?t=5.78"}
    # the frame_url of every shot is served
    for entry in done["entries"]:
        assert client.get(entry["frame_url"]).status_code == 200

    # another file's log (another content hash) is not this media's
    other = "f" * 64
    _write_log(memory, other, "m-x", shots, complete=True, resume_at_s=10.0)
    assert client.get(f"/v1/media/{media['id']}/log").json()["models"] == ["m-new"]


# --- frame_url on evidence -----------------------------------------------------------------------
def test_with_frame_urls_picks_the_media_of_each_item() -> None:
    media = {"/data/media/aaa.mp4": "a" * 32, "/data/media/bbb.mp4": "b" * 32}
    result = Result(answer="x", evidence=[
        Evidence(source="/data/media/bbb.mp4", t_start=12.0, t_end=14.5),  # by path
        Evidence(source="aaa.mp4", t_start=1.0, t_end=2.0),  # by file name
        Evidence(source="video_search", t_start=3.0, t_end=4.0),  # names no file, two media: unknown
        Evidence(source="memory", memory_id="m1", text="a fact"),  # untimed
    ])
    ev = with_frame_urls(result, media).evidence
    assert ev[0].frame_url == f"/v1/media/{'b' * 32}/frame?t=13.2"
    assert ev[1].frame_url == f"/v1/media/{'a' * 32}/frame?t=1.5"
    assert ev[2].frame_url is None and ev[3].frame_url is None
    # one media: a source that names no file is that video
    single = with_frame_urls(result, {"/data/media/aaa.mp4": "a" * 32}).evidence
    assert single[2].frame_url == f"/v1/media/{'a' * 32}/frame?t=3.5" and single[3].frame_url is None
    assert with_frame_urls(result, {}) == result


def test_frame_time() -> None:
    assert frame_time(12.0, 14.5) == 13.2
    assert frame_time(3.0, None) == 3.0 and frame_time(3.0, 3.0) == 3.0
    assert frame_time(None, 4.0) is None
    assert frame_url("ab", 13.25) == "/v1/media/ab/frame?t=13.25"


async def test_worker_result_carries_frame_urls(srv_settings: Settings, bikes: Path) -> None:
    """The real worker over the real queue: evidence of a run over one uploaded video gets the
    URL of that video's frame (the runner is injected; the planner runs in test_process.py)."""
    from collections.abc import AsyncIterator

    from sokrat.server.media import media_dir
    from sokrat.server.queue import MediaRow, TaskStore, make_async_client
    from sokrat.server.schemas import TaskOptions
    from sokrat.server.worker import TaskRun, Worker
    from sokrat.types import Event

    store = TaskStore(make_async_client(srv_settings.redis_url or ""), namespace=srv_settings.task_namespace)
    await store.ensure_group()
    media_id = uuid.uuid4().hex
    folder = media_dir(srv_settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{media_id}.mp4"
    shutil.copy(bikes, path)
    await store.add_media(MediaRow(id=media_id, owner="anonymous", kind="video", duration_s=10.0,
                                   bytes=path.stat().st_size, filename="bikes.mp4", sha256="", suffix=".mp4",
                                   path=str(path), created_at=time.time()))

    async def runner(run: TaskRun) -> AsyncIterator[Event]:
        ev = [Evidence(source=Path(run.media[0]).name, t_start=7.56, t_end=10.0, text="seen: bicycle"),
              Evidence(source="memory", memory_id="m1", text="noted")]
        yield Event.done(Result(answer="From 7.56 s", evidence=ev))

    task_id = await store.create_task("When does a bicycle appear?", [media_id], TaskOptions())
    w = Worker(srv_settings, runner=runner, store=store)
    import asyncio

    run = asyncio.create_task(w.run())
    try:
        async with asyncio.timeout(60):
            while (await store.get_task(task_id)).status != "succeeded":
                await asyncio.sleep(0.05)
    finally:
        w.stop()
        await asyncio.gather(run, return_exceptions=True)
    result = (await store.get_task(task_id)).result
    assert result is not None
    assert result.evidence[0].frame_url == f"/v1/media/{media_id}/frame?t=8.8"
    assert result.evidence[1].frame_url is None
    await store.close()
