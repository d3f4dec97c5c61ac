"""The tools of external MCP servers as Sokrat tools, with their JSON schemas.

``SOKRAT_MCP_SERVERS`` names the servers, as a JSON object::

    {"files": {"command": ["npx", "-y", "@modelcontextprotocol/server-filesystem", "/data"]},
     "remote": {"url": "https://example.org/mcp", "headers": {"Authorization": "Bearer ..."}}}

A stdio server gets only the variables in its ``env`` (plus the MCP SDK's safe defaults), not
Sokrat's API keys. Each tool is registered as ``<server>_<tool>``; its arguments are checked
against the server's input schema before the call. Each call opens its own session (simple
and robust across event loops; a stdio server pays its start-up per call).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from sokrat.errors import ConfigError, ToolArgumentsError, ToolError, ToolUnavailable
from sokrat.tools.registry import Tool

if TYPE_CHECKING:
    from mcp.client.session import ClientSession

    from sokrat.settings import Settings

log = logging.getLogger(__name__)
_NAME = re.compile(r"[^A-Za-z0-9_-]")


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


class _AnyArgs(BaseModel):
    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class McpTool(Tool):
    """A tool of an external MCP server; arguments are checked with its JSON schema."""

    server: ServerSpec | None = None
    remote_name: str = ""

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
        assert self.server is not None
        try:
            async with session(self.server) as s:
                result = await s.call_tool(self.remote_name, args)
        except (OSError, ConnectionError) as e:
            raise ToolUnavailable(f"MCP server {self.server.name!r} cannot be reached: {e}") from e
        text = "\n".join(getattr(c, "text", "") or f"[{getattr(c, 'type', 'content')}]" for c in result.content)
        if result.is_error:
            raise ToolError(text or "the MCP tool reported an error")
        return result.structured_content if result.structured_content is not None else text


async def load_tools(spec: ServerSpec) -> list[Tool]:
    """List a server's tools and wrap them."""
    async with session(spec) as s:
        listed = await s.list_tools()
    tools: list[Tool] = []
    for t in listed.tools:
        schema = dict(t.input_schema or {"type": "object"})
        schema.setdefault("properties", {})
        tools.append(McpTool(
            name=_NAME.sub("_", f"{spec.name}_{t.name}"), description=t.description or t.name, parameters=schema,
            fn=lambda **_: None, args_model=_AnyArgs, server=spec, remote_name=t.name))
    return tools


def load_mcp_tools(settings: Settings) -> list[Tool]:
    """The tools of every server in ``settings.mcp_servers``; a server that fails is skipped with a warning."""
    from sokrat._async import run_sync

    tools: list[Tool] = []
    for spec in parse_servers(settings.mcp_servers):
        try:
            tools.extend(run_sync(load_tools(spec)))
        except Exception as e:  # one broken server must not take the agent down: say so, go on
            log.warning("MCP server %r skipped: cannot list its tools (%s: %s)", spec.name, type(e).__name__, e)
    return tools
