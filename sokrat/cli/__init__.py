"""The `sokrat` command line (../shared/INTERFACE.md). Each area registers its commands
from its own module: `system` (doctor, tools, tool), `video` (index, ask, search),
`collection` (list, remove, delete), `agent` (run), `serve` (serve, worker)."""

from __future__ import annotations

import os

import typer

app = typer.Typer(
    name="sokrat",
    help="Agents that see, hear and act.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from sokrat.cli import agent, collection, mcp, serve, system, video

    for module in (video, collection, agent, serve, system, mcp):
        module.register(app)


def quiet_third_party_progress() -> None:
    """No Hugging Face / transformers progress bars ("Loading weights", downloads) from any
    command: they would leak into `--json` runs' stderr and into worker logs. Set at the edge,
    before either library is imported (transformers reads it once, at import); a user who wants
    them sets HF_HUB_DISABLE_PROGRESS_BARS=0. Sokrat's own progress (``sokrat index`` on a TTY)
    is unaffected."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def main() -> None:
    quiet_third_party_progress()
    from sokrat._redact import install_log_redaction

    install_log_redaction()  # every log record of every command, third-party loggers included
    _register()
    app()
