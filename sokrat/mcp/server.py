"""`sokrat mcp`: Sokrat's tools over MCP (stdio by default, streamable HTTP with ``--http PORT``).

Every call goes through :meth:`ToolRegistry.execute`, so bad arguments, tool failures and
timeouts come back as tool results with ``isError`` (the calling model can correct itself),
never as protocol errors. Over HTTP every request passes the REST API's key check (the same
:class:`~sokrat.server.auth.Guard` and key ring): when keys are on (``SOKRAT_API_KEYS``,
``SOKRAT_ADMIN_KEYS`` or keys made with ``sokrat keys``) it needs ``Authorization: Bearer
KEY``, and a revoked key is refused; the key's owner is the namespace the tools read and
write (as in the REST API).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sokrat.tools.registry import ToolContext, ToolRegistry, to_text

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from sokrat.settings import Settings


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
        principal = (getattr(request, "scope", None) or {}).get("state", {}).get("principal")
        if principal is not None:  # set by the key check (sokrat.server.auth.Guard)
            ctx = dataclasses.replace(context, namespace=principal.scope)
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


def http_app(settings: Settings, *, host: str = "127.0.0.1") -> Any:
    """The streamable-HTTP app behind the REST API's own key check (:class:`sokrat.server.auth.Guard`
    and :class:`~sokrat.server.auth.KeyRing`): environment keys, keys made with ``sokrat keys``,
    revocation and failed-key throttling all work here as on ``/v1``. The key's owner is the
    namespace the tools read and write; an admin key (or no keys at all) uses the default one."""
    import contextlib
    from collections.abc import AsyncIterator

    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.middleware import Middleware
    from starlette.routing import Mount

    from sokrat.server.auth import FailedKeyThrottle, Guard, KeyRing, never_public
    from sokrat.server.queue import TaskStore

    registry, context = _registry_and_context(settings)
    server = build_server(registry, context, timeout_s=settings.tool_timeout_s)
    mcp_app = server.streamable_http_app(host=host, stateless_http=True, json_response=True)
    keyring = KeyRing(settings)
    stores: list[TaskStore] = []

    async def store() -> TaskStore:
        if not stores:  # connects (starting the embedded Redis when REDIS_URL is unset) on first use
            stores.append(await run_in_threadpool(TaskStore.from_settings, settings))
        return stores[0]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        import asyncio

        refresh = asyncio.create_task(keyring.refresh_forever(store))
        try:
            async with mcp_app.router.lifespan_context(mcp_app):
                yield
        finally:
            refresh.cancel()
            await asyncio.gather(refresh, return_exceptions=True)
            if stores:
                await stores[0].close()

    guard = Middleware(Guard, keyring=keyring, max_json_bytes=settings.max_json_bytes,
                       max_upload_bytes=settings.max_json_bytes, public=never_public,
                       throttle=FailedKeyThrottle(settings.auth_fail_limit))
    return Starlette(routes=[Mount("", app=mcp_app)], middleware=[guard], lifespan=lifespan)


def serve_http(settings: Settings, *, host: str, port: int) -> None:
    import uvicorn

    from sokrat._redact import install_log_redaction

    install_log_redaction(settings)
    uvicorn.run(http_app(settings, host=host), host=host, port=port, log_level="warning")
