"""MCP both ways, with real processes: `sokrat mcp` (stdio and HTTP) served to an MCP client, and
external MCP servers' tools loaded into Sokrat's registry."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sokrat.settings import Settings
from sokrat.tools import ToolRegistry, default_tools
from sokrat.tools.mcp_client import ServerSpec, parse_servers, session

SOKRAT = str(Path(sys.executable).with_name("sokrat"))
CALC = str(Path(__file__).with_name("_mcp_calc_server.py"))


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {"REDIS_URL": settings.redis_url or "", "SOKRAT_DATA_DIR": str(settings.data_dir),
            "PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), **extra}


async def test_sokrat_tools_over_stdio(settings: Settings, sandbox) -> None:
    spec = ServerSpec(name="sokrat", command=(SOKRAT, "mcp"), env=_env(settings))
    async with session(spec) as s:
        listed = {t.name: t for t in (await s.list_tools()).tools}
        assert {"python_exec", "search", "recall", "read_artifact"} <= set(listed)
        assert listed["python_exec"].input_schema["properties"]["timeout_s"]["maximum"] == 120
        result = await s.call_tool("python_exec", {"code": "2**20"})
        assert not result.is_error and result.structured_content["stdout"] == "1048576\n"
        bad = await s.call_tool("python_exec", {"code": "1", "timeout_s": 999})
        assert bad.is_error and "less than or equal to 120" in bad.content[0].text
        unknown = await s.call_tool("no_such_tool", {})
        assert unknown.is_error and "unknown tool" in unknown.content[0].text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(settings: Settings):
    port = _free_port()
    proc = subprocess.Popen([SOKRAT, "mcp", "--http", str(port)], env=_env(settings, SOKRAT_API_KEYS="k-user,k-other"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"sokrat mcp --http exited: {proc.stderr.read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def test_sokrat_tools_over_http_need_the_key(http_server: str, sandbox) -> None:
    response = httpx.post(http_server, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401 and "API key" in response.json()["error"]["message"]
    wrong = ServerSpec(name="s", url=http_server, headers={"Authorization": "Bearer nope"})
    with pytest.raises(Exception):  # noqa: B017 - the SDK wraps the 401 in its own error types
        async with session(wrong) as s:
            await s.list_tools()
    spec = ServerSpec(name="s", url=http_server, headers={"Authorization": "Bearer k-user"})
    async with session(spec) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        assert "python_exec" in names
        result = await s.call_tool("python_exec", {"code": "17 * 23"})
        assert not result.is_error and result.structured_content["stdout"] == "391\n"


@pytest.mark.slow  # the real embedder, in the server process
async def test_http_callers_are_scoped_to_their_keys_namespace(http_server: str) -> None:
    def spec(key: str) -> ServerSpec:
        return ServerSpec(name="s", url=http_server, headers={"Authorization": f"Bearer {key}"})

    async with session(spec("k-user")) as s:
        stored = await s.call_tool("remember", {"text": "The vault code is 8841."})
        assert not stored.is_error, stored.content
        mine = await s.call_tool("recall", {"query": "vault code"})
        assert "8841" in mine.content[0].text
    async with session(spec("k-other")) as s:
        theirs = await s.call_tool("recall", {"query": "vault code"})
        assert not theirs.is_error and "8841" not in theirs.content[0].text


async def test_external_servers_tools_join_the_registry(tmp_path: Path) -> None:
    settings = Settings(mcp_servers=json.dumps({"calc": {"command": [sys.executable, CALC]}}), data_dir=tmp_path)
    tools = {t.name: t for t in default_tools(settings)}
    assert {"calc_add", "calc_fail"} <= set(tools)
    assert tools["calc_add"].parameters["required"] == ["a", "b"] and tools["calc_add"].description == "Add two integers."
    registry = ToolRegistry(tools.values())
    out = await registry.execute("calc_add", {"a": 2, "b": 3})
    assert out.ok and out.output == "5"
    out = await registry.execute("calc_add", {"a": "two", "b": 3})
    assert not out.ok and "bad arguments" in out.error and "'two' is not of type 'integer'" in out.error
    out = await registry.execute("calc_fail", {})
    assert not out.ok and "the disk is full" in out.error


def test_a_broken_server_is_skipped_and_bad_settings_are_refused(tmp_path: Path, caplog) -> None:
    settings = Settings(mcp_servers=json.dumps({"gone": {"command": [str(tmp_path / "missing-binary")]}}),
                        data_dir=tmp_path)
    with caplog.at_level("WARNING"):
        names = {t.name for t in default_tools(settings)}
    assert not any(n.startswith("gone_") for n in names) and "MCP server 'gone' skipped" in caplog.text
    from sokrat.errors import ConfigError

    with pytest.raises(ConfigError, match="not JSON"):
        parse_servers("{nope")
    with pytest.raises(ConfigError, match="either"):
        parse_servers(json.dumps({"x": {"command": ["a"], "url": "http://b"}}))


def test_one_kept_session_per_server_reconnected_when_the_server_dies(tmp_path: Path) -> None:
    """Issue 24: the client started one stdio process per call. Calls from separate event loops
    (as separate agent runs) share the server process; a killed server is started again."""
    import asyncio
    import signal

    from sokrat.errors import ToolUnavailable
    from sokrat.tools.mcp_client import McpPool, load_tools

    spec = ServerSpec(name="calc", command=(sys.executable, CALC))
    pool = McpPool()
    try:
        tools = {t.name: t for t in asyncio.run(load_tools(spec, pool))}
        first = int(asyncio.run(tools["calc_pid"].ainvoke({})))
        second = int(asyncio.run(tools["calc_pid"].ainvoke({})))  # another loop, as the next agent run
        assert first == second and pool.opened == {"calc": 1}
        assert asyncio.run(tools["calc_add"].ainvoke({"a": 2, "b": 5})) == "7"
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        third = int(asyncio.run(tools["calc_pid"].ainvoke({})))
        assert third != first and pool.opened == {"calc": 2}
        assert asyncio.run(tools["calc_add"].ainvoke({"a": 1, "b": 1})) == "2"

        async def killed_mid_call() -> None:
            call = asyncio.ensure_future(tools["calc_sleep"].ainvoke({}))
            await asyncio.sleep(0.5)
            os.kill(third, signal.SIGKILL)
            await call

        with pytest.raises(ToolUnavailable, match="during the call.*may or may not have run"):
            asyncio.run(killed_mid_call())
        assert int(asyncio.run(tools["calc_pid"].ainvoke({}))) not in (first, third)  # and reconnected
        assert pool.opened == {"calc": 3}
    finally:
        pool.close()


def test_the_session_is_not_kept_without_a_pool(tmp_path: Path) -> None:
    """The mechanism must not fire where it was not asked for: without a pool each call has its
    own process (and so its own pid)."""
    import asyncio

    from sokrat.tools.mcp_client import load_tools

    tools = {t.name: t for t in asyncio.run(load_tools(ServerSpec(name="calc", command=(sys.executable, CALC))))}
    pids = {asyncio.run(tools["calc_pid"].ainvoke({})) for _ in range(2)}
    assert len(pids) == 2
