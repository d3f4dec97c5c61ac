"""LLM backends behind one chat interface (:class:`~sokrat.llm.base.ChatModel`)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from sokrat.llm.base import ChatModel, ChatResponse, Message, ScriptedChatModel

if TYPE_CHECKING:
    from sokrat.llm.local import LocalChatModel
    from sokrat.llm.openai import OpenAIChatModel
    from sokrat.settings import Settings

_MODELS: dict[tuple[Any, ...], ChatModel] = {}
_MODELS_LOCK = threading.Lock()


def get_chat_model(settings: Settings | None = None) -> ChatModel:
    """The process's chat model: HTTP when ``SOKRAT_LLM_BASE_URL`` is set, else the local
    planner (explicit path -> hub -> offline pack). Cached per process and per LLM settings;
    local weights load on the first call. Raises ``ModelNotAvailable`` when no planner resolves.
    """
    if settings is None:
        from sokrat.settings import get_settings

        settings = get_settings()
    key = (
        settings.llm_base_url, settings.llm_model, settings.llm_hub_id, settings.llm_api_key,
        settings.device, str(settings.cache_dir), settings.context_limit_tokens, settings.llm_max_new_tokens,
    )
    with _MODELS_LOCK:
        if key not in _MODELS:
            if settings.llm_base_url:
                from sokrat.llm.openai import OpenAIChatModel

                _MODELS[key] = OpenAIChatModel.from_settings(settings)
            else:
                from sokrat.llm.local import LocalChatModel

                _MODELS[key] = LocalChatModel.from_settings(settings)
        return _MODELS[key]


def __getattr__(name: str) -> Any:  # heavy backends import lazily
    if name == "LocalChatModel":
        from sokrat.llm.local import LocalChatModel

        return LocalChatModel
    if name == "OpenAIChatModel":
        from sokrat.llm.openai import OpenAIChatModel

        return OpenAIChatModel
    raise AttributeError(name)


__all__ = [
    "ChatModel",
    "ChatResponse",
    "LocalChatModel",
    "Message",
    "OpenAIChatModel",
    "ScriptedChatModel",
    "get_chat_model",
]
