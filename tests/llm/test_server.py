"""The shared local model server, as users meet it: a real llama.cpp server (xllamacpp) with the
real 0.5B offline model, real processes, real signals. Servers live in a temp cache dir, so
the user's own server is never touched."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sokrat.llm.base import Message
from sokrat.llm.server import (
    LocalServerChatModel,
    ServerSpec,
    ensure_server,
    list_servers,
    read_state,
    servers_root,
    stop_servers,
)
from sokrat.settings import Settings
from sokrat.weights import resolve

pytestmark = pytest.mark.slow


def _gone(pid: int, timeout_s: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
                return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture(scope="module")
def small_gguf() -> Path:
    """The real 0.5B GGUF (assembled once into the user's cache from the offline pack)."""
    return resolve("planner", Settings(llm_model="qwen2.5-coder-0.5b"), fmt="gguf").path


@pytest.fixture
def env(tmp_path: Path, small_gguf: Path) -> Iterator[dict[str, str]]:
    """Settings as environment variables: a private servers dir, the small model, small KV cache."""
    values = {
        "SOKRAT_CACHE_DIR": str(tmp_path / "cache"),
        "SOKRAT_DATA_DIR": str(tmp_path / "data"),
        "SOKRAT_LLM_MODEL": str(small_gguf),
        "SOKRAT_LLM_CONTEXT_TOKENS": "2048",
        "SOKRAT_LLM_SERVER_SLOTS": "1",
        "SOKRAT_LLM_THREADS": "2",
    }
    yield values
    stop_servers(_settings(values))


def _settings(values: dict[str, str], **kw: object) -> Settings:
    return Settings(
        cache_dir=Path(values["SOKRAT_CACHE_DIR"]), data_dir=Path(values["SOKRAT_DATA_DIR"]),
        llm_model=values["SOKRAT_LLM_MODEL"], llm_context_tokens=int(values["SOKRAT_LLM_CONTEXT_TOKENS"]),
        llm_server_slots=1, llm_threads=2, **kw,
    )


ENSURE = ("from sokrat.llm.server import ensure_server; from sokrat.settings import Settings; "
          "i = ensure_server(Settings()); print(i.pid, i.url, i.started_at)")


def test_one_server_for_concurrent_starters_then_reused_listed_and_stopped(env: dict[str, str]) -> None:
    run_env = {**os.environ, **env}
    starters = [subprocess.Popen([sys.executable, "-c", ENSURE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, env=run_env) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in starters]
    assert all(p.returncode == 0 for p in starters), [o[1][-2000:] for o in outs]
    first, second = (o[0].split() for o in outs)
    assert first == second, "two processes starting at once must get one server"
    pid = int(first[0])

    # a later process reuses it: same pid, same start time (the model was not loaded again)
    again = subprocess.run([sys.executable, "-c", ENSURE], capture_output=True, text=True, env=run_env, timeout=120)
    assert again.stdout.split() == first
    info = ensure_server(_settings(env))
    assert info.pid == pid and info.url.startswith("http://127.0.0.1:") and info.url.endswith("/v1")
    assert stat.S_IMODE((info.dir / "server.json").stat().st_mode) == 0o600  # it holds the API key
    assert info.dir.parent == servers_root(_settings(env))

    cli = [sys.executable, "-c", "from sokrat.cli import main; main()", "services"]
    status = subprocess.run([*cli, "status", "--json"], capture_output=True, text=True, env=run_env, timeout=120)
    assert status.returncode == 0, status.stderr
    llm = [s for s in json.loads(status.stdout)["services"] if s["name"] == "llm"]
    assert [s["pid"] for s in llm] == [pid] and llm[0]["rss_bytes"] > 100 * 2**20
    assert llm[0]["model_path"] == env["SOKRAT_LLM_MODEL"] and "api_key" not in status.stdout

    stopped = subprocess.run([*cli, "stop", "--only", "llm", "--json"], capture_output=True, text=True,
                             env=run_env, timeout=120)
    assert stopped.returncode == 0, stopped.stderr
    assert [s["pid"] for s in json.loads(stopped.stdout)["stopped"]] == [pid]
    assert _gone(pid) and read_state(info.dir) is None and list_servers(_settings(env)) == []


def test_a_killed_server_is_restarted_by_its_client(env: dict[str, str]) -> None:
    model = LocalServerChatModel(_settings(env))
    msgs = [Message("user", "Reply with the word yes.")]
    assert model.generate(msgs, max_tokens=4).usage.completion_tokens > 0
    first = model.server.pid
    os.kill(first, signal.SIGKILL)
    assert _gone(first)
    assert model.generate(msgs, max_tokens=4).usage.completion_tokens > 0  # restarted, not an error
    assert model.server.pid != first and read_state(model.server.dir).pid == model.server.pid  # type: ignore[union-attr]


def test_an_idle_server_stops_by_itself_and_the_next_call_starts_one(env: dict[str, str]) -> None:
    s = _settings(env, llm_server_idle_s=2.0)
    model = LocalServerChatModel(s)
    assert model.count_tokens([Message("user", "hello")]) > 1  # exact count from the server's template
    pid = model.server.pid
    assert model.context_length == 2048  # asked from the server (/props), not assumed
    assert _gone(pid, timeout_s=180), "the server should stop after 2 s without requests"
    assert read_state(servers_root(s) / ServerSpec.from_settings(s).dirname) is None
    assert model.generate([Message("user", "Say ok.")], max_tokens=3).text  # a new server, transparently
    assert model.server.pid != pid
