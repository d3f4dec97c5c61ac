"""`sokrat doctor`, `sokrat tools`, `sokrat tool`."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import typer

from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors
from sokrat.memory.connection import redact

if TYPE_CHECKING:
    from sokrat.settings import Settings
    from sokrat.tools.registry import Tool, ToolContext

_SECRET_FIELDS = {"llm_api_key", "api_keys"}
_URL_FIELDS = {"redis_url", "llm_base_url"}


def settings_in_effect(settings: Settings) -> dict[str, Any]:
    """The settings as JSON, with keys and passwords masked."""
    out: dict[str, Any] = {}
    for name, value in settings.model_dump(mode="json").items():
        if name in _SECRET_FIELDS and value:
            value = ["***"] * len(value) if isinstance(value, list) else "***"
        elif name in _URL_FIELDS and value:
            value = redact(value)
        out[name] = value
    return out


def _device_report(settings: Settings) -> dict[str, Any]:
    report: dict[str, Any] = {"setting": settings.device, "resolved": settings.resolved_device()}
    try:
        import torch
    except ImportError:
        report["torch"] = None
        report["error"] = "torch is not installed: `pip install 'sokrat[cpu]'` or a CUDA torch"
        return report
    report["torch"] = torch.__version__
    report["cuda_available"] = bool(torch.cuda.is_available())
    report["cuda_build"] = torch.version.cuda
    report["cuda_devices"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    report["cpu_threads"] = torch.get_num_threads()
    return report


def _redis_report(settings: Settings) -> dict[str, Any]:
    from sokrat.errors import SokratError
    from sokrat.memory import get_memory

    try:
        info = get_memory(settings).info()
    except SokratError as e:
        return {"ok": False, "error": str(e), "error_code": e.code}
    return {"ok": True, **info}


def _tools_report() -> dict[str, Any]:
    from sokrat.tools import default_tools

    try:
        return {"ok": True, "names": [t.name for t in default_tools()]}
    except Exception as e:  # a broken tool module is exactly what doctor must report  # noqa: BLE001
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "names": []}


def doctor_data(settings: Settings) -> dict[str, Any]:
    """Everything `sokrat doctor` reports, as one JSON-able object."""
    from sokrat.models import doctor_report

    roles = [dataclasses.asdict(r) for r in doctor_report(settings)]
    planner_ok = bool(settings.llm_base_url) or any(r["role"] == "planner" and r["ok"] for r in roles)
    redis = _redis_report(settings)
    return {
        "ok": planner_ok and redis.get("ok", False),
        "llm": {
            "backend": "http" if settings.llm_base_url else "local",
            "base_url": redact(settings.llm_base_url) if settings.llm_base_url else None,
            "planner_available": planner_ok,
        },
        "models": roles,
        "redis": redis,
        "device": _device_report(settings),
        "tools": _tools_report(),
        "settings": settings_in_effect(settings),
    }


def _print_doctor(data: dict[str, Any]) -> None:
    from rich.table import Table

    table = Table(title="models", show_lines=False)
    for col in ("role", "status", "origin", "model", "path / problem"):
        table.add_column(col, overflow="fold")
    for r in data["models"]:
        if r["ok"]:
            status = "[green]ok[/green]" if r["ready"] else "[yellow]ok (prepared on first use)[/yellow]"
            table.add_row(r["role"], status, r["origin"], r["model_id"], r["path"])
        else:
            table.add_row(r["role"], "[red]missing[/red]", "-", "-", r["error"])
    stdout.print(table)
    llm = data["llm"]
    stdout.print(f"planner backend: {llm['backend']}" + (f" ({llm['base_url']})" if llm["base_url"] else ""))
    redis = data["redis"]
    if redis.get("ok"):
        modules = ", ".join(str(m) for m in redis.get("modules", [])) or "none"
        kind = "embedded" if redis.get("embedded") else "external"
        stdout.print(f"redis: [green]ok[/green] {kind} {redis.get('server')} {redis.get('version')} "
                     f"at {redis.get('url')}; modules: {modules}")
    else:
        stdout.print(f"redis: [red]unavailable[/red] {redis.get('error')}")
    dev = data["device"]
    stdout.print(f"device: {dev['resolved']} (setting {dev['setting']}; torch {dev.get('torch')}, "
                 f"cuda available: {dev.get('cuda_available')})")
    tools = data["tools"]
    stdout.print(f"tools: {', '.join(tools['names']) or '(none)'}" if tools["ok"]
                 else f"tools: [red]broken[/red] {tools['error']}")
    stdout.print("settings:")
    for k, v in data["settings"].items():
        stdout.print(f"  {k} = {v}", highlight=False)


def _context_for(t: Tool, settings: Settings) -> ToolContext:
    """Resources for a tool that asks for a context: memory and chat when they resolve."""
    from sokrat.errors import SokratError
    from sokrat.tools.registry import ToolContext

    if not t.context_param:
        return ToolContext(settings=settings)
    memory = chat = None
    try:
        from sokrat.memory import get_memory

        memory = get_memory(settings)
    except SokratError as e:
        stderr.print(f"[yellow]warning:[/yellow] no memory for this tool: {e}", highlight=False)
    try:
        from sokrat.llm import get_chat_model

        chat = get_chat_model(settings)
    except SokratError as e:
        stderr.print(f"[yellow]warning:[/yellow] no chat model for this tool: {e}", highlight=False)
    return ToolContext(settings=settings, memory=memory, chat=chat)


def _jsonable(value: Any) -> Any:
    from sokrat.tools.registry import to_text

    if isinstance(value, str | int | float | bool) or value is None:
        return value
    try:
        return json.loads(to_text(value))
    except ValueError:
        return to_text(value)


def register(app: typer.Typer) -> None:
    @app.command()
    def doctor(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
        """Which models, Redis, device and tools would be used, and what is missing."""
        from sokrat.settings import get_settings

        with user_errors():
            data = doctor_data(get_settings())
        if as_json:
            emit_json(data)
        else:
            _print_doctor(data)

    @app.command("tools")
    def tools_cmd(as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout.")) -> None:
        """The registered tools with their JSON schemas."""
        from sokrat.tools import default_tools

        with user_errors():
            tools = default_tools()
        if as_json:
            emit_json({"tools": [t.spec()["function"] for t in tools]})
            return
        for t in tools:
            stdout.print(f"[bold]{t.name}[/bold]: {t.description.splitlines()[0]}", highlight=False)
            props = t.parameters.get("properties", {})
            required = set(t.parameters.get("required", []))
            for pname, p in props.items():
                flag = "" if pname in required else " (optional)"
                stdout.print(f"    {pname}{flag}: {p.get('description', '')}", highlight=False)

    @app.command("tool")
    def tool_cmd(
        name: str = typer.Argument(..., help="Tool name (see `sokrat tools`)."),
        args: str = typer.Option("{}", "--args", help="Arguments as a JSON object."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
    ) -> None:
        """Call one tool directly, outside the agent."""
        from sokrat._async import run_sync
        from sokrat.errors import ToolError
        from sokrat.settings import get_settings
        from sokrat.tools import ToolRegistry, default_tools
        from sokrat.tools.registry import to_text

        try:
            arguments = json.loads(args)
        except json.JSONDecodeError as e:
            raise fail(f"--args is not valid JSON ({e.msg} at column {e.colno}); pass a JSON object") from None
        if not isinstance(arguments, dict):
            raise fail(f"--args must be a JSON object, got {type(arguments).__name__}")
        with user_errors():
            settings = get_settings()
            registry = ToolRegistry(default_tools())
        try:
            t = registry.get(name)
            t.validate(arguments)
        except ToolError as e:
            raise fail(str(e)) from None
        with user_errors():
            ctx = _context_for(t, settings)
            outcome = run_sync(registry.execute(name, arguments, ctx, timeout_s=settings.tool_timeout_s))
        if not outcome.ok:
            if as_json:
                emit_json({"tool": name, "ok": False, "error": outcome.error, "duration_s": outcome.duration_s})
            raise fail(outcome.error or "tool failed")
        if as_json:
            emit_json({"tool": name, "ok": True, "output": _jsonable(outcome.output),
                       "duration_s": round(outcome.duration_s, 3)})
        else:
            stdout.print(to_text(outcome.output), highlight=False, markup=False, soft_wrap=True)
