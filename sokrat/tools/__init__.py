"""Tools: the registry and the built-in tools (perception, search, code, memory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sokrat.tools.registry import Tool, ToolContext, ToolOutcome, ToolRegistry, tool

if TYPE_CHECKING:
    from sokrat.settings import Settings

# Modules whose module-level `@tool`s make up the default tool set, imported lazily.
BUILTIN_TOOL_MODULES: tuple[str, ...] = (
    "sokrat.tools.video",
    "sokrat.tools.collection",
    "sokrat.tools.memory",
    "sokrat.tools.code",
    "sokrat.tools.artifacts",
    "sokrat.tools.search",
)


def default_tools(settings: Settings | None = None, *, mcp: bool = True) -> list[Tool]:
    """Every built-in tool, in a stable order; ``web_search`` too when the settings turn it on,
    and (``mcp=True``) the tools of the external MCP servers in ``SOKRAT_MCP_SERVERS``."""
    import importlib

    found = [t for name in BUILTIN_TOOL_MODULES for t in importlib.import_module(name).TOOLS]
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    if settings.web_search != "off":
        from sokrat.tools.search import web_search

        found.append(web_search)
    if mcp and settings.mcp_servers:
        from sokrat.tools.mcp_client import load_mcp_tools

        found.extend(load_mcp_tools(settings))
    return found


__all__ = ["Tool", "ToolContext", "ToolOutcome", "ToolRegistry", "default_tools", "tool"]
