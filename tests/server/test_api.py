"""The REST API on the real app and the real embedded Redis (TestClient; no worker runs here)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from sokrat.server.deps import get_prober
from sokrat.server.media import media_dir
from sokrat.server.queue import TaskStore, make_async_client
from sokrat.settings import Settings
from sokrat.types import Event


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """An error answer: the status, JSON `{"error": {"code", "message"}}`, no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) >= {"code", "message"}, body
    assert body["error"]["message"].strip()
    assert "Traceback" not in response.text and 'File "' not in response.text
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def with_store(settings: Settings, fn: Any) -> Any:
    """Run `fn(store)` on a TaskStore of its own (its own event loop and connection)."""
    async def go() -> Any:
        store = TaskStore(make_async_client(settings.redis_url or ""), namespace=settings.task_namespace)
        try:
            return await fn(store)
        finally:
            await store.close()
    return asyncio.run(go())


def upload(client: Any, path: Path, name: str | None = None) -> Any:
    with path.open("rb") as f:
        return client.post("/v1/media", files={"file": (name or path.name, f, "application/octet-stream")})


def leftovers(settings: Settings) -> list[str]:
    folder = media_dir(settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- health, auth, error shape -------------------------------------------------------------------
def test_healthz(client: Any) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_unknown_route_is_json_404(client: Any) -> None:
    assert_error(client.get("/v1/nope"), 404, "not_found")
    assert_error(client.delete("/healthz"), 405, "method_not_allowed")


def test_api_keys_guard_every_v1_call(make_client: Any) -> None:
    client = make_client(api_keys=["k-one", "k-two"])
    assert client.get("/healthz").status_code == 200  # probes stay open
    for method, url in [("get", "/v1/tasks"), ("post", "/v1/tasks"), ("get", "/v1/tasks/x"),
                        ("post", "/v1/media"), ("get", "/v1/tasks/x/events"), ("post", "/v1/tasks/x/cancel")]:
        r = getattr(client, method)(url)
        assert_error(r, 401, "unauthorized")
        assert r.headers["www-authenticate"] == "Bearer"
    assert_error(client.get("/v1/tasks", headers={"Authorization": "Bearer wrong"}), 401)
    assert_error(client.get("/v1/tasks", headers={"Authorization": "Basic k-one"}), 401)
    assert client.get("/v1/tasks", headers={"Authorization": "Bearer k-two"}).status_code == 200


def test_bug_is_500_json_without_traceback(make_client: Any, tmp_path: Path, caplog: Any) -> None:
    client = make_client()

    def broken_probe(path: Any, settings: Any) -> Any:
        raise RuntimeError("secret internal detail")

    client.app.dependency_overrides[get_prober] = lambda: broken_probe
    f = tmp_path / "a.mp4"
    f.write_bytes(b"x" * 100)
    with caplog.at_level("ERROR"):
        r = upload(client, f)
    assert_error(r, 500, "internal_error")
    assert "secret" not in r.text
    assert "secret internal detail" in caplog.text  # logged server-side only
    assert leftovers(client.app.state.settings) == []  # the upload is not kept


# --- media ---------------------------------------------------------------------------------------
def test_upload_real_video(client: Any, bikes: Path) -> None:
    r = upload(client, bikes)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) >= {"id", "kind", "duration_s", "bytes"}
    assert body["kind"] == "video"
    assert body["bytes"] == bikes.stat().st_size
    assert 5.0 < body["duration_s"] < 20.0
    assert "path" not in body
    stored = media_dir(client.app.state.settings) / f"{body['id']}.mp4"
    assert stored.read_bytes() == bikes.read_bytes()
    assert client.get(f"/v1/media/{body['id']}").json()["id"] == body["id"]


def test_upload_over_cap_is_413_and_keeps_nothing(make_client: Any, bikes: Path) -> None:
    client = make_client(max_upload_bytes=100_000)
    assert_error(upload(client, bikes), 413, "upload_too_large")  # rejected on Content-Length
    assert leftovers(client.app.state.settings) == []


