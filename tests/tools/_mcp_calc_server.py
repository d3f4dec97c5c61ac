"""A small external MCP server (stdio) for the client tests: `add`, `fail`, and `pid` (which
process answered: the session-reuse tests), `sleep` (a call in flight when the server dies)."""

from __future__ import annotations

import os

import anyio
import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
          "required": ["a", "b"]}


async def list_tools(_ctx, _params) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[
        types.Tool(name="add", description="Add two integers.", input_schema=SCHEMA),
        types.Tool(name="fail", description="Always fails.", input_schema={"type": "object", "properties": {}}),
        types.Tool(name="pid", description="The server's process id.", input_schema={"type": "object", "properties": {}}),
        types.Tool(name="sleep", description="Sleep 30 s.", input_schema={"type": "object", "properties": {}}),
    ])


async def call_tool(_ctx, params: types.CallToolRequestParams) -> types.CallToolResult:
    args = params.arguments or {}
    if params.name == "add":
        return types.CallToolResult(content=[types.TextContent(text=str(args["a"] + args["b"]))])
    if params.name == "pid":
        return types.CallToolResult(content=[types.TextContent(text=str(os.getpid()))])
    if params.name == "sleep":
        await anyio.sleep(30)
    return types.CallToolResult(content=[types.TextContent(text="the disk is full")], is_error=True)


async def main() -> None:
    server = Server("calc", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
