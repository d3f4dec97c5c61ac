"""Tools: the registry and the built-in tools (perception, search, code, memory)."""

from __future__ import annotations

from sokrat.tools.registry import Tool, ToolContext, ToolOutcome, ToolRegistry, tool

# Modules whose module-level `@tool`s make up the default tool set, imported lazily.
BUILTIN_TOOL_MODULES: tuple[str, ...] = (
    "sokrat.tools.video",
    "sokrat.tools.memory",
    "sokrat.tools.code",
    "sokrat.tools.artifacts",
)


def default_tools() -> list[Tool]:
    """Every built-in tool, in a stable order."""
    import importlib

    return [t for name in BUILTIN_TOOL_MODULES for t in importlib.import_module(name).TOOLS]


__all__ = ["Tool", "ToolContext", "ToolOutcome", "ToolRegistry", "default_tools", "tool"]
