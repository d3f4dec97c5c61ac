"""Long-term memory tools: ``remember`` a fact, ``recall`` what is relevant to a query."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from sokrat.errors import SokratError, ToolError
from sokrat.tools.registry import ToolContext, tool

if TYPE_CHECKING:
    from sokrat.memory.base import Memory


def memory_of(ctx: ToolContext) -> Memory:
    """The run's memory, else the process's (``get_memory(ctx.settings)``)."""
    if ctx.memory is not None:
        return ctx.memory
    from sokrat.memory import get_memory

    return get_memory(ctx.settings)


@tool
def remember(
    ctx: ToolContext,
    text: str,
    tags: list[str] | None = None,
    kind: Literal["fact", "episode"] = "fact",
    source: str | None = None,
) -> str:
    """Store a fact or an event in long-term memory so later runs can recall it.

    Args:
        text: the fact or event, as one self-contained sentence.
        tags: short labels to filter by later, e.g. ["kitchen", "cat"].
        kind: "fact" for lasting knowledge, "episode" for something that happened.
        source: where it comes from, e.g. a video file name.
    """
    try:
        memory_id = memory_of(ctx).remember(text, kind=kind, tags=tags or (), source=source,
                                            metadata={"run_id": ctx.run_id} if ctx.run_id else None)
    except SokratError as e:
        raise ToolError(str(e)) from e
    return f"remembered as {memory_id}"


@tool
def recall(
    ctx: ToolContext,
    query: str,
    k: int = 5,
    tags: list[str] | None = None,
    kinds: list[Literal["fact", "episode"]] | None = None,
    source: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> list[dict[str, Any]]:
    """Search long-term memory by meaning and keywords; the best matches first.

    Args:
        query: what to look for, in words.
        k: how many memories to return (1-50).
        tags: keep only memories with at least one of these tags.
        kinds: keep only these kinds ("fact", "episode").
        source: keep only memories from this source.
        since: keep only memories stored at or after this Unix time.
        until: keep only memories stored at or before this Unix time.
    """
    if not 1 <= k <= 50:
        raise ToolError(f"k must be between 1 and 50, got {k}")
    try:
        hits = memory_of(ctx).recall(query, k=k, tags=tags, kinds=kinds, source=source,
                                     since=since, until=until)
    except SokratError as e:
        raise ToolError(str(e)) from e
    out = []
    for h in hits:
        item: dict[str, Any] = {"id": h.id, "text": h.text, "kind": h.kind,
                                "score": round(h.score, 4) if h.score is not None else None}
        if h.tags:
            item["tags"] = list(h.tags)
        if h.source:
            item["source"] = h.source
        if h.t_start is not None:
            item["t_start"], item["t_end"] = h.t_start, h.t_end
        item["created_at"] = round(h.created_at, 3)
        out.append(item)
    return out


TOOLS = [remember, recall]
