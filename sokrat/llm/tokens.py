"""Token counting by the model's own chat template: the one home of this logic.

Context budgets are only as good as these counts, so they come from the model's tokenizer
(a Hugging Face tokenizer in-process, or the llama.cpp server's ``/apply-template`` +
``/tokenize``). Without either, :func:`estimate_tokens` says so by its name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sokrat.llm.base import Message

log = logging.getLogger(__name__)

CHARS_PER_TOKEN = 4.0
"""English text with BPE vocabularies takes ~4 characters per token (an estimate, not a count)."""
TEMPLATE_TOKENS_PER_MESSAGE = 4
"""Role markers and separators a chat template adds per message (Qwen/ChatML: 4-5)."""


def as_dicts(messages: Sequence[Message], *, tool_as_user: bool = False) -> list[dict[str, str]]:
    """Messages as chat-template dicts. ``tool_as_user``: for templates without a ``tool``
    role, observations become user turns prefixed ``Observation:``."""
    out = []
    for m in messages:
        if tool_as_user and m.role == "tool":
            out.append({"role": "user", "content": f"Observation: {m.content}"})
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def chat_template_ids(tokenizer: Any, messages: Sequence[Message]) -> list[int]:
    """The prompt token ids of ``messages`` with the generation prompt, by a Hugging Face
    tokenizer's chat template (templates without a ``tool`` role get observations as user turns)."""
    try:
        ids = tokenizer.apply_chat_template(as_dicts(messages), add_generation_prompt=True, tokenize=True)
    except Exception as e:  # jinja TemplateError: this template has no 'tool' role  # noqa: BLE001
        if not any(m.role == "tool" for m in messages):
            raise
        log.debug("chat template refused role 'tool' (%s); sending observations as user turns", e)
        ids = tokenizer.apply_chat_template(as_dicts(messages, tool_as_user=True), add_generation_prompt=True,
                                            tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "input_ids"):  # BatchEncoding in transformers 5
        ids = ids["input_ids"]
    return list(ids)


def count_with_tokenizer(tokenizer: Any, messages: Sequence[Message] | str) -> int:
    """Exact count by a Hugging Face tokenizer: a plain string without special tokens, or
    messages through the chat template."""
    if isinstance(messages, str):
        return len(tokenizer.encode(messages, add_special_tokens=False))
    return len(chat_template_ids(tokenizer, messages))


def estimate_tokens(messages: Sequence[Message] | str) -> int:
    """An estimate for servers whose tokenizer we cannot reach (hosted APIs)."""
    if isinstance(messages, str):
        return max(1, round(len(messages) / CHARS_PER_TOKEN))
    return sum(round(len(m.content) / CHARS_PER_TOKEN) + TEMPLATE_TOKENS_PER_MESSAGE for m in messages) + 2
