"""`sokrat serve`, `sokrat worker`."""

from __future__ import annotations

import typer

from sokrat.cli._common import not_ready


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
        """The REST API; starts the embedded Redis when REDIS_URL is unset."""
        raise not_ready("serve", "the REST server, which has no issue yet")

    @app.command()
    def worker(concurrency: int = typer.Option(1, "--concurrency")) -> None:
        """A task worker; any number can run against the same Redis."""
        raise not_ready("worker", "the REST server, which has no issue yet")
