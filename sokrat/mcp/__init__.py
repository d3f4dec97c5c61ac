"""MCP both ways: serve Sokrat's tools (``sokrat mcp``), and load the tools of external MCP servers.

:mod:`sokrat.mcp.server` exposes a :class:`~sokrat.tools.ToolRegistry` over stdio or
streamable HTTP (behind the API keys); :mod:`sokrat.mcp.client` turns each tool of the servers
named in ``SOKRAT_MCP_SERVERS`` into a Sokrat :class:`~sokrat.tools.Tool` with its JSON schema.
Both use the ``mcp`` package.
"""
