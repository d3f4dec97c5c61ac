"""python_exec: a resource sandbox (not a security boundary) around a separate interpreter."""

from __future__ import annotations

from sokrat.tools import ToolRegistry
from sokrat.tools.code import python_exec

REG = ToolRegistry([python_exec])


async def run(code: str, timeout_s: float = 10.0):
    return await REG.execute("python_exec", {"code": code, "timeout_s": timeout_s})


async def test_prints_and_returns_output() -> None:
    out = await run("import math\nprint(math.factorial(10))")
    assert out.ok and out.output["stdout"] == "3628800\n" and out.output["truncated"] is False


async def test_environment_is_scrubbed_and_cwd_is_temp(monkeypatch) -> None:
    monkeypatch.setenv("SOKRAT_LLM_API_KEY", "sk-secret")
    out = await run("import os\nprint(sorted(os.environ))\nprint(os.getcwd())")
    assert out.ok
    assert "SOKRAT_LLM_API_KEY" not in out.output["stdout"]
    assert "sokrat-exec-" in out.output["stdout"]


async def test_exception_is_an_error_observation() -> None:
    out = await run("raise ValueError('boom')")
    assert not out.ok and "ValueError: boom" in out.error


async def test_infinite_loop_is_killed() -> None:
    out = await run("while True:\n    pass", timeout_s=1)
    assert not out.ok and "timed out after 1 s" in out.error


async def test_memory_and_file_limits() -> None:
    out = await run("x = bytearray(3 * 1024**3)")
    assert not out.ok and "MemoryError" in out.error
    out = await run("open('big', 'wb').write(b'0' * (32 * 1024**2))")
    assert not out.ok and ("File too large" in out.error or "file size" in out.error)


async def test_long_output_is_truncated() -> None:
    out = await run("print('y' * 100000)")
    assert out.ok and out.output["truncated"] is True and len(out.output["stdout"]) < 5000


async def test_children_die_with_the_timeout(tmp_path) -> None:
    marker = tmp_path / "alive"
    code = (
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(2); open({str(marker)!r}, \"w\").write(\"x\")'])\n"
        "import time; time.sleep(60)\n"
    )
    out = await run(code, timeout_s=1)
    assert not out.ok
    import asyncio

    await asyncio.sleep(2.5)
    assert not marker.exists(), "a child of the sandboxed process survived the timeout"


async def test_bad_arguments() -> None:
    out = await run("   ")
    assert not out.ok and "no code" in out.error
    out = await run("print(1)", timeout_s=1000)
    assert not out.ok and "timeout_s" in out.error


async def test_final_expression_is_shown_as_in_a_repl() -> None:
    out = await run("2**20")
    assert out.ok and out.output["stdout"] == "1048576\n" and out.output["exit_code"] == 0
    out = await run("x = 17\nx * 23")
    assert out.ok and out.output["stdout"] == "391\n"
    out = await run("print('a')\nNone")  # None is not echoed, prints are kept
    assert out.ok and out.output["stdout"] == "a\n"
    out = await run("'text'")
    assert out.ok and out.output["stdout"] == "'text'\n"


async def test_traceback_starts_at_the_users_code() -> None:
    out = await run("def f():\n    return 1 / 0\nf()")
    assert not out.ok and "ZeroDivisionError" in out.error and "exit code 1" in out.error
    out = await run("print('partial')\nraise SystemExit(3)")
    assert not out.ok and "exit code 3" in out.error and "partial" in out.error
    out = await run("def (:")
    assert not out.ok and "SyntaxError" in out.error
