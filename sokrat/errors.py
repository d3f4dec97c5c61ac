"""Every error Sokrat raises on purpose. Messages say who must act and how."""

from __future__ import annotations


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


# --- input ----------------------------------------------------------------------------------
class InvalidInput(SokratError):
    code = "invalid_input"


class MediaError(InvalidInput):
    """A media file is missing, not a video/audio file, truncated, empty or too large."""

    code = "bad_media"


# --- tools ----------------------------------------------------------------------------------
class ToolError(SokratError):
    """Raised by a tool to report a failure the planner should see as an observation."""

    code = "tool_error"


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


# --- run-level limits -------------------------------------------------------------------------
class RunLimitExceeded(SokratError):
    code = "run_limit"


class StepLimitExceeded(RunLimitExceeded):
    code = "step_limit"


class WallClockExceeded(RunLimitExceeded):
    code = "wall_clock_limit"


class ErrorBudgetExhausted(RunLimitExceeded):
    code = "error_budget_exhausted"


class TokenBudgetExceeded(RunLimitExceeded):
    code = "token_budget_exceeded"
