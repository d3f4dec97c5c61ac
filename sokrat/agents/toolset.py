"""Which tools the planner is offered for a goal, and which memories it is shown.

Small models pick tools by surface cues: offered a video search for an arithmetic question,
the 1.5B planner searched a video that did not exist until its error budget ran out. So a
run is offered only the tools that can apply:

- tools that read media (a parameter named ``video``, ``media``, ``audio`` or ``image``)
  only when the run has media or the goal names a media file;
- tools that page through stored outputs (a ``handle`` parameter) only once a step's output
  was stored as an artifact;
- tools that say they cannot apply to the run (:attr:`Tool.applies`: the document search
  with no documents indexed);
- when more than ``limit`` tools remain, the ``limit`` most relevant to the goal (BM25 over
  each tool's name and description).

The choice is made once per run, so the system prompt (which lists the tools) stays the same
from step to step and a prompt cache can reuse it.

Recalled memories are filtered the same way: a memory is shown only when it shares a content
word with the goal, since vector search always returns its nearest items, related or not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sokrat import text as en
from sokrat.memory.base import MemoryRecord
from sokrat.tools.registry import Tool, ToolContext

MEDIA_PARAMS = frozenset({"video", "media", "audio", "image"})
ARTIFACT_PARAMS = frozenset({"handle"})
MEDIA_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".wav", ".mp3", ".m4a", ".flac", ".ogg",
                  ".jpg", ".jpeg", ".png")
MAX_OFFERED_TOOLS = 8
"""More tools than this are ranked by relevance to the goal (small models choose worse among many)."""

def _params(t: Tool) -> set[str]:
    return set(t.parameters.get("properties", {}))


def reads_media(t: Tool) -> bool:
    return bool(_params(t) & MEDIA_PARAMS)


def reads_artifacts(t: Tool) -> bool:
    return bool(_params(t) & ARTIFACT_PARAMS)


def names_media(goal: str) -> bool:
    """The goal mentions a media file (a path or a file name with a media suffix)."""
    return any(word.lower().rstrip(".,;:!?)\"'").endswith(MEDIA_SUFFIXES) for word in goal.split())


content_words = en.content_words
"""Lower-case words of 3+ characters that are not stop words (:func:`sokrat.text.content_words`)."""


def _rank(tools: Sequence[Tool], goal: str, limit: int) -> list[Tool]:
    import bm25s

    corpus = [f"{t.name.replace('_', ' ')} {t.description}" for t in tools]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)
    query = bm25s.tokenize([goal], stopwords="en", show_progress=False)
    if not query.vocab:  # nothing to rank by: keep the registration order
        return list(tools[:limit])
    docs, _ = retriever.retrieve(query, k=len(tools), show_progress=False)
    order = [int(i) for i in docs[0]]
    keep = set(order[:limit])
    return [t for i, t in enumerate(tools) if i in keep]  # registration order: a stable prompt


def offered_tools(tools: Iterable[Tool], goal: str, *, has_media: bool, limit: int = MAX_OFFERED_TOOLS,
                  ctx: ToolContext | None = None) -> list[Tool]:
    """The tools to offer for this goal (the artifact reader is added later, when needed);
    with ``ctx``, only those that apply to the run (:attr:`Tool.applies`)."""
    media = has_media or names_media(goal)
    usable = [t for t in tools if not reads_artifacts(t) and (media or not reads_media(t))
              and (ctx is None or t.applies_to(ctx))]
    if len(usable) <= limit:
        return usable
    return _rank(usable, goal, limit)


def artifact_tools(tools: Iterable[Tool]) -> list[Tool]:
    return [t for t in tools if reads_artifacts(t)]


def relevant_memories(goal: str, memories: Sequence[MemoryRecord]) -> list[MemoryRecord]:
    """The recalled memories that share a content word with the goal (the rest would mislead),
    each text once (a goal asked again stores the same episode again)."""
    words = content_words(goal)
    unique = {m.text.strip(): m for m in reversed(memories)}  # the best-ranked copy of each text
    return [m for m in memories if unique[m.text.strip()] is m and words & content_words(m.text)]
