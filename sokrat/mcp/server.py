"""`sokrat mcp`: Sokrat's tools over MCP (stdio by default, streamable HTTP with ``--http PORT``).

Every call goes through :meth:`ToolRegistry.execute`, so bad arguments, tool failures and
timeouts come back as tool results with ``isError`` (the calling model can correct itself),
never as protocol errors. Over HTTP, when ``SOKRAT_API_KEYS``/``SOKRAT_ADMIN_KEYS`` are set,
every request needs ``Authorization: Bearer KEY``; the key's owner is the namespace the tools
read and write (as in the REST API).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from sokrat.tools.registry import ToolContext, ToolRegistry, to_text

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from sokrat.settings import Settings

_STATE_KEY = "sokrat_namespace"
"""Where the key guard leaves the caller's namespace in the ASGI scope's state."""

ASGIApp = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
                   Awaitable[None]]


def build_server(registry: ToolRegistry, context: ToolContext, *, timeout_s: float | None = None) -> Server:
    """An MCP server listing ``registry``'s tools with their JSON schemas and calling them."""
    import dataclasses

    import mcp_types as types
    from mcp.server.lowlevel import Server

    async def list_tools(_ctx: Any, _params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[
            types.Tool(name=t.name, description=t.description, input_schema=t.parameters) for t in registry])

    async def call_tool(request_ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        ctx = context
        request = getattr(request_ctx, "request", None)  # the HTTP request; None over stdio
        state = getattr(request, "scope", {}).get("state") or {}
        if _STATE_KEY in state:
            ctx = dataclasses.replace(context, namespace=state[_STATE_KEY])
        outcome = await registry.execute(params.name, params.arguments or {}, ctx, timeout_s=timeout_s)
        if not outcome.ok:
            return types.CallToolResult(content=[types.TextContent(text=outcome.error or "failed")], is_error=True)
        output = outcome.output
        structured = output if isinstance(output, dict) else None
        return types.CallToolResult(content=[types.TextContent(text=to_text(output))],
                                    structured_content=structured)

    from importlib.metadata import version

    return Server("sokrat", version=version("sokrat"), on_list_tools=list_tools, on_call_tool=call_tool)


def _registry_and_context(settings: Settings) -> tuple[ToolRegistry, ToolContext]:
    from sokrat.tools import default_tools

    memory = None
    try:
        from sokrat.memory import get_memory

        memory = get_memory(settings)
    except Exception as e:  # memory tools then answer "unavailable"; the others still work
        import logging

        logging.getLogger(__name__).warning("long-term memory unavailable for MCP tools: %s", e)
    return ToolRegistry(default_tools(settings, mcp=False)), ToolContext(settings=settings, memory=memory)


async def serve_stdio(settings: Settings) -> None:
    from mcp.server.stdio import stdio_server

    registry, context = _registry_and_context(settings)
    server = build_server(registry, context, timeout_s=settings.tool_timeout_s)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def _owners(settings: Settings) -> dict[str, tuple[str, bool]]:
    from sokrat.server.auth import parse_key

    owners: dict[str, tuple[str, bool]] = {}
    for entries, admin in ((settings.api_keys, False), (settings.admin_keys, True)):
        for entry in entries:
            digest = parse_key(entry)
            owners[digest] = (f"key-{digest[:12]}", admin)
    return owners


def require_keys(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Wrap an ASGI app: a Bearer key from the settings is needed when any is configured."""
    owners = _owners(settings)

    async def guarded(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                      send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http" or not owners:
            await app(scope, receive, send)
            return
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, key = header.partition(b" ")
        found = owners.get(hashlib.sha256(key.strip()).hexdigest()) if scheme.lower() == b"bearer" else None
        if found is None:
            body = json.dumps({"error": {"code": "unauthorized", "message": "missing or unknown API key: send "
                                                                            "Authorization: Bearer KEY"}}).encode()
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]})
            await send({"type": "http.response.body", "body": body})
            return
        owner, admin = found
        scope.setdefault("state", {})[_STATE_KEY] = None if admin else owner
        await app(scope, receive, send)

    return guarded


def http_app(settings: Settings, *, host: str = "127.0.0.1") -> ASGIApp:
    registry, context = _registry_and_context(settings)
    server = build_server(registry, context, timeout_s=settings.tool_timeout_s)
    return require_keys(server.streamable_http_app(host=host, stateless_http=True, json_response=True), settings)


def serve_http(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(http_app(settings, host=host), host=host, port=port, log_level="warning")
