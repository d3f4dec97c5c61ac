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
    """Every built-in tool whose module is present, in a stable order."""
    import importlib

    found: list[Tool] = []
    for module_name in BUILTIN_TOOL_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as e:
            if e.name == module_name:  # not written yet / removed: skip; a broken import is a bug
                continue
            raise
        found.extend(getattr(module, "TOOLS", ()))
    return found


__all__ = ["Tool", "ToolContext", "ToolOutcome", "ToolRegistry", "default_tools", "tool"]
