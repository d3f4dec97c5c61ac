"""The tools of external MCP servers as Sokrat tools, with their JSON schemas.

``SOKRAT_MCP_SERVERS`` names the servers, as a JSON object::

    {"files": {"command": ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/data"]},
     "remote": {"url": "https://example.org/mcp", "headers": {"Authorization": "Bearer ..."}}}

A stdio server gets only the variables in its ``env`` (plus the MCP SDK's safe defaults), not
Sokrat's API keys. Each tool is registered as ``<server>_<tool>``; its arguments are checked
against the server's input schema before the call.

One session per server is kept open (:class:`McpPool`): listing the tools starts a stdio
server once, and every call after reuses that process (or HTTP session). The sessions live on
a background event loop of their own, because an MCP session belongs to the loop that opened
it while Sokrat's callers come from many loops (each ``Agent.run`` has its own). Before a call
the session is pinged; a server that went away (crashed, killed, restarted) is connected
again, and the call goes to the new session. A server that dies *during* a call is not
called again for it (the call may have had effects): the error says so, and the next call
reconnects.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from sokrat.errors import ConfigError, ToolArgumentsError, ToolError, ToolUnavailable
from sokrat.tools.registry import Tool

if TYPE_CHECKING:
    from mcp.client.session import ClientSession
    from mcp_types import CallToolResult, ListToolsResult

    from sokrat.settings import Settings

log = logging.getLogger(__name__)
_NAME = re.compile(r"[^A-Za-z0-9_-]")
PING_TIMEOUT_S = 5.0
"""How long a kept session may take to answer the ping before a call; else it is reopened."""
CLOSE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ServerSpec:
    """One external MCP server."""

    name: str
    command: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def parse_servers(raw: str | None) -> list[ServerSpec]:
    """The servers named in ``SOKRAT_MCP_SERVERS``; :class:`ConfigError` naming the mistake."""
    if not raw:
        return []
    try:
        data = json.loads(raw)
    except ValueError as e:
        raise ConfigError(f"SOKRAT_MCP_SERVERS is not JSON: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError('SOKRAT_MCP_SERVERS must be a JSON object {"name": {"command": [...]} | {"url": ...}}')
    specs = []
    for name, entry in data.items():
        if not isinstance(entry, dict) or ("command" in entry) == ("url" in entry):
            raise ConfigError(f"MCP server {name!r}: give either \"command\" (a list) or \"url\"")
        command = entry.get("command") or ()
        if isinstance(command, str) or not all(isinstance(c, str) for c in command):
            raise ConfigError(f"MCP server {name!r}: \"command\" must be a list of strings")
        specs.append(ServerSpec(name=str(name), command=tuple(command), env=dict(entry.get("env") or {}),
                                url=entry.get("url"), headers=dict(entry.get("headers") or {})))
    return specs


@asynccontextmanager
async def session(spec: ServerSpec) -> AsyncIterator[ClientSession]:
    """An initialised MCP client session with the server."""
    from mcp.client.session import ClientSession

    if spec.url is not None:
        import httpx2
        from mcp.client.streamable_http import streamable_http_client

        async with httpx2.AsyncClient(headers=spec.headers, timeout=httpx2.Timeout(60, connect=5)) as http, \
                streamable_http_client(spec.url, http_client=http) as (read, write), \
                ClientSession(read, write) as s:
            await s.initialize()
            yield s
    else:
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(command=spec.command[0], args=list(spec.command[1:]), env=spec.env)
        async with stdio_client(params) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            yield s


class _Connection:
    """One open session, held by a task on the pool's loop (the SDK's context managers must be
    entered and left by the same task)."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self.session: ClientSession | None = None
        self.error: BaseException | None = None
        self._ready = asyncio.Event()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._hold())

    async def _hold(self) -> None:
        try:
            async with session(self.spec) as s:
                self.session = s
                self._ready.set()
                await self._stop.wait()
        except Exception as e:  # the start failed, or the transport broke: kept for the caller
            self.error = e
        finally:
            self.session = None
            self._ready.set()

    async def opened(self) -> ClientSession:
        await self._ready.wait()
        if self.session is None:
            raise ToolUnavailable(f"MCP server {self.spec.name!r} cannot be started or reached: "
                                  f"{type(self.error).__name__}: {self.error}") from self.error
        return self.session

    async def alive(self) -> bool:
        if self.session is None:
            return False
        try:
            await asyncio.wait_for(self.session.send_ping(), PING_TIMEOUT_S)
        except Exception as e:  # MCPError "Connection closed", a timeout, a broken pipe
            log.warning("MCP server %r went away (%s: %s); reconnecting", self.spec.name, type(e).__name__, e)
            return False
        return True

    async def close(self) -> None:
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), CLOSE_TIMEOUT_S)
        except TimeoutError:
            self._task.cancel()


