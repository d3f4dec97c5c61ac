"""Reading large tool outputs that the planner keeps as artifacts (``artifact:<id>`` handles).

The planner shows a long observation as a handle with a head/tail preview; this tool pages
through the full text.
"""

from __future__ import annotations

from sokrat.errors import NotFound, SokratError, ToolError
from sokrat.tools.memory import memory_of
from sokrat.tools.registry import ToolContext, tool

MAX_LENGTH = 20_000


@tool
def read_artifact(ctx: ToolContext, handle: str, start: int = 0, length: int = 2000) -> str:
    """Read part of a stored large output by its handle (shown as "artifact:<id>").

    Args:
        handle: the artifact handle, e.g. "artifact:0f3a...".
        start: first character to read (0-based).
        length: how many characters to read (at most 20000).
    """
    if start < 0:
        raise ToolError(f"start must be >= 0, got {start}")
    if not 1 <= length <= MAX_LENGTH:
        raise ToolError(f"length must be between 1 and {MAX_LENGTH}, got {length}")
    memory = memory_of(ctx)
    try:
        text = memory.get_artifact(handle, start=start, length=length)
        info = getattr(memory, "artifact_info", None)
        total = info(handle)["chars"] if info is not None else None
    except NotFound as e:
        raise ToolError(f"{e}; use a handle shown in an earlier observation") from e
    except SokratError as e:
        raise ToolError(str(e)) from e
    end = start + len(text)
    if total is None:
        return f"[{handle} chars {start}-{end}]\n{text}"
    more = f"; read on with start={end}" if end < total else "; end of artifact"
    return f"[{handle} chars {start}-{end} of {total}{more}]\n{text}"


TOOLS = [read_artifact]
