"""Issue 10's defects, each probed as a hostile but realistic client would, against a real
`sokrat serve` process (and a real worker where a task must run) on the real embedded Redis.

One server per module (keys for alice, bob, dave, an admin; a fast key refresh) serves the
tests that need no special settings; the others start their own.
"""

from __future__ import annotations

import hashlib
import json
import select
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.procs import (
    CLI,
    Procs,
    base_env,
    bearer,
    follow,
    rss_bytes,
    start_server,
    wait_for,
)
from tests.server.scripted_llm import free_port
from tests.server.test_api import assert_error

pytestmark = [pytest.mark.server]

ALICE, BOB, DAVE, ADMIN = "k-alice-0123456789", "k-bob-0123456789", "k-dave-0123456789", "k-admin-0123456789"
MB = 1024 * 1024


@dataclass
class Server:
    base: str
    procs: Procs
    proc: Any
    env: dict[str, str]
    data: Path

    def log(self) -> str:
        return Path(self.proc.log_path).read_text(errors="replace")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], env=self.env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def srv(redis_url: str, tmp_path_factory: pytest.TempPathFactory, real_cache_dir: Path) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("hardening")
    env = base_env(redis_url, tmp / "data", real_cache_dir)
    env.update({
        # bob's key is given as its hash only: the server never sees it in the clear
        "SOKRAT_API_KEYS": f"{ALICE},sha256:{hashlib.sha256(BOB.encode()).hexdigest()},{DAVE}",
        "SOKRAT_ADMIN_KEYS": ADMIN,
        "SOKRAT_API_KEY_REFRESH_S": "0.3",
        "SOKRAT_MAX_UPLOAD_BYTES": str(2 * MB),
        "SOKRAT_AUTH_FAIL_LIMIT": "100000/second",  # wrong keys are probed here; throttling: test_throttle.py
    })
    procs = Procs(tmp, env)
    try:
        base = start_server(procs)
        yield Server(base=base, procs=procs, proc=procs.started[0], env=env, data=tmp / "data")
    finally:
        procs.close()


def upload(base: str, path: Path, key: str, name: str | None = None) -> httpx.Response:
    with path.open("rb") as f:
        return httpx.post(f"{base}/v1/media", files={"file": (name or path.name, f, "video/mp4")},
                          headers=bearer(key), timeout=60)


def task(base: str, key: str, **body: Any) -> httpx.Response:
    return httpx.post(f"{base}/v1/tasks", json={"goal": "g", **body}, headers=bearer(key), timeout=30)


def raw_request(base: str, head: bytes, body_chunks: Iterator[bytes]) -> bytes:
    """Send a request over a raw socket, stop sending as soon as the server answers, and
    return what it answered (status line first)."""
    host, port = base.removeprefix("http://").split(":")
    reply = b""
    with socket.create_connection((host, int(port)), timeout=60) as s:
        s.sendall(head)
        for chunk in body_chunks:
            if select.select([s], [], [], 0)[0]:
                break  # the server has answered (or closed): stop sending
            try:
                s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        def complete() -> bool:
            head, sep, body = reply.partition(b"\r\n\r\n")
            if not sep:
                return False
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            return len(body) >= length

        while not complete():
            try:
                data = s.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            reply += data
    return reply


