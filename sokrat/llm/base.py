"""One small chat interface for every LLM backend (llama.cpp server, OpenAI-compatible HTTP,
local transformers, scripted). The async methods are the core; the sync ones are thin wrappers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sokrat._async import run_sync
from sokrat.errors import LLMUnsupported
from sokrat.types import Usage

if TYPE_CHECKING:
    from sokrat.llm.scripted import ScriptedChatModel as ScriptedChatModel

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class Message:
    role: Role
    """Who speaks: ``system`` (instructions), ``user``, ``assistant`` or ``tool`` (an observation)."""
    content: str
    """The text of the turn."""


@dataclass(frozen=True)
class ChatResponse:
    """One completion. With a JSON schema, ``parsed`` holds the decoded object."""

    text: str
    """The completion's text."""
    parsed: Any = None
    """The decoded JSON when a schema was given (``None`` otherwise)."""
    usage: Usage = field(default_factory=Usage)
    """Tokens this call took (prompt, completion, calls, retries)."""
    finish_reason: str = "stop"
    """``stop`` (the model ended) or ``length`` (cut at ``max_tokens``)."""


@dataclass(frozen=True)
class ContinuationScore:
    """How likely the model finds one continuation of a prompt (SayCan's "say" score)."""

    text: str
    """The candidate continuation, as given."""
    logprob: float
    """Natural-log probability of the whole continuation: the sum over its tokens."""
    n_tokens: int
    """How many of the model's tokens the continuation took."""

    @property
    def mean_logprob(self) -> float:
        """Log-probability per token: compares candidates of different lengths fairly."""
        return self.logprob / max(1, self.n_tokens)


class ChatModel(ABC):
    """A chat model the planner and tools talk to.

    ``purpose`` (keyword-only, on every call) names why the caller asks ("plan", "act",
    "judge", ...). Real backends only log it; test doubles route on it instead of parsing
    prompts.
    """

    name: str = "chat"

    @property
    @abstractmethod
    def context_length(self) -> int:
        """The model's context window, in its own tokens."""

    @abstractmethod
    def count_tokens(self, messages: Sequence[Message] | str) -> int:
        """Tokens the messages (with the chat template) or a plain string take, by the model's tokenizer."""

    @abstractmethod
    async def agenerate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        purpose: str | None = None,
    ) -> ChatResponse:
        """Complete ``messages``. With ``json_schema`` the output is constrained to it
        (grammar for local models, ``response_format`` for HTTP) and ``parsed`` is set."""

    async def astream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        purpose: str | None = None,
    ) -> AsyncIterator[str]:
        """Stream text pieces. Default: one piece, the whole completion."""
        response = await self.agenerate(messages, max_tokens=max_tokens, temperature=temperature,
                                        purpose=purpose)
        yield response.text

    async def ascore(
        self,
        prompt: Sequence[Message] | str,
        candidates: Sequence[str],
        *,
        purpose: str | None = None,
    ) -> list[ContinuationScore]:
        """Score each candidate as the continuation of ``prompt`` by the model's log-probability.

        With messages, a candidate is the start of the assistant's reply (after the chat
        template's generation prompt); with a string, it follows the raw text directly, so
        put any separating space in the candidate (``" pick up the cup"``). Scores are
        returned in the order of ``candidates``. Backends that cannot score raise
        :class:`~sokrat.errors.LLMUnsupported`.
        """
        raise LLMUnsupported(
            f"the {self.name!r} chat backend cannot score continuations; use the llama.cpp "
            "(SOKRAT_LLM_BACKEND=llamacpp) or transformers backend"
        )

    def generate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
        purpose: str | None = None,
    ) -> ChatResponse:
        """Sync form of :meth:`agenerate`."""
        return run_sync(self.agenerate(messages, json_schema=json_schema, max_tokens=max_tokens,
                                       temperature=temperature, purpose=purpose))

    def score(
        self,
        prompt: Sequence[Message] | str,
        candidates: Sequence[str],
        *,
        purpose: str | None = None,
    ) -> list[ContinuationScore]:
        """Sync form of :meth:`ascore`."""
        return run_sync(self.ascore(prompt, candidates, purpose=purpose))


def __getattr__(name: str) -> Any:
    # ScriptedChatModel moved to sokrat.llm.scripted (a test double in its own module, like
    # pydantic-ai's FunctionModel); the old import path keeps working.
    if name == "ScriptedChatModel":
        from sokrat.llm.scripted import ScriptedChatModel

        return ScriptedChatModel
    raise AttributeError(name)
