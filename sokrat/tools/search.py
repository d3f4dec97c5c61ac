"""`search`: the documents indexed with `sokrat index`; `web_search`: the web, when turned on."""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Annotated, Any

from pydantic import Field

from sokrat.tools.registry import ToolContext, tool

MAX_RESULTS = 20
TEXT_CHARS = 700
"""Characters of each passage shown to the planner (a chunk is ~800)."""


def _has_documents(ctx: ToolContext) -> bool:
    """Offered only when the run's namespace holds indexed documents: a search of nothing
    returns nothing, and small planners reach for "search" on questions about a video."""
    from sokrat.errors import ToolUnavailable
    from sokrat.search.indexer import DocumentIndexer
    from sokrat.tools.memory import long_term_memory

    try:
        store = DocumentIndexer.for_memory(long_term_memory(ctx)).store
    except ToolUnavailable:  # memory is off: there is nothing to search
        return False
    return store.has_documents(ctx.namespace)


def render_hits(hits: list[dict[str, Any]]) -> str:
    """A search's hits as the planner reads them: JSON records of the file's name (and page),
    the title where the passage does not hold it, and the passage. The full paths, character
    offsets and scores cost a small planner a third of its prompt (at ~60 prompt tokens/s on
    two cores) and say nothing it answers from. (JSON still: the 1.5B planner, shown the same
    passages as numbered lines, searched again instead of answering.)"""
    shown = []
    for h in hits:
        record: dict[str, Any] = {"source": PurePath(str(h.get("source", ""))).name}
        if h.get("page") is not None:
            record["page"] = h["page"]
        title, text = str(h.get("title") or "").strip(), str(h.get("text", ""))
        if title and title not in text:
            record["title"] = title
        record["text"] = text
        shown.append(record)
    return json.dumps(shown, ensure_ascii=False)


@tool(applies=_has_documents, looks_up=True, planner_omits=("k",), render=render_hits)
def search(
    ctx: ToolContext,
    query: Annotated[str, Field(min_length=1)],
    k: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 5,
) -> list[dict[str, Any]]:
    """Search the user's indexed documents (text, Markdown, HTML and PDF files) by meaning and keywords.

    Returns the best passages, each with its source file, character offsets and page (PDF).

    Args:
        query: what to look for, in words, e.g. "how to reset the router".
        k: how many passages to return.
    """
    from sokrat.search.indexer import DocumentIndexer
    from sokrat.tools.memory import long_term_memory

    hits = DocumentIndexer.for_memory(long_term_memory(ctx)).search(query, k=k, namespace=ctx.namespace)
    out = []
    for h in hits:
        item: dict[str, Any] = {"source": h.source, "title": h.title, "start": h.start, "end": h.end,
                                "text": h.text[:TEXT_CHARS], "score": round(h.score, 5)}
        if h.page is not None:
            item["page"] = h.page
        out.append(item)
    return out


@tool
async def web_search(
    ctx: ToolContext,
    query: Annotated[str, Field(min_length=1)],
    k: Annotated[int, Field(ge=1, le=MAX_RESULTS)] = 5,
) -> list[dict[str, str]]:
    """Search the web; returns titles, URLs and snippets.

    Args:
        query: what to look for.
        k: how many results to return.
    """
    from sokrat.search.web import get_provider

    results = await get_provider(ctx.resolved_settings()).search(query, k)
    return [{"title": r.title, "url": r.url, "snippet": r.snippet} for r in results]


TOOLS = [search]
"""Built-in tools; ``web_search`` joins them when ``SOKRAT_WEB_SEARCH`` is not ``off``."""
