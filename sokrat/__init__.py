"""Sokrat: agents that see, hear and act.

    from sokrat import Agent, tool
"""

from __future__ import annotations

import importlib.metadata
from typing import TYPE_CHECKING, Any

from sokrat.tools.registry import tool

if TYPE_CHECKING:
    from sokrat.agents import Agent, AgentOptions
    from sokrat.errors import SokratError
    from sokrat.tools.registry import ToolContext
    from sokrat.types import Event, Result

try:
    __version__ = importlib.metadata.version("sokrat")
except importlib.metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["Agent", "AgentOptions", "Event", "Result", "SokratError", "ToolContext", "__version__", "tool"]

# name -> module: resolved on first access, so `import sokrat` does not pull in LangGraph.
_LAZY = {
    "Agent": "sokrat.agents",
    "AgentOptions": "sokrat.agents",
    "Event": "sokrat.types",
    "Result": "sokrat.types",
    "SokratError": "sokrat.errors",
    "ToolContext": "sokrat.tools.registry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sokrat' has no attribute {name!r}")
