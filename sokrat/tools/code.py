"""`python_exec`: run a snippet of Python in the bubblewrap sandbox (:mod:`sokrat.tools.sandbox`).

The code sees a fresh interpreter with no network, no environment, no files of the user's and
only its own processes; a final expression's value is shown as in the Python REPL. Where
bubblewrap cannot run, the tool is unavailable unless the user opts in to the resource
limiter (``SOKRAT_CODE_SANDBOX=rlimits``), which is not a security boundary.
"""

from __future__ import annotations

import signal
from typing import Annotated, Any

from pydantic import Field

from sokrat.errors import InvalidInput, ToolError
from sokrat.tools.registry import ToolContext, tool
from sokrat.tools.sandbox import ExecResult, run_python

MAX_TIMEOUT_S = 120.0
OUTPUT_CHARS = 4000
"""Each of stdout/stderr is cut to this many characters for the planner (head and tail kept)."""
FILE_PREVIEW_CHARS = 1000
"""Characters of each text file the code wrote that the planner sees."""
_LIMIT_SIGNALS: dict[int, str] = {
    signal.SIGXCPU: "CPU time limit", signal.SIGKILL: "killed (CPU, memory or process limit)",
    signal.SIGXFSZ: "file size limit"}


def _clip(text: str, limit: int = OUTPUT_CHARS) -> tuple[str, bool]:
    if len(text) <= limit:
        return text, False
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}", True


def _files(result: ExecResult) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path, data in sorted(result.files.items()):
        item: dict[str, Any] = {"path": path, "bytes": len(data)}
        try:
            item["text"] = _clip(data.decode("utf-8"), FILE_PREVIEW_CHARS)[0]
        except UnicodeDecodeError:
            item["binary"] = True
        out.append(item)
    return out


@tool
async def python_exec(
    ctx: ToolContext,
    code: str,
    timeout_s: Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S)] = 10.0,
) -> dict[str, Any]:
    """Run Python code in a fresh sandbox that cannot open the user's files or videos, and return what it printed.

    Use it for arithmetic, data wrangling or checking a computation. As in the Python REPL,
    the value of a final expression is shown (``17 * 23`` gives 391). Nothing persists
    between calls. The sandbox has no network and no access to the user's files; files the
    code writes in its working directory are returned. Limits: CPU time and wall clock
    ``timeout_s``, 1 GiB of memory, 32 processes, 16 MiB files.

    Args:
        code: Python source; a final expression's value is shown, print() anything else.
        timeout_s: wall-clock limit in seconds (at most 120).
    """
    settings = ctx.resolved_settings()
    try:
        result = await run_python(code, timeout_s=timeout_s, mode=settings.code_sandbox)
    except InvalidInput as e:
        raise ToolError(f"{e}; pass the Python source in 'code'") from e
    stdout, cut_out = _clip(result.stdout)
    stderr, cut_err = _clip(result.stderr)
    if result.timed_out:
        raise ToolError(f"python_exec timed out after {timeout_s:g} s; stdout so far: {stdout[-500:]!r}")
    if result.exit_code != 0:
        reason = (f"exit code {result.exit_code}" if result.exit_code is not None
                  else _LIMIT_SIGNALS.get(result.signal or 0, f"killed by signal {result.signal}"))
        tail = " | ".join(stderr.strip().splitlines()[-6:])[-1500:]
        shown = f"; stdout: {stdout[-500:]!r}" if stdout.strip() else ""
        raise ToolError(f"python_exec failed ({reason}): {tail}{shown}")
    output: dict[str, Any] = {
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": result.exit_code,
        "duration_s": round(result.duration_s, 3),
        "truncated": cut_out or cut_err,
    }
    if result.files:
        output["files"] = _files(result)
    if result.isolation != "bubblewrap":
        output["sandbox"] = result.isolation
    return output


TOOLS = [python_exec]