def zeros(total: int, size: int = MB) -> Iterator[bytes]:
    for _ in range(total // size):
        yield b"0" * size


# --- 1. key before body, every body capped --------------------------------------------------------
def test_a_big_body_without_key_is_refused_before_it_is_read(srv: Server) -> None:
    before = rss_bytes(srv.proc.pid)
    size = 200 * MB
    head = (f"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    reply = raw_request(srv.base, head, zeros(size))
    assert reply.startswith(b"HTTP/1.1 401"), reply[:200]
    chunked = (b"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
    reply = raw_request(srv.base, chunked, (b"%x\r\n%s\r\n" % (len(c), c) for c in zeros(size)))
    assert reply.startswith(b"HTTP/1.1 401"), reply[:200]
    grown = rss_bytes(srv.proc.pid) - before
    assert grown < 40 * MB, f"the server grew by {grown / MB:.0f} MB on bodies it should not have read"


def test_every_body_is_capped_even_with_a_key(srv: Server) -> None:
    before = rss_bytes(srv.proc.pid)
    big = json.dumps({"goal": "x" * (5 * MB)}).encode()
    r = httpx.post(f"{srv.base}/v1/tasks", content=big, headers={**bearer(ALICE), "Content-Type": "application/json"},
                   timeout=60)
    err = assert_error(r, 413, "payload_too_large")
    assert "SOKRAT_MAX_JSON_BYTES" in err["message"]
    head = (b"POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Authorization: Bearer " + ALICE.encode() + b"\r\nTransfer-Encoding: chunked\r\n\r\n")
    reply = raw_request(srv.base, head, (b"%x\r\n%s\r\n" % (len(c), c) for c in zeros(100 * MB)))
    assert reply.startswith(b"HTTP/1.1 413"), reply[:300]
    upload_head = (b"POST /v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                   b"Authorization: Bearer " + ALICE.encode() + b"\r\nContent-Length: 50000000\r\n\r\n")
    reply = raw_request(srv.base, upload_head, zeros(50 * MB))
    assert reply.startswith(b"HTTP/1.1 413") and b"upload_too_large" in reply, reply[:300]
    assert rss_bytes(srv.proc.pid) - before < 40 * MB


# --- 2. owners per key ----------------------------------------------------------------------------
def test_keys_own_their_tasks_and_media(srv: Server, bikes: Path) -> None:
    media = upload(srv.base, bikes, ALICE)
    assert media.status_code == 201, media.text
    media_id = media.json()["id"]
    owner = media.json()["owner"]
    assert owner == f"key-{hashlib.sha256(ALICE.encode()).hexdigest()[:12]}"
    r = task(srv.base, ALICE, media=[media_id])
    assert r.status_code == 202, r.text
    task_id = r.json()["id"]

    h = bearer(BOB)
    for method, url in [("GET", f"/v1/tasks/{task_id}"), ("GET", f"/v1/tasks/{task_id}/events"),
                        ("POST", f"/v1/tasks/{task_id}/cancel"), ("DELETE", f"/v1/tasks/{task_id}"),
                        ("GET", f"/v1/media/{media_id}"), ("GET", f"/v1/media/{media_id}/content"),
                        ("DELETE", f"/v1/media/{media_id}")]:
        assert_error(httpx.request(method, srv.base + url, headers=h, timeout=30), 404, "not_found")
    listed = httpx.get(f"{srv.base}/v1/tasks", params={"limit": 200}, headers=h, timeout=30).json()["items"]
    assert task_id not in [t["id"] for t in listed]
    # bob cannot start a task on alice's upload: it is unknown to him
    err = assert_error(task(srv.base, BOB, media=[media_id]), 422, "invalid_input")
    assert media_id in err["message"]

    mine = httpx.get(f"{srv.base}/v1/tasks", params={"limit": 200}, headers=bearer(ALICE), timeout=30).json()
    assert task_id in [t["id"] for t in mine["items"]]
    assert {t["owner"] for t in mine["items"]} == {owner}
    got = httpx.get(f"{srv.base}/v1/tasks/{task_id}", headers=bearer(ALICE), timeout=30).json()
    assert got["goal"] == "g" and got["media"] == [media_id]
    # the admin key sees everyone's, and alice's task and media are still intact
    admin = httpx.get(f"{srv.base}/v1/tasks", params={"limit": 200}, headers=bearer(ADMIN), timeout=30).json()
    assert task_id in [t["id"] for t in admin["items"]]
    assert httpx.get(f"{srv.base}/v1/media/{media_id}", headers=bearer(ADMIN), timeout=30).status_code == 200
    content = httpx.get(f"{srv.base}/v1/media/{media_id}/content", headers=bearer(ALICE), timeout=30)
    assert content.status_code == 200 and content.content == bikes.read_bytes()


def _redis_values(env: dict[str, str]) -> bytes:
    """Every key name and string/hash/set value of the server's namespace, concatenated."""
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"])
    out = []
    ns = env["SOKRAT_TASK_NAMESPACE"]
    names = [*client.scan_iter(match=f"{ns}:*"), *client.scan_iter(match=f"{{{ns}:*")]  # rows, shared keys
    assert any(n.startswith(b"{") for n in names)  # the API keys' hash is among them
    for name in names:
        out.append(name)
        kind = client.type(name)
        if kind == b"hash":
            out += [x for kv in client.hgetall(name).items() for x in kv]
        elif kind == b"set":
            out += list(client.smembers(name))
        elif kind == b"string":
            out.append(client.get(name) or b"")
    client.close()
    return b"\n".join(out)


def test_managed_keys_are_stored_hashed_and_revocable(srv: Server) -> None:
    made = srv.cli("keys", "create", "--owner", "carol", "--json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    wait_for(lambda: httpx.get(f"{srv.base}/v1/tasks", headers=bearer(key), timeout=10).status_code == 200,
             "the server to accept a key made with `sokrat keys create`", 60)
    r = task(srv.base, key)
    assert r.status_code == 202
    assert httpx.get(f"{srv.base}/v1/tasks/{r.json()['id']}", headers=bearer(key), timeout=10).json()["owner"] == "carol"
    stored = _redis_values(srv.env)
    assert hashlib.sha256(key.encode()).hexdigest().encode() in stored
    assert key.encode() not in stored, "a key is stored in the clear"

    assert srv.cli("keys", "revoke", key).returncode == 0
    wait_for(lambda: httpx.get(f"{srv.base}/v1/tasks", headers=bearer(key), timeout=10).status_code == 401,
             "the revoked key to be refused", 60)
    # a key from SOKRAT_API_KEYS is revoked the same way, without a restart
    assert httpx.get(f"{srv.base}/v1/tasks", headers=bearer(DAVE), timeout=10).status_code == 200
    assert srv.cli("keys", "revoke", DAVE).returncode == 0
    wait_for(lambda: httpx.get(f"{srv.base}/v1/tasks", headers=bearer(DAVE), timeout=10).status_code == 401,
             "the revoked environment key to be refused", 60)
    listed = json.loads(srv.cli("keys", "list", "--json").stdout)
    assert hashlib.sha256(DAVE.encode()).hexdigest() in listed["revoked"]
    assert DAVE.encode() not in _redis_values(srv.env)


# --- 4. upload names, the `file` part, disconnects ------------------------------------------------------
@pytest.mark.parametrize("name", ["café.mp4", "видео.mp4", "視頻 テスト.mp4", "🎥 clip.mp4", 'quote".mp4'])
def test_non_ascii_upload_names_round_trip(srv: Server, bikes: Path, name: str) -> None:
    r = upload(srv.base, bikes, ALICE, name=name)
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == name
    got = httpx.get(f"{srv.base}/v1/media/{r.json()['id']}", headers=bearer(ALICE), timeout=30).json()
    assert got["filename"] == name
    assert (srv.data / "media" / f"{r.json()['id']}.mp4").is_file()


def test_only_the_part_named_file_is_taken(srv: Server, bikes: Path) -> None:
    data = bikes.read_bytes()
    files = [("other", ("decoy.mp4", b"not a video at all" * 100, "video/mp4")), ("file", ("bikes.mp4", data, "video/mp4"))]
    r = httpx.post(f"{srv.base}/v1/media", files=files, headers=bearer(ALICE), timeout=60)
    assert r.status_code == 201, r.text
    assert r.json()["filename"] == "bikes.mp4" and r.json()["sha256"] == hashlib.sha256(data).hexdigest()
    only_other = [("video", ("bikes.mp4", data, "video/mp4"))]
    err = assert_error(httpx.post(f"{srv.base}/v1/media", files=only_other, headers=bearer(ALICE), timeout=60),
                       422, "invalid_input")
    assert "'file'" in err["message"]


def test_client_disconnect_mid_upload_is_logged_quietly(srv: Server, bikes: Path) -> None:
    host, port = srv.base.removeprefix("http://").split(":")
    data = bikes.read_bytes()
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.mp4\"\r\n\r\n" + data)
    marker = len(srv.log())
    with socket.create_connection((host, int(port)), timeout=30) as s:
        s.sendall(b"POST /v1/media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ALICE.encode()
                  + b"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: %d\r\n\r\n" % (len(body) + 1000))
        s.sendall(body[: len(body) // 2])
        time.sleep(0.5)  # let the server start writing the part
    wait_for(lambda: "disconnected" in srv.log()[marker:], "the server to log the disconnect", 60)
    tail = srv.log()[marker:]
    assert "Traceback" not in tail and " 500" not in tail and "ERROR" not in tail, tail
    wait_for(lambda: not list((srv.data / "media").glob(".*.part")), "the partial upload to be removed", 30)


# --- 5. nothing internal in errors ----------------------------------------------------------------------
def test_bad_media_error_names_the_upload_not_a_temp_path(srv: Server, tmp_path: Path) -> None:
    junk = tmp_path / "clip.mp4"
    junk.write_bytes(b"definitely not a video " * 500)
    err = assert_error(upload(srv.base, junk, ALICE, name="clip.mp4"), 422, "bad_media")
    assert "clip.mp4" in err["message"]
    for leak in (str(srv.data), "/tmp", ".part", str(Path.home())):
        assert leak not in err["message"], err


# --- 6. SSE ids ------------------------------------------------------------------------------------------
def test_sse_ids_beyond_64_bits_are_a_clean_422(srv: Server) -> None:
    task_id = task(srv.base, ALICE).json()["id"]
    marker = len(srv.log())
    url = f"{srv.base}/v1/tasks/{task_id}/events"
    for bad in ("18446744073709551616-0", "1-18446744073709551616", "99999999999999999999-0"):  # well-formed, > 2^64
        assert_error(httpx.get(url, headers={**bearer(ALICE), "Last-Event-ID": bad}, timeout=30), 422, "invalid_input")
        assert_error(httpx.get(url, params={"after": bad}, headers=bearer(ALICE), timeout=30), 422, "invalid_input")
    for bad in ("999999999999999999999999", "-1", "1-2-3", "null"):  # not an id at all
        assert_error(httpx.get(url, headers={**bearer(ALICE), "Last-Event-ID": bad}, timeout=30), 422)
    assert httpx.post(f"{url.rsplit('/', 1)[0]}/cancel", headers=bearer(ALICE), timeout=30).status_code == 200
    events = follow(srv.base, task_id, headers={**bearer(ALICE), "Last-Event-ID": "18446744073709551615-0"})
    assert [e["event"] for e in events] == ["done"]  # nothing after the largest id: the result is synthesised
    tail = srv.log()[marker:]
    assert "Traceback" not in tail and " 500" not in tail, tail


# --- 8. DELETE --------------------------------------------------------------------------------------------
def test_delete_tasks_and_media(srv: Server, bikes: Path) -> None:
    media_id = upload(srv.base, bikes, ALICE).json()["id"]
    task_id = task(srv.base, ALICE, media=[media_id]).json()["id"]
    url = f"{srv.base}/v1/tasks/{task_id}"
    assert_error(httpx.delete(url, headers=bearer(ALICE), timeout=30), 409, "conflict")  # still queued
    assert httpx.post(f"{url}/cancel", headers=bearer(ALICE), timeout=30).status_code == 200
    assert_error(httpx.delete(url, headers=bearer(BOB), timeout=30), 404)
    assert httpx.delete(url, headers=bearer(ALICE), timeout=30).status_code == 204
    assert_error(httpx.get(url, headers=bearer(ALICE), timeout=30), 404)
    assert_error(httpx.get(f"{url}/events", headers=bearer(ALICE), timeout=30), 404)
    stored = srv.data / "media" / f"{media_id}.mp4"
    assert stored.is_file()
    assert httpx.delete(f"{srv.base}/v1/media/{media_id}", headers=bearer(ALICE), timeout=30).status_code == 204
    assert not stored.exists()
    assert_error(httpx.get(f"{srv.base}/v1/media/{media_id}", headers=bearer(ALICE), timeout=30), 404)
    assert_error(task(srv.base, ALICE, media=[media_id]), 422, "invalid_input")


def test_finished_tasks_and_media_expire(procs: Procs, bikes: Path, tmp_path: Path) -> None:
    base = start_server(procs, SOKRAT_TASK_RETENTION_S="2", SOKRAT_MEDIA_RETENTION_S="4")
    with bikes.open("rb") as f:
        media = httpx.post(f"{base}/v1/media", files={"file": ("bikes.mp4", f, "video/mp4")}, timeout=60).json()
    assert media["expires_at"] == pytest.approx(media["created_at"] + 4, abs=0.01)
    done_id = httpx.post(f"{base}/v1/tasks", json={"goal": "done soon"}, timeout=30).json()["id"]
    kept_id = httpx.post(f"{base}/v1/tasks", json={"goal": "still queued"}, timeout=30).json()["id"]
    cancelled = httpx.post(f"{base}/v1/tasks/{done_id}/cancel", timeout=30).json()
    assert cancelled["expires_at"] == pytest.approx(cancelled["finished_at"] + 2, abs=0.5)
    wait_for(lambda: httpx.get(f"{base}/v1/tasks/{done_id}", timeout=30).status_code == 404,
             "the finished task to expire", 60)
    stored = tmp_path / "data" / "media" / f"{media['id']}.mp4"
    wait_for(lambda: not stored.exists(), "the media file to expire", 60)
    assert httpx.get(f"{base}/v1/media/{media['id']}", timeout=30).status_code == 404
    assert httpx.get(f"{base}/v1/tasks/{kept_id}", timeout=30).json()["status"] == "queued"  # unfinished: kept
    listed = [t["id"] for t in httpx.get(f"{base}/v1/tasks", timeout=30).json()["items"]]
    assert listed == [kept_id]


# --- 5. secrets and Redis internals ------------------------------------------------------------------
def test_llm_credentials_and_paths_never_reach_the_answer(procs: Procs, bikes: Path, tmp_path: Path) -> None:
    secret, api_key = "s3cret-pw-7781", "sk-llm-supersecret-key"
    dead = f"http://agent:{secret}@127.0.0.1:{free_port()}/v1"
    llm_env = {"SOKRAT_LLM_BASE_URL": dead, "SOKRAT_LLM_API_KEY": api_key, "SOKRAT_LLM_TIMEOUT_S": "5"}
    base = start_server(procs, SOKRAT_API_KEYS=ALICE, **llm_env)
    worker = procs.start("worker", "worker", SOKRAT_API_KEYS=ALICE, **llm_env)
    media_id = upload(base, bikes, ALICE, name="kitchen.mp4").json()["id"]
    task_id = task(base, ALICE, goal="When does a rickshaw appear?", media=[media_id]).json()["id"]
    events = follow(base, task_id, headers=bearer(ALICE))
    final = httpx.get(f"{base}/v1/tasks/{task_id}", headers=bearer(ALICE), timeout=30)
    result = final.json()["result"]
    assert result["status"] == "failed" and result["reason"], (result, procs.log(worker))
    everything = json.dumps(events) + final.text
    for leak in (secret, api_key, str(tmp_path), "/tmp/", str(Path.home()) + "/"):
        assert leak not in everything, f"{leak!r} leaked: {everything[:3000]}"
    assert "kitchen.mp4" in json.dumps(events[0])  # the media shows under the name the user gave it
    assert "***@127.0.0.1" in everything  # the URL is still named, without its credentials


def test_redis_socket_path_is_not_in_503s_or_readyz(procs: Procs, tmp_path: Path) -> None:
    sock = tmp_path / "nowhere" / "redis.sock"
    base = start_server(procs, REDIS_URL=f"unix://{sock}", SOKRAT_LLM_BASE_URL="http://127.0.0.1:9/v1")
    ready = httpx.get(f"{base}/readyz", timeout=60)
    assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
    posted = httpx.post(f"{base}/v1/tasks", json={"goal": "g"}, timeout=60)
    assert_error(posted, 503, "redis_unavailable")
    listed = httpx.get(f"{base}/v1/tasks", timeout=60)
    assert listed.status_code == 503
    for body in (ready.text, posted.text, listed.text):
        assert "redis.sock" not in body and str(tmp_path) not in body and "/tmp" not in body, body


def test_readyz_names_no_path_with_the_embedded_redis(procs: Procs, tmp_path: Path) -> None:
    """With the embedded Redis (a socket in the data dir) and a planner that does not
    resolve, the public /readyz says what is wrong without naming a path."""
    from sokrat.memory.embedded import stop_server

    own = tmp_path / "own"
    try:
        base = start_server(procs, REDIS_URL="", SOKRAT_DATA_DIR=str(own), SOKRAT_LLM_BASE_URL="",
                            SOKRAT_LLM_MODEL="/nonexistent/planner/model.gguf", SOKRAT_LLM_BACKEND="transformers")
        r = httpx.get(f"{base}/readyz", timeout=120)
        body = r.text
        assert r.status_code == 503 and "planner" in body, body
        assert r.json()["checks"]["redis"] == "ok"
        assert "redis.sock" not in body and str(tmp_path) not in body and "/nonexistent" not in body, body
    finally:
        procs.close()
        stop_server(data_dir=own)
