"""`python_exec`: run a snippet of Python in a separate, resource-limited process.

This is a RESOURCE sandbox, not a security boundary: it stops runaway loops, memory hogs,
fork bombs and huge files from hurting the agent's process, but the code runs as the same
user with the same file-system access. Run untrusted code in a container or VM instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from sokrat.errors import ToolError
from sokrat.tools.registry import tool

MAX_TIMEOUT_S = 120.0
MEMORY_BYTES = 1024**3
"""Address-space limit of the child (1 GiB: enough for the stdlib and numpy, not for torch)."""
FILE_BYTES = 16 * 1024**2
"""Largest file the child may write (its stdout/stderr files included)."""
MAX_PROCESSES = 32
"""RLIMIT_NPROC of the child. Linux counts every process of the user, and ignores it for root."""
OUTPUT_CHARS = 4000
"""Each of stdout/stderr is cut to this many characters (head and tail kept)."""

# Runs the snippet as the interactive interpreter would: every statement in order, and the
# last one, when it is an expression, through ``sys.displayhook`` (mode "single"), so
# ``2**20`` shows ``1048576`` and a trailing ``None`` shows nothing. Tracebacks start at the
# user's code (the runner's own frame is dropped).
REPL_RUNNER = """\
import ast, sys, traceback
src = open("main.py", encoding="utf-8").read()
ns = {"__name__": "__main__", "__builtins__": __builtins__}
try:
    tree = ast.parse(src, "main.py")
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "main.py", "exec"), ns)
    if last is not None:
        exec(compile(ast.Interactive([last]), "main.py", "single"), ns)
except SystemExit:
    raise
except SyntaxError as e:
    traceback.print_exception(type(e), e, None)
    sys.exit(1)
except BaseException as e:
    traceback.print_exception(type(e), e, e.__traceback__.tb_next)
    sys.exit(1)
"""


def _limits(cpu_s: int) -> None:  # runs in the child between fork and exec
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_BYTES, FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _clip(text: str) -> tuple[str, bool]:
    if len(text) <= OUTPUT_CHARS:
        return text, False
    half = OUTPUT_CHARS // 2
    return f"{text[:half]}\n... [{len(text) - OUTPUT_CHARS} characters cut] ...\n{text[-half:]}", True


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(pid, signal.SIGKILL)


@tool
async def python_exec(code: str, timeout_s: float = 10.0) -> dict[str, object]:
    """Run Python code in a fresh, isolated interpreter and return what it printed.

    Use it for arithmetic, data wrangling or checking a computation. As in the Python REPL,
    the value of a final expression is shown (``17 * 23`` gives 391). Nothing persists
    between calls. Limits: CPU time and wall clock ``timeout_s``, 1 GiB of
    memory, 16 MiB files, no network guarantee either way.

    Args:
        code: Python source; a final expression's value is shown, print() anything else.
        timeout_s: wall-clock limit in seconds (at most 120).
    """
    if not code.strip():
        raise ToolError("no code given; pass the Python source in 'code'")
    if not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ToolError(f"timeout_s must be in (0, {MAX_TIMEOUT_S:g}], got {timeout_s:g}")
    with tempfile.TemporaryDirectory(prefix="sokrat-exec-") as tmp:
        work = Path(tmp)
        (work / "main.py").write_text(code, encoding="utf-8")
        env = {  # scrubbed: no API keys, tokens or Redis URLs from the agent's environment
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": tmp,
            "TMPDIR": tmp,
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": "1",
        }
        # The wall-clock timeout is the limit; the CPU rlimit is a backstop one second
        # later, so a busy loop reports "timed out" rather than racing the two.
        cpu_s = int(timeout_s + 0.999) + 1
        start = time.perf_counter()
        with (work / "stdout.txt").open("wb") as out, (work / "stderr.txt").open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-I", "-c", REPL_RUNNER,
                cwd=tmp, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
                start_new_session=True,  # its own process group: a timeout kills children too
                preexec_fn=lambda: _limits(cpu_s),
            )
            timed_out = False
            try:
                await asyncio.wait_for(proc.wait(), timeout=timeout_s)
            except TimeoutError:
                timed_out = True
            finally:  # also on cancellation (the registry's own timeout)
                _kill_group(proc.pid)
                if proc.returncode is None:
                    await proc.wait()
        duration = time.perf_counter() - start
        stdout, cut_out = _clip((work / "stdout.txt").read_text("utf-8", errors="replace"))
        stderr, cut_err = _clip((work / "stderr.txt").read_text("utf-8", errors="replace"))

    if timed_out:
        raise ToolError(f"python_exec timed out after {timeout_s:g} s; stdout so far: {stdout[-500:]!r}")
    rc = proc.returncode
    if rc != 0:
        reason = {-signal.SIGXCPU: "CPU time limit", -signal.SIGKILL: "killed (CPU or memory limit)",
                  -signal.SIGXFSZ: "file size limit"}.get(rc or 0, f"exit code {rc}")
        tail = " | ".join(stderr.strip().splitlines()[-6:])[-1500:]
        shown = f"; stdout: {stdout[-500:]!r}" if stdout.strip() else ""
        raise ToolError(f"python_exec failed ({reason}): {tail}{shown}")
    return {
        "stdout": stdout,
        "stderr": stderr,
        "exit_code": rc,
        "duration_s": round(duration, 3),
        "truncated": cut_out or cut_err,
    }


TOOLS = [python_exec]