class McpPool:
    """One kept session per MCP server, on a background event loop thread of its own.

    Callers on any event loop await :meth:`call` / :meth:`list_tools`; the work runs on the
    pool's loop. :attr:`opened` counts the sessions opened per server (a reconnect adds one).
    """

    def __init__(self) -> None:
        self.opened: dict[str, int] = {}
        self._connections: dict[str, _Connection] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Lock()

    def _pool_loop(self) -> asyncio.AbstractEventLoop:
        with self._started:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="sokrat-mcp-pool", daemon=True).start()
                self._loop = loop
            return self._loop

    async def _on_pool(self, coro: Any) -> Any:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._pool_loop()))

    async def _session(self, spec: ServerSpec) -> ClientSession:
        """The server's live session (on the pool's loop): the kept one if it answers a ping."""
        lock = self._locks.setdefault(spec.name, asyncio.Lock())
        async with lock:
            kept = self._connections.get(spec.name)
            if kept is not None and await kept.alive():
                return await kept.opened()
            if kept is not None:
                await kept.close()
            connection = _Connection(spec)
            self._connections[spec.name] = connection
            self.opened[spec.name] = self.opened.get(spec.name, 0) + 1
            return await connection.opened()

    async def _call(self, spec: ServerSpec, tool: str, args: dict[str, Any]) -> CallToolResult:
        from mcp.shared.exceptions import MCPError

        s = await self._session(spec)
        try:
            return await s.call_tool(tool, args)
        except (MCPError, OSError) as e:
            if isinstance(e, MCPError) and "closed" not in str(e).lower():
                raise
            raise ToolUnavailable(
                f"MCP server {spec.name!r} went away during the call to {tool!r} ({e}); the call may or may "
                "not have run there. The server is restarted on the next call") from e

    async def call(self, spec: ServerSpec, tool: str, args: dict[str, Any]) -> CallToolResult:
        return await self._on_pool(self._call(spec, tool, args))

    async def _list(self, spec: ServerSpec) -> ListToolsResult:
        return await (await self._session(spec)).list_tools()

    async def list_tools(self, spec: ServerSpec) -> ListToolsResult:
        return await self._on_pool(self._list(spec))

    async def _close_all(self) -> None:
        connections, self._connections = list(self._connections.values()), {}
        for connection in connections:
            await connection.close()

    def close(self) -> None:
        """Close every session (stdio servers are stopped); the pool can be used again after."""
        if self._loop is None or not self._loop.is_running():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._close_all(), self._loop).result(timeout=CLOSE_TIMEOUT_S * 2)
        except (TimeoutError, RuntimeError) as e:
            log.warning("MCP sessions did not close cleanly: %s", e)


class _AnyArgs(BaseModel):
    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class McpTool(Tool):
    """A tool of an external MCP server; arguments are checked with its JSON schema."""

    server: ServerSpec | None = None
    remote_name: str = ""
    pool: McpPool | None = None
    """Keeps the server's session open across calls (None: one session per call)."""

    def validate(self, arguments: Any) -> dict[str, Any]:
        import jsonschema

        args = dict(arguments or {})
        try:
            jsonschema.validate(args, self.parameters)
        except jsonschema.ValidationError as e:
            raise ToolArgumentsError(f"bad arguments for {self.name!r}: {e.message}. Expected schema: "
                                     f"{json.dumps(self.parameters)}") from e
        return args

    async def ainvoke(self, arguments: Any = None, ctx: Any = None) -> Any:
        args = self.validate(arguments)
        if self.server is None:
            raise ToolUnavailable(f"tool {self.name!r} has no MCP server configured")
        try:
            if self.pool is not None:
                result = await self.pool.call(self.server, self.remote_name, args)
            else:
                async with session(self.server) as s:
                    result = await s.call_tool(self.remote_name, args)
        except (OSError, ConnectionError) as e:
            raise ToolUnavailable(f"MCP server {self.server.name!r} cannot be reached: {e}") from e
        text = "\n".join(getattr(c, "text", "") or f"[{getattr(c, 'type', 'content')}]" for c in result.content)
        if result.is_error:
            raise ToolError(text or "the MCP tool reported an error")
        return result.structured_content if result.structured_content is not None else text


async def load_tools(spec: ServerSpec, pool: McpPool | None = None) -> list[Tool]:
    """List a server's tools and wrap them; with ``pool``, the session stays open for the calls."""
    if pool is not None:
        listed = await pool.list_tools(spec)
    else:
        async with session(spec) as s:
            listed = await s.list_tools()
    tools: list[Tool] = []
    for t in listed.tools:
        schema = dict(t.input_schema or {"type": "object"})
        schema.setdefault("properties", {})
        tools.append(McpTool(
            name=_NAME.sub("_", f"{spec.name}_{t.name}"), description=t.description or t.name, parameters=schema,
            fn=lambda **_: None, args_model=_AnyArgs, server=spec, remote_name=t.name, pool=pool))
    return tools


def load_mcp_tools(settings: Settings) -> list[Tool]:
    """The tools of every server in ``settings.mcp_servers``, sharing one :class:`McpPool` (closed
    at exit); a server that fails is skipped with a warning."""
    from sokrat._async import run_sync

    specs = parse_servers(settings.mcp_servers)
    if not specs:
        return []
    pool = McpPool()
    atexit.register(pool.close)
    tools: list[Tool] = []
    for spec in specs:
        try:
            tools.extend(run_sync(load_tools(spec, pool)))
        except Exception as e:  # one broken server must not take the agent down: say so, go on
            log.warning("MCP server %r skipped: cannot list its tools (%s: %s)", spec.name, type(e).__name__, e)
    return tools
