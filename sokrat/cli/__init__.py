"""The `sokrat` command line (../shared/INTERFACE.md). Each area registers its commands
from its own module: `system` (doctor, tools, tool), `video` (index, ask, search),
`agent` (run), `serve` (serve, worker)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="sokrat",
    help="Agents that see, hear and act.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from sokrat.cli import agent, mcp, serve, system, video

    for module in (video, agent, serve, system, mcp):
        module.register(app)


def main() -> None:
    from sokrat._redact import install_log_redaction

    install_log_redaction()  # every log record of every command, third-party loggers included
    _register()
    app()
