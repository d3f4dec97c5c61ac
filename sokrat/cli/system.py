"""`sokrat doctor`, `sokrat tools`, `sokrat tool`."""

from __future__ import annotations

import typer

from sokrat.cli._common import not_ready


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
        """Which models, Redis, device and tools would be used, and what is missing."""
        raise not_ready("doctor", "being built (issue 2)")

    @app.command("tools")
    def tools_cmd(as_json: bool = typer.Option(False, "--json")) -> None:
        """The registered tools with their JSON schemas."""
        raise not_ready("tools", "being built (issue 2)")

    @app.command("tool")
    def tool_cmd(
        name: str,
        args: str = typer.Option("{}", "--args", help="Arguments as a JSON object."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Call one tool directly, outside the agent."""
        raise not_ready("tool", "being built (issue 2)")
