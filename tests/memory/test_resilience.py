"""Redis going away mid-task: retries, embedded restart from the AOF, clear errors."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from sokrat.errors import RedisUnavailable
from sokrat.memory import LogEntry, RedisMemory, VideoLogMeta, embedded
from sokrat.memory.connection import make_client
from sokrat.settings import Settings


@pytest.fixture
def own_server(tmp_path: Path, real_cache_dir: Path):  # type: ignore[no-untyped-def]
    """Settings on a private embedded server (REDIS_URL unset), stopped afterwards."""
    settings = Settings(redis_url=None, data_dir=tmp_path / "data", cache_dir=real_cache_dir)
    embedded.ensure_server(settings)
    try:
        yield settings
    finally:
        embedded.stop_server(settings)


def _write_some(mem: RedisMemory) -> tuple[str, str]:
    handle = mem.put_artifact("kept across restarts " * 50)
    mem.begin_video_log(VideoLogMeta(log_id="durable", source="d.mp4", duration_s=10))
    mem.append_video_entries("durable", [LogEntry(index=0, t_start=0, t_end=10, seen="a cat",
                                                  text_embedding=[1.0] + [0.0] * 383)], resume_at_s=10)
    return handle, "durable"


def test_operation_after_restart_succeeds_via_retry(own_server: Settings) -> None:
    server = embedded.running_server(own_server.data_dir)
    # Passing the URL makes this an "external" client: no auto-restart, only redis-py's retries.
    mem = RedisMemory(settings=own_server, url=server.url, prefix="r1")
    try:
        handle, log_id = _write_some(mem)
        embedded.stop_server(own_server)  # clean SHUTDOWN; the AOF holds everything
        restarter = threading.Timer(1.0, embedded.ensure_server, args=(own_server,))
        restarter.start()
        try:
            # The server is down right now: this call retries with backoff until it is back.
            assert mem.get_artifact(handle) == "kept across restarts " * 50
        finally:
            restarter.join()
        assert embedded.running_server(own_server.data_dir).pid != server.pid
        assert mem.video_log(log_id).entries == 1
        assert mem.video_entries(log_id)[0].seen == "a cat"
    finally:
        mem.close()


def test_killed_embedded_server_is_restarted_from_aof(own_server: Settings) -> None:
    mem = RedisMemory(settings=own_server, prefix="r2")
    try:
        assert mem.embedded
        handle, log_id = _write_some(mem)
        # appendfsync everysec: wait until this AOF write is on disk (WAITAOF numlocal=1).
        assert mem.client.execute_command("WAITAOF", 1, 0, 5000)[0] == 1
        pid = embedded.running_server(own_server.data_dir).pid
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while embedded._pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        # The next operation finds the server dead, restarts it, and reads the AOF's data.
        assert mem.get_artifact(handle, start=0, length=4) == "kept"
        assert embedded.running_server(own_server.data_dir).pid != pid
        assert mem.video_log(log_id).resume_at_s == 10
    finally:
        mem.close()


def test_external_server_gone_for_good_is_a_clear_error(own_server: Settings) -> None:
    server = embedded.running_server(own_server.data_dir)
    mem = RedisMemory(make_client(server.url, retries=1), settings=own_server, prefix="r3")
    try:
        handle = mem.put_artifact("x")
        embedded.stop_server(own_server)
        with pytest.raises(RedisUnavailable, match=str(server.socket)):
            mem.get_artifact(handle)
    finally:
        mem.close()
