"""`sokrat run`."""

from __future__ import annotations

from pathlib import Path

import typer

from sokrat.cli._common import not_ready


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        goal: str,
        media: list[Path] = typer.Option([], "--media", help="Media files for the run."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Run the agent on a general goal, streaming its steps."""
        raise not_ready("run", "the planner graph (issue 5)")
