"""The embedded server: one per data dir, shared across processes, restartable, clean stop;
and the connection checks (unreachable server, server without modules)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sokrat.errors import MissingRedisModules, RedisUnavailable
from sokrat.memory import embedded
from sokrat.memory.connection import connect, redact

STARTER = """
import sys
from pathlib import Path
from sokrat.memory.embedded import ensure_server
s = ensure_server(data_dir=Path(sys.argv[1]))
print(s.pid, int(s.started), flush=True)
"""


def _wait_gone(pid: int, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not embedded._pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_two_processes_starting_at_once_get_one_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    procs = [
        subprocess.Popen([sys.executable, "-c", STARTER, str(data_dir)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        outs = [p.communicate(timeout=120)[0].split() for p in procs]
        assert all(p.returncode == 0 for p in procs)
        pids = {int(o[0]) for o in outs}
        started = sorted(int(o[1]) for o in outs)
        assert len(pids) == 1, outs
        assert started == [0, 1], outs  # exactly one of them started it
        pid = pids.pop()
        # The server outlived both processes that asked for it.
        assert embedded._pid_alive(pid)
        assert embedded.running_server(data_dir).pid == pid
    finally:
        assert embedded.stop_server(data_dir=data_dir)
    assert embedded.running_server(data_dir) is None


def test_stale_pidfile_restarts_and_keeps_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    first = embedded.ensure_server(data_dir=data_dir)
    try:
        client = connect(url=first.url)
        client.set("k", "v")
        client.close()
        embedded.stop_server(data_dir=data_dir)  # clean stop (SHUTDOWN SAVE)
        # A pidfile naming a dead process and a leftover socket file: both must be ignored.
        (embedded.server_dir(data_dir) / "redis.pid").write_text("999999\n")
        embedded.socket_path(data_dir).touch()
        second = embedded.ensure_server(data_dir=data_dir)
        assert second.started and second.pid != first.pid
        client = connect(url=second.url)
        assert client.get("k") == b"v"
        client.close()
    finally:
        embedded.stop_server(data_dir=data_dir)


def test_killed_server_is_replaced(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    first = embedded.ensure_server(data_dir=data_dir)
    try:
        os.kill(first.pid, signal.SIGKILL)
        assert _wait_gone(first.pid)
        second = embedded.ensure_server(data_dir=data_dir)
        assert second.started and second.pid != first.pid
    finally:
        embedded.stop_server(data_dir=data_dir)


def test_long_data_dir_uses_short_socket(tmp_path: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-directory-name"] * 5)
    sock = embedded.socket_path(deep)
    assert len(str(sock)) <= 100
    assert sock != embedded.socket_path(tmp_path / "other")


def test_stop_when_not_running_is_false(tmp_path: Path) -> None:
    assert embedded.stop_server(data_dir=tmp_path / "none") is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_redis_names_the_url() -> None:
    url = f"redis://:secret@127.0.0.1:{_free_port()}/0"
    with pytest.raises(RedisUnavailable) as e:
        connect(url=url, retries=1)
    message = str(e.value)
    assert "127.0.0.1" in message and "secret" not in message
    assert "REDIS_URL" in message


def test_bad_url_is_a_clear_error() -> None:
    with pytest.raises(RedisUnavailable, match="not a valid Redis URL"):
        connect(url="http://localhost:6379", retries=1)


def test_redact_hides_password() -> None:
    assert redact("redis://user:pw@h:1/0") == "redis://user:***@h:1/0"
    assert redact("unix:///tmp/x.sock") == "unix:///tmp/x.sock"


def test_external_redis_without_modules_is_refused(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(embedded.valkey_binary()), "--port", str(port), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 20
        while True:  # wait for the plain server to listen
            try:
                client = connect(url=url, retries=1, check_modules=False)
                client.close()
                break
            except RedisUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with pytest.raises(MissingRedisModules) as e:
            connect(url=url, retries=1)
        message = str(e.value)
        assert "search" in message and "JSON" in message
        assert "Redis 8" in message and "unset REDIS_URL" in message
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_embedded_server_has_modules(redis_url: str) -> None:
    client = connect(url=redis_url)  # raises MissingRedisModules otherwise
    try:
        assert client.ping()
    finally:
        client.close()


def test_supervisor_restarts_a_killed_server_by_itself(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    first = embedded.ensure_server(data_dir=data_dir)
    client = connect(url=first.url)
    client.set("kept", "yes")
    client.close()
    supervisor = embedded.Supervisor(data_dir, interval_s=0.2).start()
    try:
        os.kill(first.pid, signal.SIGKILL)
        assert _wait_gone(first.pid)
        deadline = time.monotonic() + 60
        # nobody calls ensure_server here (the supervisor counts the restart once its server answers)
        while (server := embedded.running_server(data_dir)) is None or supervisor.restarts < 1:
            assert time.monotonic() < deadline, "the supervisor did not bring the server back"
            time.sleep(0.1)
        assert server.pid != first.pid and supervisor.restarts == 1
        client = connect(url=server.url)
        assert client.get("kept") == b"yes"  # the AOF was written before the reply
        client.close()
    finally:
        supervisor.stop()
        embedded.stop_server(data_dir=data_dir)


def test_appendfsync_always_is_applied(tmp_path: Path) -> None:
    from sokrat.settings import Settings

    data_dir = tmp_path / "d"
    server = embedded.ensure_server(data_dir=data_dir)  # started with the default (everysec)
    try:
        client = connect(url=server.url)

        def policy() -> str:
            value = next(iter(client.config_get("appendfsync").values()))
            return value.decode() if isinstance(value, bytes) else value

        assert policy() == "everysec"
        embedded.ensure_server(Settings(data_dir=data_dir, redis_appendfsync="always"))
        assert policy() == "always"
        client.close()
    finally:
        embedded.stop_server(data_dir=data_dir)
