"""A chat model controlled by a script, for unit tests of logic (langgraph's FakeChatModel,
pydantic-ai's FunctionModel). Apart from ``__init__`` and ``calls``, everything matches
:class:`~sokrat.llm.base.ChatModel`."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from sokrat.llm.base import ChatModel, ChatResponse, ContinuationScore, Message
from sokrat.types import Usage


class ScriptedChatModel(ChatModel):
    """Replays scripted replies.

    Each reply is a string or a JSON-able object (returned as its JSON text and ``parsed``).
    Token counts are whitespace words, so budgets can be tested deterministically.
    When the script runs out it raises, so a test sees an unexpected extra call.
    ``purposes`` records the ``purpose`` of each call, in order.

    Args:
        replies: the replies, in call order.
        context_length: the context window it reports.
        scores: for :meth:`ascore`, candidate text -> log-probability (unknown candidates
            score ``-inf``); without it, scoring raises like a backend that cannot score.
    """

    name = "scripted"

    def __init__(self, replies: Sequence[Any], *, context_length: int = 4096,
                 scores: dict[str, float] | None = None) -> None:
        self._replies = list(replies)
        self._context_length = context_length
        self._scores = scores
        self.calls: list[list[Message]] = []
        self.purposes: list[str | None] = []
        self.temperatures: list[float] = []

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
        purpose: str | None = None,
    ) -> ChatResponse:
        self.calls.append(list(messages))
        self.purposes.append(purpose)
        self.temperatures.append(temperature)
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

    async def ascore(
        self,
        prompt: Sequence[Message] | str,
        candidates: Sequence[str],
        *,
        purpose: str | None = None,
    ) -> list[ContinuationScore]:
        if self._scores is None:
            return await super().ascore(prompt, candidates, purpose=purpose)
        self.purposes.append(purpose)
        return [ContinuationScore(c, self._scores.get(c, -math.inf), max(1, self.count_tokens(c)))
                for c in candidates]
