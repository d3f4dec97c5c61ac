"""Durability settings survive restarts by other processes (issue 24, item 7): a policy set
explicitly is re-applied whenever any process starts the embedded Redis again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis

from sokrat.memory.embedded import socket_path, stop_server

START = "from sokrat.memory.embedded import ensure_server; print(ensure_server().started)"


def _start_from_another_process(data_dir: Path, **env: str) -> bool:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SOKRAT_") and k != "REDIS_URL"}
    done = subprocess.run([sys.executable, "-c", START], env={**base, "SOKRAT_DATA_DIR": str(data_dir), **env},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


def _policy(data_dir: Path) -> str:
    client = redis.Redis(unix_socket_path=str(socket_path(data_dir)), decode_responses=True)
    try:
        return str(client.config_get("appendfsync")["appendfsync"])
    finally:
        client.close()


def test_appendfsync_always_is_reapplied_when_another_process_restarts_redis(tmp_path: Path) -> None:
    data = tmp_path / "d"
    try:
        assert _start_from_another_process(data, SOKRAT_REDIS_APPENDFSYNC="always")
        assert _policy(data) == "always"
        stop_server(data_dir=data)
        # a command run without the setting starts it again: before, this silently gave everysec
        assert _start_from_another_process(data)
        assert _policy(data) == "always"
        # an explicit setting still wins, both ways (the rule must not only ever raise it)
        assert not _start_from_another_process(data, SOKRAT_REDIS_APPENDFSYNC="everysec")
        assert _policy(data) == "everysec"
        stop_server(data_dir=data)
        assert _start_from_another_process(data)
        assert _policy(data) == "everysec"
    finally:
        stop_server(data_dir=data)
