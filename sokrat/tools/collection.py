"""Collection tools: questions over a day (or days) of clips, with wall-clock times; the diary.

The collection belongs to the run's namespace (the API key's owner on the server, ``default``
elsewhere). The work is done by :class:`sokrat.video.collection.Collection`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sokrat.tools.registry import ToolContext, tool
from sokrat.tools.video import _as_tool_errors, _qa

if TYPE_CHECKING:
    from sokrat.video.collection import Collection


def _collection(name: str, ctx: ToolContext) -> Collection:
    from sokrat.video.collection import Collection

    return Collection(_qa(ctx), name, owner=ctx.namespace or "default")


def _has_collections(ctx: ToolContext) -> bool:
    """Offered only when the run's owner has a collection: with none, a small planner invents
    collection names for questions that have nothing to do with clips."""
    from sokrat.errors import ConfigError, ToolUnavailable
    from sokrat.tools.memory import long_term_memory
    from sokrat.video.collection import Collection

    try:
        return bool(Collection.names(long_term_memory(ctx), owner=ctx.namespace or "default"))
    except (ToolUnavailable, ConfigError):  # memory off, or not Redis: no collections
        return False


@tool(looks_up=True, applies=_has_collections)
def collection_qa(question: str, collection: str, ctx: ToolContext) -> dict[str, Any]:
    """Answer a question over every clip of a collection (a day of videos), with wall-clock times.

    Also answers "what did I do this morning?" from the day's diary, and "what am I likely to do
    next?" from the routine across days.

    Args:
        question: the question, e.g. "when did I last see the cat?" or "what did I see between 12 and 1 pm?".
        collection: the collection's name.
    """
    with _as_tool_errors():
        result = _collection(collection, ctx).ask(question)
    return {"answer": result.answer, "status": result.status,
            "evidence": [e.model_dump(exclude={"memory_id", "frame_url"}) for e in result.evidence]}


@tool(looks_up=True, applies=_has_collections)
def collection_diary(collection: str, ctx: ToolContext) -> list[dict[str, Any]]:
    """The collection's days as a diary: per day and part of the day, what was seen, where and said.

    Args:
        collection: the collection's name.
    """
    from sokrat.video import diary

    with _as_tool_errors():
        return [p.to_json() for p in diary.periods(_collection(collection, ctx))]


TOOLS = [collection_qa, collection_diary]