def test_streamed_upload_over_cap_without_length_is_413(make_client: Any, bikes: Path) -> None:
    client = make_client(max_upload_bytes=100_000)
    boundary = "sokratboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bikes.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode()
    data = bikes.read_bytes()

    def chunks() -> Any:  # a generator body: chunked transfer, no Content-Length
        yield head
        for i in range(0, len(data), 32_768):
            yield data[i:i + 32_768]
        yield f"\r\n--{boundary}--\r\n".encode()

    r = client.post("/v1/media", content=chunks(), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert_error(r, 413, "upload_too_large")
    assert leftovers(client.app.state.settings) == []


def faststart_copy(src: Path, dest: Path) -> Path:
    """``src`` remuxed with its index (moov) first, as web encoders write MP4s."""
    import av

    with av.open(str(src)) as inp, av.open(str(dest), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return dest


def test_corrupt_upload_is_422_and_removed(client: Any, tmp_path: Path, bikes: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"definitely not a video " * 500)
    assert_error(upload(client, junk), 422, "bad_media")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(bikes.read_bytes()[:4000])  # its index is at the end: it does not even probe
    assert_error(upload(client, cut), 422, "bad_media")
    # index first, then cut 2 kB into the media data: it probes (10 s of video) but no frame decodes
    whole = faststart_copy(bikes, tmp_path / "faststart.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(whole[: whole.index(b"mdat") + 2000])
    err = assert_error(upload(client, truncated), 422, "bad_media")
    assert "truncated" in err["message"] and str(tmp_path) not in err["message"]
    assert upload(client, tmp_path / "faststart.mp4").status_code == 201  # the intact copy is fine
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert_error(upload(client, empty), 422)
    names = leftovers(client.app.state.settings)
    assert not [n for n in names if n.endswith(".part")]
    assert len(names) == 1


def test_upload_needs_multipart_file(client: Any) -> None:
    assert_error(client.post("/v1/media", content=b"raw", headers={"Content-Type": "video/mp4"}), 422, "invalid_input")
    assert_error(client.post("/v1/media", data={"other": "x"}), 422, "invalid_input")
    assert_error(client.get("/v1/media/nope"), 404, "not_found")


# --- tasks ---------------------------------------------------------------------------------------
def test_task_validation(client: Any) -> None:
    assert_error(client.post("/v1/tasks", json={"goal": ""}), 422, "invalid_request")
    assert_error(client.post("/v1/tasks", json={"goal": "   "}), 422, "invalid_request")
    assert_error(client.post("/v1/tasks", json={}), 422, "invalid_request")
    assert_error(client.post("/v1/tasks", content=b"{not json", headers={"Content-Type": "application/json"}), 422)
    assert_error(client.post("/v1/tasks", json={"goal": "g", "colour": "red"}), 422, "invalid_request")
    assert_error(client.post("/v1/tasks", json={"goal": "g", "options": {"max_steps": 0}}), 422)
    assert_error(client.post("/v1/tasks", json={"goal": "g", "options": {"temperature": 2}}), 422)
    err = assert_error(client.post("/v1/tasks", json={"goal": "g", "media": ["nope"]}), 422, "invalid_input")
    assert "nope" in err["message"]


def test_unknown_task_ids(client: Any) -> None:
    assert_error(client.get("/v1/tasks/abc"), 404, "not_found")
    assert_error(client.post("/v1/tasks/abc/cancel"), 404, "not_found")
    assert_error(client.get("/v1/tasks/abc/events"), 404, "not_found")
    assert_error(client.get("/v1/tasks?status=weird"), 422)
    assert_error(client.get("/v1/tasks?limit=0"), 422)
    assert_error(client.get("/v1/tasks?cursor=abc"), 422)


def test_create_get_and_page(client: Any, bikes: Path) -> None:
    media_id = upload(client, bikes).json()["id"]
    ids = []
    for i in range(5):
        r = client.post("/v1/tasks", json={"goal": f"goal {i}", "media": [media_id], "options": {"max_steps": 4}})
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "queued"
        ids.append(r.json()["id"])
    task = client.get(f"/v1/tasks/{ids[0]}").json()
    assert task["goal"] == "goal 0" and task["media"] == [media_id] and task["status"] == "queued"
    assert task["options"]["max_steps"] == 4 and task["result"] is None and "paths" not in task

    seen, cursor, pages = [], None, 0
    while True:
        r = client.get("/v1/tasks", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        page = r.json()
        seen += [t["id"] for t in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        # a task created between pages must not shift the pages (cursor is keyset, not offset)
        if pages == 1:
            extra = client.post("/v1/tasks", json={"goal": "late"}).json()["id"]
    assert pages == 3
    assert seen == list(reversed(ids))  # newest first, each once
    assert client.get("/v1/tasks", params={"limit": 1}).json()["items"][0]["id"] == extra

    assert client.post(f"/v1/tasks/{ids[1]}/cancel").json()["status"] == "cancelled"
    cancelled = client.get("/v1/tasks", params={"status": "cancelled"}).json()["items"]
    assert [t["id"] for t in cancelled] == [ids[1]]
    queued = {t["id"] for t in client.get("/v1/tasks", params={"status": "queued", "limit": 50}).json()["items"]}
    assert ids[1] not in queued and ids[0] in queued


def test_cancel_queued_task_ends_it_with_a_done_event(client: Any) -> None:
    task_id = client.post("/v1/tasks", json={"goal": "never mind"}).json()["id"]
    task = client.post(f"/v1/tasks/{task_id}/cancel").json()
    assert task["status"] == "cancelled" and task["cancel_requested"] is True
    assert task["result"]["status"] == "cancelled"
    assert_error(client.post(f"/v1/tasks/{task_id}/cancel"), 409, "conflict")
    with client.stream("GET", f"/v1/tasks/{task_id}/events") as r:
        assert r.status_code == 200
        events = parse_sse(r.iter_lines())
    assert [e["event"] for e in events] == ["done"]
    assert json.loads(events[0]["data"])["data"]["result"]["status"] == "cancelled"


def parse_sse(lines: Any) -> list[dict[str, str]]:
    """SSE frames as dicts (id, event, data), stopping after `done`."""
    events: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    for line in lines:
        if not line:
            if cur.get("event") or cur.get("data"):
                events.append(cur)
                if cur.get("event") == "done":
                    break
            cur = {}
            continue
        if line.startswith(":"):
            continue
        key, _, value = line.partition(":")
        cur[key] = cur.get(key, "") + value.lstrip(" ")
    return events


def test_events_replay_and_last_event_id(client: Any, srv_settings: Settings) -> None:
    task_id = client.post("/v1/tasks", json={"goal": "replay"}).json()["id"]

    async def write(store: TaskStore) -> None:
        for i in range(3):
            await store.append_event(task_id, Event(type="step_started", step=i, data={"i": i}))
        await store.append_event(task_id, Event(type="done", data={"result": {"answer": "ok", "status": "succeeded"}}))

    with_store(srv_settings, write)
    with client.stream("GET", f"/v1/tasks/{task_id}/events") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        events = parse_sse(r.iter_lines())
    assert [e["event"] for e in events] == ["step_started"] * 3 + ["done"]
    assert [json.loads(e["data"])["step"] for e in events[:3]] == [0, 1, 2]
    # a late subscriber resuming after the second event gets the rest only
    with client.stream("GET", f"/v1/tasks/{task_id}/events", headers={"Last-Event-ID": events[1]["id"]}) as r:
        rest = parse_sse(r.iter_lines())
    assert [e["id"] for e in rest] == [events[2]["id"], events[3]["id"]]
    assert_error(client.get(f"/v1/tasks/{task_id}/events", headers={"Last-Event-ID": "garbage"}), 422)


# --- readiness and a dead Redis -------------------------------------------------------------------
def test_dead_redis_is_503_json(make_client: Any, srv_settings: Settings, tmp_path: Path) -> None:
    dead = srv_settings.model_copy(update={"redis_url": f"unix://{tmp_path}/no-such.sock",
                                           "llm_base_url": "http://127.0.0.1:9/v1"})
    client = make_client(dead)
    assert_error(client.post("/v1/tasks", json={"goal": "g"}), 503, "redis_unavailable")
    assert_error(client.get("/v1/tasks"), 503, "redis_unavailable")
    err = assert_error(client.get("/readyz"), 503, "not_ready")
    assert "Redis" in err["message"]
    assert client.get("/healthz").status_code == 200


def test_readyz_reports_models(make_client: Any) -> None:
    # the dev install carries the offline embedder pack, so this machine must be ready
    client = make_client(llm_base_url="http://user:pw-secret@127.0.0.1:9/v1")
    r = client.get("/readyz")
    body = r.json()
    assert r.status_code == 200, body
    assert body["checks"]["redis"] == "ok"
    assert set(body["checks"]["models"]) == {"planner", "embedder"}
    assert "pw-secret" not in r.text and "127.0.0.1" not in r.text  # /readyz is public
    bad = make_client(llm_base_url=None, llm_model="/nonexistent/planner", llm_hub_id="")
    err = assert_error(bad.get("/readyz"), 503, "not_ready")
    assert "planner" in err["message"] and "SOKRAT_LLM_MODEL" in err["message"]
