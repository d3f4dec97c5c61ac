"""Artifacts and video logs against the real embedded Redis (no model weights needed)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sokrat.errors import DimensionMismatch, InvalidInput, NotFound
from sokrat.memory import LogEntry, RedisMemory, VideoLogMeta


def _unit(rng: np.random.Generator, dim: int) -> np.ndarray:
    v = rng.standard_normal(dim).astype(np.float32)
    return v / np.linalg.norm(v)


# --- artifacts ---------------------------------------------------------------------------------
def test_artifact_roundtrip_and_partial_reads(memory: RedisMemory) -> None:
    content = "".join(f"line {i:05d}\n" for i in range(5000))
    handle = memory.put_artifact(content, metadata={"tool": "code"})
    assert handle.startswith("artifact:")
    assert memory.get_artifact(handle) == content
    assert memory.get_artifact(handle, start=11, length=11) == content[11:22]
    assert memory.get_artifact(handle, start=len(content) - 5) == content[-5:]
    assert memory.get_artifact(handle, start=len(content) + 10) == ""
    assert memory.get_artifact(handle, start=3, length=0) == ""
    assert memory.artifact_info(handle)["chars"] == len(content)
    assert memory.artifact_info(handle)["metadata"] == {"tool": "code"}


def test_artifact_non_ascii_slices_by_character(memory: RedisMemory) -> None:
    content = "héllo wörld — 猫がいます " * 100
    handle = memory.put_artifact(content)
    assert memory.get_artifact(handle, start=7, length=9) == content[7:16]
    assert memory.get_artifact(handle) == content


def test_unknown_or_bad_handles(memory: RedisMemory) -> None:
    with pytest.raises(NotFound, match="artifact:"):
        memory.get_artifact("artifact:" + "0" * 32)
    with pytest.raises(NotFound, match="not an artifact handle"):
        memory.get_artifact("memory:123")
    handle = memory.put_artifact("abc")
    with pytest.raises(InvalidInput):
        memory.get_artifact(handle, start=-1)


def test_artifact_ttl(memory: RedisMemory) -> None:
    handle = memory.put_artifact("short-lived", ttl_s=0.3)
    assert memory.get_artifact(handle) == "short-lived"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            memory.get_artifact(handle)
        except NotFound:
            break
        time.sleep(0.1)
    with pytest.raises(NotFound):
        memory.get_artifact(handle)


def test_artifacts_are_isolated_by_prefix(memory: RedisMemory, settings) -> None:  # type: ignore[no-untyped-def]
    handle = memory.put_artifact("mine")
    other = RedisMemory(settings=settings, prefix=memory.prefix + "-other")
    try:
        with pytest.raises(NotFound):
            other.get_artifact(handle)
    finally:
        other.clear()
        other.close()


# --- video logs ---------------------------------------------------------------------------------
def _entries(rng: np.random.Generator, start: int, n: int, *, image_dim: int | None = 16) -> list[LogEntry]:
    return [
        LogEntry(index=i, t_start=i * 10.0, t_end=i * 10.0 + 10.0, seen=f"scene {i}", said=f"words {i}",
                 ocr="", models=("tagger", "whisper"),
                 text_embedding=_unit(rng, 384).tolist(),
                 image_embedding=_unit(rng, image_dim).tolist() if image_dim else None)
        for i in range(start, start + n)
    ]


def test_video_log_lifecycle(memory: RedisMemory) -> None:
    rng = np.random.default_rng(0)
    meta = VideoLogMeta(log_id="abc123-m1", source="kitchen.mp4", duration_s=60.0, models=("tagger",))
    assert memory.video_log("abc123-m1") is None
    assert memory.begin_video_log(meta) == meta
    first = _entries(rng, 0, 3)
    memory.append_video_entries("abc123-m1", first, resume_at_s=30.0)
    got = memory.video_log("abc123-m1")
    assert (got.status, got.entries, got.resume_at_s) == ("partial", 3, 30.0)

    # An interrupted indexer resumes: begin returns the existing header (not a reset one).
    resumed = memory.begin_video_log(meta)
    assert resumed.resume_at_s == 30.0 and resumed.entries == 3
    second = _entries(rng, 3, 3)
    memory.append_video_entries("abc123-m1", second, resume_at_s=60.0)
    # Re-appending an entry already stored (a repeated chunk) does not double count.
    memory.append_video_entries("abc123-m1", second[-1:], resume_at_s=60.0)
    done = memory.finish_video_log("abc123-m1", summary="a kitchen")
    assert (done.status, done.summary, done.entries, done.resume_at_s) == ("complete", "a kitchen", 6, 60.0)

    entries = memory.video_entries("abc123-m1")
    assert [e.index for e in entries] == list(range(6))
    assert entries[4].seen == "scene 4" and entries[4].models == ("tagger", "whisper")
    np.testing.assert_allclose(entries[4].text_embedding, second[1].text_embedding, rtol=1e-6)
    np.testing.assert_allclose(entries[4].image_embedding, second[1].image_embedding, rtol=1e-6)


def test_search_video_is_filtered_to_one_log(memory: RedisMemory) -> None:
    rng = np.random.default_rng(1)
    for log_id in ("log-a", "log-b"):
        memory.begin_video_log(VideoLogMeta(log_id=log_id, source=f"{log_id}.mp4", duration_s=50))
        memory.append_video_entries(log_id, _entries(rng, 0, 5), resume_at_s=50)
    target = memory.video_entries("log-b")[2]
    hits = memory.search_video("log-b", target.text_embedding, k=3)
    assert hits[0][0].index == 2 and hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    assert memory.search_video("log-a", target.text_embedding, k=5)[0][1] < 0.5  # random vectors
    img_hits = memory.search_video("log-b", target.image_embedding, field="image", k=1)
    assert img_hits[0][0].index == 2
    assert memory.search_video("missing-log", target.text_embedding) == []


def test_image_index_dim_comes_from_first_vectors(memory: RedisMemory) -> None:
    rng = np.random.default_rng(2)
    memory.begin_video_log(VideoLogMeta(log_id="clip512", source="x.mp4", duration_s=20))
    memory.append_video_entries("clip512", _entries(rng, 0, 2, image_dim=512), resume_at_s=20)
    e = memory.video_entries("clip512")[1]
    assert memory.search_video("clip512", e.image_embedding, field="image", k=1)[0][0].index == 1
    with pytest.raises(DimensionMismatch, match="512"):
        memory.search_video("clip512", [0.1] * 16, field="image")


def test_failed_chunk_writes_nothing(memory: RedisMemory) -> None:
    rng = np.random.default_rng(3)
    memory.begin_video_log(VideoLogMeta(log_id="v1", source="v.mp4", duration_s=40))
    memory.append_video_entries("v1", _entries(rng, 0, 2), resume_at_s=20)
    bad = _entries(rng, 2, 2)
    bad[1] = LogEntry(index=3, t_start=30, t_end=40, text_embedding=[0.5] * 100)  # wrong dim
    with pytest.raises(DimensionMismatch):
        memory.append_video_entries("v1", bad, resume_at_s=40)
    meta = memory.video_log("v1")
    assert (meta.entries, meta.resume_at_s) == (2, 20)
    assert [e.index for e in memory.video_entries("v1")] == [0, 1]
    with pytest.raises(NotFound):
        memory.append_video_entries("never-begun", _entries(rng, 0, 1), resume_at_s=10)


def test_delete_video_log_removes_everything(memory: RedisMemory) -> None:
    rng = np.random.default_rng(4)
    memory.begin_video_log(VideoLogMeta(log_id="gone", source="g.mp4", duration_s=30))
    memory.begin_video_log(VideoLogMeta(log_id="kept", source="k.mp4", duration_s=30))
    memory.append_video_entries("gone", _entries(rng, 0, 3), resume_at_s=30)
    memory.append_video_entries("kept", _entries(rng, 0, 2), resume_at_s=20)
    memory.delete_video_log("gone")
    assert memory.video_log("gone") is None
    assert memory.video_entries("gone") == []
    assert list(memory.client.scan_iter(match=f"{memory.prefix}:*gone*")) == []
    assert memory.search_video("gone", [0.1] * 384) == []
    assert len(memory.video_entries("kept")) == 2


def test_info(memory: RedisMemory) -> None:
    info = memory.info()
    assert info["embedded"] is False  # the test server is passed as REDIS_URL
    assert info["url"].startswith("unix://")
    assert "search" in info["modules"] and "ReJSON" in info["modules"]
    assert info["version"] and info["prefix"] == memory.prefix
