"""Every error Sokrat raises on purpose. Messages say who must act and how."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from sokrat.types import RunStatus


class SokratError(Exception):
    """Base of all Sokrat errors. ``code`` is the stable machine-readable name."""

    code = "sokrat_error"


# --- configuration / models (the user must act) -------------------------------------------
class ConfigError(SokratError):
    code = "config_error"


class ModelNotAvailable(ConfigError):
    """A model role could not be resolved from settings, the hub cache/hub or an offline pack."""

    code = "model_not_available"


class IntegrityError(ConfigError):
    """A model file failed its SHA-256 check."""

    code = "integrity_error"


class LLMConnectionError(SokratError):
    """The OpenAI-compatible LLM server could not be reached or answered badly."""

    code = "llm_unreachable"


class LLMOutputError(SokratError):
    """The model produced output that could not be used, even after retries."""

    code = "llm_bad_output"


class LLMUnsupported(ConfigError):
    """The configured LLM backend cannot do what was asked (e.g. score continuations):
    the user must pick another backend."""

    code = "llm_unsupported"


# --- input ----------------------------------------------------------------------------------
class InvalidInput(SokratError):
    code = "invalid_input"


class MediaError(InvalidInput):
    """A media file is missing, not a video/audio file, truncated, empty or too large."""

    code = "bad_media"


class UploadTooLarge(InvalidInput):
    """An upload is over ``SOKRAT_MAX_UPLOAD_BYTES`` (the REST API answers 413)."""

    code = "upload_too_large"


# --- tools ----------------------------------------------------------------------------------
class ToolError(SokratError):
    """Raised by a tool to report a failure the planner should see as an observation.

    A plain ``ToolError`` is permanent: the same call with the same arguments fails again,
    so the planner must change the arguments or use another tool. Raise
    :class:`TransientToolError` for failures a retry may cure.
    """

    code = "tool_error"
    transient: ClassVar[bool] = False
    """True when the same call may succeed if retried (timeouts, lost connections)."""


class TransientToolError(ToolError):
    """A failure that a retry of the same call may cure: a timeout, a dropped connection, a busy service."""

    code = "tool_transient"
    transient: ClassVar[bool] = True


class ToolUnavailable(ToolError):
    """The tool cannot work in this installation (a missing model, a dead backend): the user
    must act (the message names the fix); the planner should use another tool."""

    code = "tool_unavailable"


class ToolNotFound(ToolError):
    code = "unknown_tool"


class ToolArgumentsError(ToolError):
    code = "bad_tool_arguments"


class ToolDefinitionError(SokratError):
    """A function cannot be a tool (missing type hint or argument description)."""

    code = "bad_tool_definition"


# --- memory ---------------------------------------------------------------------------------
class MemoryBackendError(SokratError):
    code = "memory_error"


class RedisUnavailable(MemoryBackendError):
    code = "redis_unavailable"


class MissingRedisModules(MemoryBackendError):
    code = "redis_modules_missing"


class DimensionMismatch(MemoryBackendError):
    code = "dimension_mismatch"


class NotFound(SokratError):
    code = "not_found"


# --- how a run ends early ---------------------------------------------------------------------
class RunStopped(SokratError):
    """A run cannot go on. It ends with :attr:`status`, and the message becomes its reason.

    Raised inside the planner graph and turned into the run's :class:`~sokrat.types.Result`;
    callers of ``Agent.run`` get the Result, not the exception.
    """

    code = "run_stopped"
    status: ClassVar[RunStatus] = "failed"


class RunCancelled(RunStopped):
    """The caller cancelled the run."""

    code = "cancelled"
    status: ClassVar[RunStatus] = "cancelled"


class PlannerFailed(RunStopped):
    """The planner model failed (unreachable, crashed): the run cannot plan any further."""

    code = "planner_failed"
    status: ClassVar[RunStatus] = "failed"


class RunLimitExceeded(RunStopped):
    """A per-run limit was reached; the run reports what it found so far."""

    code = "run_limit"
    status: ClassVar[RunStatus] = "budget_exhausted"


class StepLimitExceeded(RunLimitExceeded):
    """``max_steps`` tool calls were made."""

    code = "step_limit"


class WallClockExceeded(RunLimitExceeded):
    """``max_wall_s`` seconds passed."""

    code = "wall_clock_limit"


class ErrorBudgetExhausted(RunLimitExceeded):
    """Too many failed steps, in a row or in total."""

    code = "error_budget_exhausted"


class ReplanLimitExceeded(RunLimitExceeded):
    """The plan was rewritten ``max_replans`` times without progress."""

    code = "replan_limit"


class TokenBudgetExceeded(RunLimitExceeded):
    """Even the bare prompt does not fit the model's context: the user must shorten the goal."""

    code = "token_budget_exceeded"
    status: ClassVar[RunStatus] = "failed"
