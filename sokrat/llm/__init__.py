"""LLM backends behind one chat interface (:class:`~sokrat.llm.base.ChatModel`)."""

from __future__ import annotations

from sokrat.llm.base import ChatModel, ChatResponse, Message, ScriptedChatModel

__all__ = ["ChatModel", "ChatResponse", "Message", "ScriptedChatModel"]
