"""Sokrat: agents that see, hear and act.

    from sokrat import Agent, tool
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sokrat.tools.registry import tool

if TYPE_CHECKING:
    from sokrat.agents import Agent

__version__ = "0.1.0"
__all__ = ["Agent", "tool", "__version__"]


def __getattr__(name: str) -> Any:
    # Agent pulls in LangGraph: import it only when asked for.
    if name == "Agent":
        from sokrat.agents import Agent

        return Agent
    raise AttributeError(f"module 'sokrat' has no attribute {name!r}")
