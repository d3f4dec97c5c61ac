"""`sokrat index`, `sokrat ask`, `sokrat search`."""

from __future__ import annotations

from pathlib import Path

import typer

from sokrat.cli._common import not_ready


def register(app: typer.Typer) -> None:
    @app.command()
    def index(video: Path, as_json: bool = typer.Option(False, "--json")) -> None:
        """Build the video's log and print a short summary."""
        raise not_ready("index", "the perception pipeline (issue 3)")

    @app.command()
    def ask(video: Path, question: str, as_json: bool = typer.Option(False, "--json")) -> None:
        """Index the video if needed, then answer with timestamped evidence."""
        raise not_ready("ask", "the perception pipeline (issue 3)")

    @app.command()
    def search(
        video: Path,
        query: str,
        top: int = typer.Option(5, "--top", "-k"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """The moments that best match the text."""
        raise not_ready("search", "the perception pipeline (issue 3)")
