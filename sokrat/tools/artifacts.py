"""Reading large tool outputs that the planner keeps as artifacts (``artifact:<id>`` handles).

The planner shows a long observation as a handle with a head/tail preview; this tool pages
through the full text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sokrat.errors import NotFound, ToolError
from sokrat.tools.registry import ToolContext, tool

if TYPE_CHECKING:
    from sokrat.memory.base import ArtifactStore

MAX_LENGTH = 20_000


def artifacts_of(ctx: ToolContext) -> ArtifactStore:
    """The run's artifact store (long-term memory or in-process), else the process's memory."""
    if ctx.memory is not None:
        return ctx.memory
    from sokrat.memory import get_memory

    return get_memory(ctx.resolved_settings())


@tool
def read_artifact(
    ctx: ToolContext,
    handle: str,
    start: Annotated[int, Field(ge=0)] = 0,
    length: Annotated[int, Field(ge=1, le=MAX_LENGTH)] = 2000,
) -> str:
    """Read part of a stored large output by its handle (shown as "artifact:<id>").

    Args:
        handle: the artifact handle, e.g. "artifact:0f3a...".
        start: first character to read (0-based).
        length: how many characters to read.
    """
    store = artifacts_of(ctx)
    try:
        text = store.get_artifact(handle, start=start, length=length)
        total = store.artifact_info(handle)["chars"]
    except NotFound as e:
        raise ToolError(f"{e}; use a handle shown in an earlier observation") from e
    end = start + len(text)
    more = f"; read on with start={end}" if end < total else "; end of artifact"
    return f"[{handle} chars {start}-{end} of {total}{more}]\n{text}"


TOOLS = [read_artifact]
