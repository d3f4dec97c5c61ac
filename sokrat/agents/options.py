"""Options of one agent (the process-wide limits live in :class:`sokrat.settings.Settings`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentOptions:
    recent_steps: int = 3
    """Steps shown verbatim in the prompt; older ones are folded into the running summary."""
    summary_max_chars: int = 400
    """Cap on the running summary, so the prompt stays flat on long runs."""
    llm_summary: bool = True
    """Summarise old steps with the model (extractive fallback when it fails or is off)."""
    memories_per_step: int = 3
    """Memories recalled for the current step (0: none). Needs a long-term memory."""
    max_plan_steps: int = 6
    """Longest plan the planner may write."""
    max_replans: int = 3
    """Replans allowed before the run stops as ``budget_exhausted``."""
    max_identical_calls: int = 5
    """Backstop: the same tool call with the same arguments is refused after this many runs.
    (Repeats with the same output, and repeats of a succeeded call, are refused sooner; a
    flaky call whose results keep changing is bounded by the error budget.)"""
    block_repeated_calls: bool = True
    """Refuse a call identical to one that already succeeded (the model is shown the earlier
    result). Turn off when tools have side effects that are meant to be repeated
    (e.g. a robot's ``step_forward``)."""
    llm_judge: bool = True
    """Ask the model to judge a step where the cheap rules cannot tell."""
    action_max_tokens: int = 256
    """Cap on one action's tokens (a call or a final answer); stops runaway generations early."""
    action_retries: int = 1
    """Re-asks when the model's action is unparseable or names an unknown tool."""
    human_in_the_loop: bool = False
    """Ask ambiguous goals back (LangGraph ``interrupt``) instead of stating an assumption."""
    remember_episodes: bool = True
    """Store each finished run (goal, answer) as an episode in long-term memory."""
