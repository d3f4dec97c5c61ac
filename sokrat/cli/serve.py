"""`sokrat serve`, `sokrat worker`."""

from __future__ import annotations

import logging

import typer

from sokrat.cli._common import stderr, user_errors


def _logging(level: str) -> None:
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 for all)."),
        port: int = typer.Option(8000, "--port", help="TCP port."),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    ) -> None:
        """The REST API; starts the embedded Redis when REDIS_URL is unset."""
        with user_errors():
            import uvicorn

            from sokrat.server.app import create_app
            from sokrat.settings import get_settings

            _logging(log_level)
            settings = get_settings()
            if not settings.api_keys and host not in ("127.0.0.1", "localhost", "::1"):
                stderr.print(f"[yellow]warning:[/yellow] listening on {host} without SOKRAT_API_KEYS: "
                             "anyone who reaches this port can run tasks")
            uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level.lower())

    @app.command()
    def worker(
        concurrency: int = typer.Option(1, "--concurrency", min=1, help="Tasks run at once in this process."),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
    ) -> None:
        """A task worker; any number can run against the same Redis."""
        with user_errors():
            from sokrat.server.worker import run_worker
            from sokrat.settings import get_settings

            _logging(log_level)
            stats = run_worker(get_settings(), concurrency=concurrency)
            stderr.print(f"worker stopped: {stats.finished} finished, {stats.released} released")
