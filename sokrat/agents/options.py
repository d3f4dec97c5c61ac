"""Options of one agent, and per-run limits (their defaults live in :class:`sokrat.settings.Settings`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal

from sokrat.agents.verifier import DEFAULT_ANSWER_CHECKS, AnswerCheck

if TYPE_CHECKING:
    from sokrat.settings import Settings


@dataclass(frozen=True)
class AgentOptions:
    recent_steps: int = 3
    """Steps shown verbatim in the prompt; older ones are folded into the running summary."""
    summary_max_chars: int = 400
    """Cap on the running summary, so the prompt stays flat on long runs."""
    llm_summary: bool = True
    """Summarise old steps with the model (extractive fallback when it fails or is off)."""
    memories_per_step: int = 3
    """Memories of earlier runs shown to the planner (0: none). Recalled once per run for the
    goal, and only those sharing a content word with it. Needs a long-term memory."""
    max_offered_tools: int = 8
    """More applicable tools than this are ranked by relevance to the goal and cut (small
    models choose worse among many tools)."""
    transient_retries: int = 2
    """Retries of a call that failed transiently (timeout, lost connection), with backoff."""
    retry_backoff_s: float = 0.5
    """Wait before the first retry of a transient failure; doubled for each further retry."""
    plan: Literal["auto", "always"] = "auto"
    """``always``: the model writes a plan for every goal. ``auto``: a goal that is one short
    request (one sentence, nothing like "then" or a list to sequence) is its own one-step plan,
    which saves a model call (about a third of a simple run on a 2-core CPU); longer or
    multi-part goals are planned by the model."""
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
    """Ask the model to judge a step where the cheap rules cannot tell. Fail-open: with the
    judge off, or when its reply has no usable label, such a step is accepted (the grounding
    check still judges the final answer)."""
    action_max_tokens: int = 256
    """Cap on one action's tokens (a call or a final answer); stops runaway generations early."""
    fallback_temperature: float = 0.7
    """A proposed call that the loop check would refuse (it already failed with the same
    arguments, or already gave its result) is asked again once at this temperature (whisper's
    temperature fallback: greedy decoding repeats a stuck model's choice); 0 turns it off."""
    action_retries: int = 1
    """Re-asks when the model's action is unparseable or names an unknown tool."""
    human_in_the_loop: bool = False
    """Ask ambiguous goals back (LangGraph ``interrupt``) instead of stating an assumption."""
    remember_episodes: bool = True
    """Store each finished run (goal, answer) as an episode in long-term memory."""
    answer_from_code: bool = True
    """A one-request goal whose code (a ``computes`` tool) printed one line is answered with that
    line, as smolagents' ``CodeAgent`` answers with what its code passes to ``final_answer``: no
    model call to restate it (one decode of ~30 tokens, 3-6 s on 2 cores). The answer still goes
    through :attr:`answer_checks`; a send-back returns to the model."""
    crosscheck_code: bool = True
    """An answer computed by code for a goal that states its values is cross-checked by a second
    program the model writes without seeing the first (a third decides a disagreement); when
    they disagree the run ends ``unverified`` (``code_disagrees``, :mod:`sokrat.agents.crosscheck`).
    Costs one more model call (~40 tokens, 5-8 s on 2 cores) per computed answer."""
    answer_when_stopped: bool = True
    """A run stopped by a limit (error budget, step cap, replans) after steps that succeeded
    asks the model once for an answer from what they found, as smolagents'
    ``provide_final_answer`` does at ``max_steps``. That answer is never a success: the run ends
    ``unverified`` with the limit as its reason (one more model call, ~5-10 s on 2 cores)."""
    answer_checks: tuple[AnswerCheck, ...] = DEFAULT_ANSWER_CHECKS
    """The checks a proposed final answer must pass, in the order they run (earlier ones take
    precedence), each with its own send-back budget (:mod:`sokrat.agents.verifier`). Add your
    own (``(*DEFAULT_ANSWER_CHECKS, AnswerCheck("...", fn))``) or drop some."""


@dataclass(frozen=True)
class RunLimits:
    """Per-run limits. ``None`` takes the process setting (``SOKRAT_MAX_STEPS`` ...); pass
    ``limits=RunLimits(max_steps=5)`` to :meth:`Agent.run` to override one run only."""

    max_steps: int | None = None
    """Tool calls (executed or refused) before the run stops as ``budget_exhausted``."""
    max_wall_s: float | None = None
    """Seconds before the run stops as ``budget_exhausted``."""
    max_consecutive_failures: int | None = None
    """Failed steps in a row that exhaust the error budget."""
    max_total_failures: int | None = None
    """Failed steps in all that exhaust the error budget."""
    tool_timeout_s: float | None = None
    """Longest one tool call may take."""

    def resolve(self, settings: Settings) -> ResolvedLimits:
        """Every limit filled in, from this object first and ``settings`` second."""
        def pick(name: str) -> Any:
            value = getattr(self, name)
            return getattr(settings, name) if value is None else value

        return ResolvedLimits(**{f.name: pick(f.name) for f in fields(ResolvedLimits)})


@dataclass(frozen=True)
class ResolvedLimits:
    """:class:`RunLimits` with every value filled in (what a run actually uses)."""

    max_steps: int
    max_wall_s: float
    max_consecutive_failures: int
    max_total_failures: int
    tool_timeout_s: float
