"""`sokrat services` as a user runs it (real subprocesses; the real embedded Redis of a temp data dir).
Listing and stopping a real model server is in tests/llm/test_server.py (slow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sokrat.memory.embedded import ensure_server, running_server


def sokrat(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from sokrat.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})


def test_services_lists_and_stops_the_embedded_redis(tmp_path: Path) -> None:
    env = {"SOKRAT_DATA_DIR": str(tmp_path / "data"), "SOKRAT_CACHE_DIR": str(tmp_path / "cache")}
    empty = sokrat("services", "--json", env=env)
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout) == {"services": []}

    redis = ensure_server(data_dir=tmp_path / "data")
    listed = json.loads(sokrat("services", "status", "--json", env=env).stdout)["services"]
    assert [(s["name"], s["pid"]) for s in listed] == [("redis", redis.pid)]
    assert listed[0]["address"] == redis.url and listed[0]["rss_bytes"] > 0
    human = sokrat("services", env=env)
    assert human.returncode == 0 and str(redis.pid) in human.stdout

    untouched = json.loads(sokrat("services", "stop", "--only", "llm", "--json", env=env).stdout)
    assert untouched == {"stopped": []} and running_server(tmp_path / "data") is not None
    stopped = json.loads(sokrat("services", "stop", "--json", env=env).stdout)
    assert [s["pid"] for s in stopped["stopped"]] == [redis.pid]
    assert running_server(tmp_path / "data") is None


def test_bad_action_is_one_line_and_non_zero(tmp_path: Path) -> None:
    out = sokrat("services", "restart", env={"SOKRAT_DATA_DIR": str(tmp_path)})
    assert out.returncode != 0 and "status" in out.stderr and "stop" in out.stderr and not out.stdout
    out = sokrat("services", "stop", "--only", "gpu", env={"SOKRAT_DATA_DIR": str(tmp_path)})
    assert out.returncode != 0 and "--only" in out.stderr
