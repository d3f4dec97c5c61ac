"""`sokrat doctor`, `sokrat services`, `sokrat tools`, `sokrat tool`."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import typer

from sokrat._redact import redact
from sokrat.cli._common import emit_json, fail, stderr, stdout, user_errors

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


def _sandbox_report(settings: Settings) -> dict[str, Any]:
    from sokrat.tools.sandbox import probe

    return {"setting": settings.code_sandbox, **dataclasses.asdict(probe())}


def _tools_report() -> dict[str, Any]:
    from sokrat.tools import default_tools

    try:
        return {"ok": True, "names": [t.name for t in default_tools()]}
    except Exception as e:  # a broken tool module is exactly what doctor must report  # noqa: BLE001
        return {"ok": False, "error": f"{type(e).__name__}: {e}", "names": []}


def doctor_data(settings: Settings) -> dict[str, Any]:
    """Everything `sokrat doctor` reports, as one JSON-able object."""
    from sokrat.llm.backends import available_chat_backends, describe_chat_backend
    from sokrat.weights import doctor_report

    roles = [dataclasses.asdict(r) for r in doctor_report(settings)]
    llm = dataclasses.asdict(describe_chat_backend(settings))
    llm["setting"] = settings.llm_backend
    llm["available"] = {name: b.missing() or "ok" for name, b in available_chat_backends().items()}
    redis = _redis_report(settings)
    return {
        "ok": llm["ok"] and redis.get("ok", False),
        "llm": llm,
        "models": roles,
        "redis": redis,
        "services": services_data(settings),
        "device": _device_report(settings),
        "tools": _tools_report(),
        "code_sandbox": _sandbox_report(settings),
        "settings": settings_in_effect(settings),
    }


def services_data(settings: Settings) -> list[dict[str, Any]]:
    """The background services this user's commands share: the embedded Redis and the local
    model servers, with pid, address, memory and idle time."""
    from sokrat.llm.server import list_servers, process_rss
    from sokrat.memory.embedded import running_server

    out: list[dict[str, Any]] = []
    redis = running_server(settings.data_dir)
    if redis is not None:
        out.append({"name": "redis", "kind": "embedded Redis (valkey)", "pid": redis.pid, "address": redis.url,
                    "rss_bytes": process_rss(redis.pid), "idle_for_s": None, "idle_timeout_s": None,
                    "dir": str(redis.dir)})
    for info in list_servers(settings):
        out.append({"name": "llm", "kind": "llama.cpp model server", "pid": info.pid, "address": info.url,
                    "rss_bytes": info.rss_bytes(), "idle_for_s": round(info.idle_for_s, 1),
                    "idle_timeout_s": info.idle_s or None, "model": info.model_id, "model_path": info.model_path,
                    "draft_path": info.draft_path, "load_s": round(info.load_s, 2), "dir": str(info.dir)})
    return out


def stop_services(settings: Settings, only: str) -> list[dict[str, Any]]:
    """Stop the shared services (``only``: ``llm``, ``redis`` or ``all``); returns the stopped ones."""
    from sokrat.llm.server import list_servers, stop_server
    from sokrat.memory.embedded import stop_server as stop_redis

    stopped = []
    for service in services_data(settings):
        if only not in ("all", service["name"]):
            continue
        if service["name"] == "redis":
            done = stop_redis(settings)
        else:
            done = any(stop_server(i) for i in list_servers(settings) if i.pid == service["pid"])
        if done:
            stopped.append(service)
    return stopped


def _print_services(services: list[dict[str, Any]]) -> None:
    if not services:
        stdout.print("no shared services are running")
        return
    from rich.table import Table

    table = Table(title="services")
    for col in ("service", "pid", "address", "memory", "idle", "details"):
        table.add_column(col, overflow="fold")
    for s in services:
        mem = f"{s['rss_bytes'] / 2**20:.0f} MiB" if s.get("rss_bytes") else "-"
        idle = "-" if s["idle_for_s"] is None else f"{s['idle_for_s']:.0f} s" + (
            f" (stops at {s['idle_timeout_s']:.0f} s)" if s["idle_timeout_s"] else "")
        details = s.get("model") or s["kind"]
        table.add_row(s["name"], str(s["pid"]), s["address"], mem, idle, details)
    stdout.print(table)


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
    if llm["ok"]:
        stdout.print(f"planner: [green]ok[/green] backend {llm['backend']}: {llm['model']} ({llm['detail']})",
                     highlight=False)
    else:
        stdout.print(f"planner: [red]unavailable[/red] backend {llm['backend']}: {llm['error']}", highlight=False)
    redis = data["redis"]
    if redis.get("ok"):
        modules = ", ".join(str(m) for m in redis.get("modules", [])) or "none"
        kind = "embedded" if redis.get("embedded") else "external"
        stdout.print(f"redis: [green]ok[/green] {kind} {redis.get('server')} {redis.get('version')} "
                     f"at {redis.get('url')}; modules: {modules}")
    else:
        stdout.print(f"redis: [red]unavailable[/red] {redis.get('error')}")
    _print_services(data["services"])
    if data["services"]:
        stdout.print("stop them with `sokrat services stop`")
    dev = data["device"]
    stdout.print(f"device: {dev['resolved']} (setting {dev['setting']}; torch {dev.get('torch')}, "
                 f"cuda available: {dev.get('cuda_available')})")
    tools = data["tools"]
    stdout.print(f"tools: {', '.join(tools['names']) or '(none)'}" if tools["ok"]
                 else f"tools: [red]broken[/red] {tools['error']}")
    box = data["code_sandbox"]
    if box["setting"] != "bubblewrap":
        stdout.print(f"code sandbox: [yellow]{box['setting']}[/yellow] (resource limits only, not a security boundary)")
    elif box["available"]:
        stdout.print(f"code sandbox: [green]ok[/green] bubblewrap ({', '.join(box['namespaces'])} namespaces, "
                     f"process limit by {box['process_limit'] or 'none'})", highlight=False)
    else:
        stdout.print(f"code sandbox: [red]unavailable[/red] {box['reason']}", highlight=False)
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

    @app.command()
    def services(
        action: str = typer.Argument("status", help="`status` (default) or `stop`."),
        only: str = typer.Option("all", "--only", help="With stop: `llm`, `redis` or `all`."),
        as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
    ) -> None:
        """The background services your commands share (embedded Redis, local model server): list or stop them."""
        from sokrat.settings import get_settings

        if action not in ("status", "stop"):
            raise fail(f"unknown action {action!r}; use `status` or `stop`")
        if only not in ("all", "llm", "redis"):
            raise fail(f"--only must be llm, redis or all, not {only!r}")
        with user_errors():
            settings = get_settings()
            if action == "status":
                found = services_data(settings)
                if as_json:
                    emit_json({"services": found})
                else:
                    _print_services(found)
                return
            stopped = stop_services(settings, only)
        if as_json:
            emit_json({"stopped": stopped})
        elif stopped:
            for s in stopped:
                stdout.print(f"stopped {s['name']} (pid {s['pid']})", highlight=False)
        else:
            stdout.print("nothing to stop")

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
