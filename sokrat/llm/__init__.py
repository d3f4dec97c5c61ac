"""LLM backends behind one chat interface (:class:`~sokrat.llm.base.ChatModel`).

:func:`get_chat_model` returns the planner of the backend the settings select
(:mod:`sokrat.llm.backends`); the model is cached per process and per LLM settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sokrat._cache import ProcessCache
from sokrat.llm.base import ChatModel, ChatResponse, ContinuationScore, Message

if TYPE_CHECKING:
    from sokrat.llm.local import LocalChatModel
    from sokrat.llm.openai import OpenAIChatModel
    from sokrat.llm.scripted import ScriptedChatModel
    from sokrat.settings import Settings

_MODELS: ProcessCache[ChatModel] = ProcessCache(maxsize=4)

_LLM_FIELDS = (
    "llm_backend", "llm_base_url", "llm_model", "llm_hub_id", "llm_api_key", "llm_draft_model", "llm_timeout_s",
    "llm_max_new_tokens", "llm_context_tokens", "llm_server_slots", "llm_threads", "llm_batch_threads",
    "llm_server_idle_s", "llm_server_start_timeout_s", "context_limit_tokens", "device", "cache_dir", "data_dir",
)


def get_chat_model(settings: Settings) -> ChatModel:
    """The chat model of the backend ``settings`` select (``SOKRAT_LLM_BACKEND``; by default the
    HTTP server at ``SOKRAT_LLM_BASE_URL`` when set, else the shared local llama.cpp server,
    else transformers in-process). Cached per process and per LLM settings; weights load and
    servers start on first use. Raises ``ConfigError``/``ModelNotAvailable`` naming the fix.
    """
    from sokrat.llm.backends import chat_backend

    backend = chat_backend(settings)
    key = (backend.name, *(str(getattr(settings, f)) for f in _LLM_FIELDS))
    return _MODELS.get_or_build(key, lambda: backend.create(settings))


def __getattr__(name: str) -> Any:  # heavy backends import lazily
    if name == "LocalChatModel":
        from sokrat.llm.local import LocalChatModel

        return LocalChatModel
    if name == "OpenAIChatModel":
        from sokrat.llm.openai import OpenAIChatModel

        return OpenAIChatModel
    if name == "ScriptedChatModel":
        from sokrat.llm.scripted import ScriptedChatModel

        return ScriptedChatModel
    raise AttributeError(name)


__all__ = [
    "ChatModel",
    "ChatResponse",
    "ContinuationScore",
    "LocalChatModel",
    "Message",
    "OpenAIChatModel",
    "ScriptedChatModel",
    "get_chat_model",
]
