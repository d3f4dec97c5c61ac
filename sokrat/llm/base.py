"""One small chat interface for every LLM backend (local transformers, OpenAI-compatible HTTP,
scripted). The async methods are the core; the sync ones are thin wrappers."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sokrat._async import run_sync
from sokrat.types import Usage

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatResponse:
    """One completion. With a JSON schema, ``parsed`` holds the decoded object."""

    text: str
    parsed: Any = None
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"


class ChatModel(ABC):
    """A chat model the planner and tools talk to."""

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
    ) -> ChatResponse:
        """Complete ``messages``. With ``json_schema`` the output is constrained to it
        (grammar for local models, ``response_format`` for HTTP) and ``parsed`` is set."""

    async def astream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> AsyncIterator[str]:
        """Stream text pieces. Default: one piece, the whole completion."""
        response = await self.agenerate(messages, max_tokens=max_tokens, temperature=temperature)
        yield response.text

    def generate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        """Sync form of :meth:`agenerate`."""
        return run_sync(
            self.agenerate(messages, json_schema=json_schema, max_tokens=max_tokens, temperature=temperature)
        )


class ScriptedChatModel(ChatModel):
    """Replays scripted replies, for unit tests of logic (langgraph's FakeChatModel).

    Each reply is a string or a JSON-able object (returned as its JSON text and ``parsed``).
    Token counts are whitespace words, so budgets can be tested deterministically.
    When the script runs out it raises, so a test sees an unexpected extra call.
    """

    name = "scripted"

    def __init__(self, replies: Sequence[Any], *, context_length: int = 4096) -> None:
        self._replies = list(replies)
        self._context_length = context_length
        self.calls: list[list[Message]] = []

    @property
    def context_length(self) -> int:
        return self._context_length

    def count_tokens(self, messages: Sequence[Message] | str) -> int:
        if isinstance(messages, str):
            return len(messages.split())
        return sum(len(m.content.split()) + 4 for m in messages)

    async def agenerate(
        self,
        messages: Sequence[Message],
        *,
        json_schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> ChatResponse:
        self.calls.append(list(messages))
        if not self._replies:
            raise RuntimeError("ScriptedChatModel: no scripted reply left for this call")
        reply = self._replies.pop(0)
        text = reply if isinstance(reply, str) else json.dumps(reply)
        parsed = None
        if json_schema is not None:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                parsed = None
        usage = Usage(
            prompt_tokens=self.count_tokens(messages),
            completion_tokens=self.count_tokens(text),
            llm_calls=1,
        )
        return ChatResponse(text=text, parsed=parsed, usage=usage)
