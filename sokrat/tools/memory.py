"""Long-term memory tools: ``remember`` a fact, ``recall`` what is relevant to a query.

Both are scoped to the run's namespace (:attr:`ToolContext.namespace`): a run reads and
writes only its own owner's memories. Memory problems (Redis down, modules missing) make the
tool unavailable (the registry reports them to the user, not to the model).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, Field

from sokrat.tools.registry import ToolContext, tool

if TYPE_CHECKING:
    from sokrat.memory.base import Memory, SemanticMemory

MAX_RECALL = 50


def _a_sentence(text: str) -> str:
    """A memory says what it is about: a bare name ("gate_code", "blue") recalls nothing
    later, and a small model stores one when it means the value it holds."""
    if len(text.split()) < 2:
        raise ValueError(f"{text.strip()!r} is a bare name, not a fact: store one sentence that says what it is "
                         "about, with the actual value")
    return text


def memory_of(ctx: ToolContext) -> SemanticMemory:
    """The run's long-term memory, else the process's (``get_memory``). Raises
    :class:`~sokrat.errors.MemoryBackendError` (the tool is unavailable) when there is none."""
    from sokrat.errors import ToolUnavailable
    from sokrat.memory.base import SemanticMemory

    if isinstance(ctx.memory, SemanticMemory):
        return ctx.memory
    if ctx.memory is not None:
        raise ToolUnavailable("long-term memory is off for this agent (memory=False, or Redis was unavailable "
                              "when it started): build the Agent with a memory to remember and recall")
    from sokrat.memory import get_memory

    return get_memory(ctx.resolved_settings())


def long_term_memory(ctx: ToolContext) -> Memory:
    """The run's full memory (semantic + video logs + artifacts), for tools that need all of it."""
    from sokrat.errors import ToolUnavailable
    from sokrat.memory.base import Memory

    memory = memory_of(ctx)
    if not isinstance(memory, Memory):
        raise ToolUnavailable(f"this tool needs a full long-term memory, not {type(memory).__name__}")
    return memory


# grounded: a memory is not to carry a value the run never saw; stores: the verbs that ask for
# it, and the openers of a statement told to be kept ("For your information: my X is Y.")
@tool(grounded=("text",), stores=("remember", "store", "save", "note", "note down", "keep in mind", "memorize",
                                  "memorise", "record", "don't forget", "do not forget", "make a note",
                                  "for your information", "fyi", "just so you know", "for the record",
                                  "for future reference", "for later", "heads up", "jot down", "mark down", "write down",
                                  "take note", "bear in mind", "i want you to know", "i'd like you to know",
                                  "you should know", "add to my notes", "log", "keep track of", "keep a record of",
                                  "hold on to", "hang on to", "file away", "remind me"),
      planner_omits=("tags", "kind", "source"))
def remember(
    ctx: ToolContext,
    text: Annotated[str, Field(min_length=1), AfterValidator(_a_sentence)],
    tags: list[str] | None = None,
    kind: Literal["fact", "episode"] = "fact",
    source: str | None = None,
) -> str:
    """Store a fact or an event in long-term memory so later runs can recall it.

    Args:
        text: the fact or event, as one self-contained sentence with the actual values
            (a computed result, not its formula), e.g. "The spare key is under the blue pot.".
        tags: short labels to filter by later, e.g. ["kitchen", "cat"].
        kind: "fact" for lasting knowledge, "episode" for something that happened.
        source: where it comes from, e.g. a video file name.
    """
    memory_id = memory_of(ctx).remember(
        text, kind=kind, tags=tags or (), source=source, namespace=ctx.namespace or "default",
        metadata={"run_id": ctx.run_id} if ctx.run_id else None)
    # The record echoes what was stored, so the step check sees its arguments in the output (no
    # model judgement needed) and the planner reports the fact, not the id, as the result.
    details = [f"tags: {', '.join(tags)}"] if tags else []
    if source:
        details.append(f"source: {source}")
    details.append(f"id {memory_id}")
    return f"Stored in long-term memory as a {kind}: {text!r} ({'; '.join(details)})"


def render_memories(hits: list[dict[str, Any]]) -> str:
    """``recall``'s memories as the planner reads them: text, kind, where from, the date stored
    and any note; no ids, scores or tags (a 32-digit id costs a small planner ~20 prompt
    tokens and is never what it answers from)."""
    shown = []
    for h in hits:
        item = {"text": h.get("text", ""), "kind": h.get("kind", "")}
        for key in ("source", "t_start", "t_end", "note"):
            if h.get(key) is not None:
                item[key] = h[key]
        if isinstance(h.get("created_at"), (int, float)):
            item["stored"] = datetime.fromtimestamp(h["created_at"], tz=UTC).date().isoformat()
        shown.append(item)
    return json.dumps(shown, ensure_ascii=False)


@tool(looks_up=True, planner_omits=("k", "tags", "kinds", "source", "since", "until"), render=render_memories)
def recall(
    ctx: ToolContext,
    query: Annotated[str, Field(min_length=1)],
    k: Annotated[int, Field(ge=1, le=MAX_RECALL)] = 5,
    tags: list[str] | None = None,
    kinds: list[Literal["fact", "episode"]] | None = None,
    source: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> list[dict[str, Any]]:
    """Search long-term memory by meaning and keywords; the best matches first.

    Args:
        query: what to look for, in words.
        k: how many memories to return.
        tags: keep only memories with at least one of these tags.
        kinds: keep only these kinds ("fact", "episode").
        source: keep only memories from this source.
        since: keep only memories stored at or after this Unix time.
        until: keep only memories stored at or before this Unix time.
    """
    memory = memory_of(ctx)
    hits = memory.recall(query, k=k, tags=tags, kinds=kinds, source=source, since=since, until=until,
                         namespace=ctx.namespace)
    filters = {"tags": tags, "kinds": kinds, "source": source, "since": since, "until": until}
    dropped = [name for name, value in filters.items() if value]
    if not hits and dropped:
        # A filter guessed by the caller (a tag or source worded otherwise when the memory was
        # stored) must not hide what the words find: search again without the filters, and say so.
        hits = memory.recall(query, k=k, namespace=ctx.namespace)
    else:
        dropped = []
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
        if dropped:
            item["note"] = f"nothing matched {', '.join(dropped)}; found without {'it' if len(dropped) == 1 else 'them'}"
        out.append(item)
    return out


TOOLS = [remember, recall]
