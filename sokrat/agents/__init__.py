"""The planner: a LangGraph graph that plans, checks every step, replans, and keeps its prompt
inside the model's context window. LangGraph is imported only when an agent runs."""

from __future__ import annotations

from sokrat.agents.agent import Agent
from sokrat.agents.options import AgentOptions, RunLimits

__all__ = ["Agent", "AgentOptions", "RunLimits"]
