"""Serve Sokrat's tools over MCP (``sokrat mcp``), with the ``mcp`` package.

:mod:`sokrat.mcp.server` exposes a :class:`~sokrat.tools.ToolRegistry` over stdio or
streamable HTTP (behind the API keys). It sits above the REST server (it shares its key
ring) and below the CLI. The other direction, external MCP servers' tools as Sokrat tools,
is a tool source: :mod:`sokrat.tools.mcp_client`.
"""
