"""`sokrat run "GOAL" [--media PATH ...] [--json]`: run the agent, streaming its steps on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from sokrat.cli._common import emit_json, fail, stderr, user_errors


def _show(event: Any) -> None:
    """One readable line per event on stderr."""
    d, step = event.data, event.step
    tag = f"[dim]#{step}[/dim] " if step is not None else ""
    if event.type == "plan":
        stderr.print("[bold]plan[/bold]: " + " | ".join(d.get("plan", [])), highlight=False)
        for a in d.get("assumptions", []):
            stderr.print(f"[yellow]assumption[/yellow]: {a}", highlight=False)
    elif event.type == "tool_called":
        stderr.print(f"{tag}[cyan]{d['tool']}[/cyan]({d.get('arguments', {})})", highlight=False)
    elif event.type == "tool_result":
        mark = "[green]ok[/green]" if d.get("ok") else "[red]error[/red]"
        stderr.print(f"{tag}  {mark} {d.get('duration_s', 0):.2f}s {d.get('preview', '')[:120]!r}", highlight=False)
    elif event.type == "check" and d.get("label") != "ok":
        stderr.print(f"{tag}  [yellow]check {d.get('label')}[/yellow]: {d.get('reason', '')}", highlight=False)
    elif event.type == "replan":
        stderr.print(f"{tag}[magenta]replan[/magenta] ({d.get('because', '')}): " + " | ".join(d.get("plan", [])),
                     highlight=False)
    elif event.type == "warning":
        stderr.print(f"[yellow]warning[/yellow]: {d.get('message', '')}", highlight=False)
    elif event.type == "error":
        stderr.print(f"[red]error[/red]: {d.get('message', '')}", highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        goal: str,
        media: list[Path] = typer.Option([], "--media", help="Media files for the run."),  # noqa: B008 - typer idiom
        as_json: bool = typer.Option(False, "--json", help="Print only the final Result as JSON."),
        thread_id: str | None = typer.Option(None, "--thread", help="Durable run id: resume it if unfinished."),
    ) -> None:
        """Run the agent on a general goal, streaming its steps."""
        from sokrat.agents import Agent

        with user_errors():
            result = Agent().run(goal, [str(m) for m in media], thread_id=thread_id,
                                 on_event=None if as_json else _show)
        if as_json:
            emit_json(result)
        elif result.status == "succeeded":
            if result.reason:
                stderr.print(f"[yellow]note[/yellow]: {result.reason}", highlight=False)
            for e in result.evidence:
                when = f" {e.t_start:g}-{e.t_end:g}s" if e.t_start is not None and e.t_end is not None else ""
                stderr.print(f"  evidence: {e.source}{when} {e.text[:100]}", highlight=False)
            typer.echo(result.answer)
        elif result.answer:
            typer.echo(result.answer)  # the partial result of a stopped run
        if result.status != "succeeded":
            raise fail(f"run {result.status}: {result.reason or 'no reason given'}")
