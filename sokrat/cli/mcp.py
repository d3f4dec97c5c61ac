"""`sokrat mcp [--http PORT]`: serve Sokrat's tools over MCP (stdio by default)."""

from __future__ import annotations

import typer

from sokrat.cli._common import user_errors


def register(app: typer.Typer) -> None:
    @app.command()
    def mcp(
        http: int | None = typer.Option(None, "--http", help="Serve streamable HTTP on this port (at /mcp) "
                                        "instead of stdio; needs a Bearer key when SOKRAT_API_KEYS is set."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address for --http."),
    ) -> None:
        """Serve Sokrat's tools over MCP (stdio by default, for MCP clients that start it)."""
        import asyncio

        from sokrat.mcp.server import serve_http, serve_stdio
        from sokrat.settings import get_settings

        with user_errors():
            settings = get_settings()
            if http is None:
                asyncio.run(serve_stdio(settings))
            else:
                serve_http(settings, host=host, port=http)
