"""python_exec: REPL semantics, output, limits, files, and the refusal without bubblewrap."""

from __future__ import annotations

import json

import pytest

from sokrat.settings import Settings
from sokrat.tools import ToolContext, ToolRegistry
from sokrat.tools.code import python_exec, value_hint

REG = ToolRegistry([python_exec])


async def run(code: str, timeout_s: float = 10.0, mode: str = "bubblewrap"):
    ctx = ToolContext(settings=Settings(code_sandbox=mode))  # type: ignore[arg-type]
    return await REG.execute("python_exec", {"code": code, "timeout_s": timeout_s}, ctx)


@pytest.fixture(params=["bubblewrap", "rlimits"])
def mode(request, sandbox) -> str:
    return request.param


async def test_prints_and_returns_output(mode) -> None:
    out = await run("import math\nprint(math.factorial(10))", mode=mode)
    assert out.ok and out.output["stdout"] == "3628800\n" and out.output["truncated"] is False
    assert ("sandbox" in out.output) == (mode == "rlimits")  # the limiter says it is not isolated


async def test_a_standard_module_used_without_its_import_is_imported(mode) -> None:
    out = await run("print(math.factorial(12))", mode=mode)  # the 1.5B's usual slip
    assert out.ok and out.output["stdout"] == "479001600\n"
    out = await run("from datetime import date\nprint(date(2027, 3, 14) - date(2027, 3, 1))", mode=mode)
    assert out.ok and out.output["stdout"] == "13 days, 0:00:00\n"
    # not a name the code binds itself, and not a name that is no standard module
    out = await run("json = 3\nprint(json)", mode=mode)
    assert out.ok and out.output["stdout"] == "3\n"
    out = await run("def f(re):\n    return re + 1\nprint(f(1))", mode=mode)
    assert out.ok and out.output["stdout"] == "2\n"
    out = await run("print(numpyy.pi)", mode=mode)
    assert not out.ok and "NameError" in out.error


async def test_final_expression_is_shown_as_in_a_repl(mode) -> None:
    out = await run("2**20", mode=mode)
    assert out.ok and out.output["stdout"] == "1048576\n" and out.output["exit_code"] == 0
    out = await run("x = 17\nx * 23", mode=mode)
    assert out.ok and out.output["stdout"] == "391\n"
    out = await run("print('a')\nNone", mode=mode)  # None is not echoed, prints are kept
    assert out.ok and out.output["stdout"] == "a\n"
    out = await run("'text'", mode=mode)
    assert out.ok and out.output["stdout"] == "'text'\n"


async def test_statements_run_together_on_one_line_are_split(mode) -> None:
    """The 1.5B loses the newlines inside its JSON string: the run-on statement starts a line."""
    out = await run("def fib(n): return n if n <= 1 else fib(n-1) + fib(n-2) print(fib(20))", mode=mode)
    assert out.ok and out.output["stdout"] == "6765\n" and "run together" in out.output["stderr"]
    out = await run("s = 'hello world' import math print(s.upper(), math.floor(2.5))", mode=mode)
    assert out.ok and out.output["stdout"] == "HELLO WORLD 2\n"


async def test_lines_joined_with_a_space_after_each_newline_are_outdented(mode) -> None:
    """The 1.5B joins statements with " \\n ": every later line starts with a space."""
    out = await run("names = 'ada grace linus'.split() \n first = names[0] \n print(first.upper())", mode=mode)
    assert out.ok and out.output["stdout"] == "ADA\n" and "indent" in out.output["stderr"]
    out = await run("total = 0\n for n in range(4):\n     total += n\n print(total)", mode=mode)  # a block keeps its depth
    assert out.ok and out.output["stdout"] == "6\n"


async def test_an_indent_that_is_the_code_s_own_is_not_taken_off(mode) -> None:
    out = await run("for n in range(2):\n    print(n)", mode=mode)  # valid as written: unchanged
    assert out.ok and out.output["stdout"] == "0\n1\n" and "indent" not in out.output["stderr"]
    out = await run("x = 1\n  y = 2\n print(x + y)", mode=mode)  # outdenting does not make it parse
    assert not out.ok and "IndentationError" in out.error


async def test_other_syntax_errors_are_not_split(mode) -> None:
    out = await run("x = 5 +\nprint(x)", mode=mode)  # not a run-on statement: reported as written
    assert not out.ok and "SyntaxError" in out.error and "run together" not in out.error
    out = await run("if x print(x)", mode=mode)  # a split that does not parse is not kept
    assert not out.ok and "SyntaxError" in out.error and "line 1" in out.error
    out = await run("print('one' 'two')", mode=mode)  # valid as written (adjacent strings join)
    assert out.ok and out.output["stdout"] == "onetwo\n" and not out.output["stderr"]


async def test_traceback_starts_at_the_users_code(mode) -> None:
    out = await run("def f():\n    return 1 / 0\nf()", mode=mode)
    assert not out.ok and "ZeroDivisionError" in out.error and "exit code 1" in out.error
    assert 'code.py", line 2, in f' in out.error and "_sandbox_init" not in out.error
    # the exception's line first, before the traceback: a planner reads a clipped error
    assert "python_exec failed (exit code 1): ZeroDivisionError: division by zero (traceback: " in out.error
    out = await run("print('partial')\nraise SystemExit(3)", mode=mode)
    assert not out.ok and "exit code 3" in out.error and "partial" in out.error
    out = await run("def (:", mode=mode)
    assert not out.ok and "SyntaxError" in out.error


async def test_environment_is_empty_and_cwd_private(monkeypatch, mode) -> None:
    monkeypatch.setenv("SOKRAT_LLM_API_KEY", "sk-secret")
    out = await run("import os\nprint(sorted(os.environ))\nprint(os.getcwd())", mode=mode)
    assert out.ok and "SOKRAT_LLM_API_KEY" not in out.output["stdout"]
    cwd = out.output["stdout"].splitlines()[-1]
    assert cwd == "/home/sandbox" if mode == "bubblewrap" else "sokrat-exec-" in cwd


async def test_files_written_are_returned(mode) -> None:
    out = await run("import os\nos.makedirs('out')\nopen('out/a.csv', 'w').write('x,y\\n1,2\\n')\n"
                    "open('b.bin', 'wb').write(bytes(range(256)))\nNone", mode=mode)
    assert out.ok, out.error
    files = {f["path"]: f for f in out.output["files"]}
    assert files["out/a.csv"]["text"] == "x,y\n1,2\n" and files["b.bin"] == {"path": "b.bin", "bytes": 256, "binary": True}


async def test_infinite_loop_is_killed(mode) -> None:
    out = await run("while True:\n    pass", timeout_s=1, mode=mode)
    assert not out.ok and "timed out after 1 s" in out.error


async def test_memory_and_file_limits(mode) -> None:
    out = await run("x = bytearray(3 * 1024**3)", mode=mode)
    assert not out.ok and "MemoryError" in out.error
    out = await run("open('big', 'wb').write(b'0' * (32 * 1024**2))", mode=mode)
    assert not out.ok and ("File too large" in out.error or "file size" in out.error)


async def test_long_output_is_truncated(mode) -> None:
    out = await run("print('y' * 100000)", mode=mode)
    assert out.ok and out.output["truncated"] is True and len(out.output["stdout"]) < 5000


async def test_numpy_from_the_environment_is_importable(sandbox) -> None:
    out = await run("import numpy as np\nint(np.arange(10).sum())")
    assert out.ok and out.output["stdout"] == "45\n"


async def test_bad_arguments() -> None:
    out = await run("   ")
    assert not out.ok and "no code" in out.error
    out = await run("print(1)", timeout_s=1000)
    assert not out.ok and "timeout_s" in out.error and "less than or equal to 120" in out.error


async def test_refuses_without_bubblewrap(monkeypatch) -> None:
    """Where bwrap cannot run, the tool is unavailable (the user must act) unless opted out."""
    from sokrat.errors import ToolUnavailable
    from sokrat.tools import sandbox

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.probe.cache_clear()
    try:
        with pytest.raises(ToolUnavailable, match="bubblewrap is not installed.*SOKRAT_CODE_SANDBOX=rlimits"):
            await sandbox.run_python("1")
        out = await run("1")
        assert not out.ok and "refuses to run code without a sandbox" in out.error
    finally:
        sandbox.probe.cache_clear()


async def test_rlimits_mode_warns_loudly(caplog, sandbox) -> None:
    with caplog.at_level("WARNING"):
        out = await run("1", mode="rlimits")
    assert out.ok and out.output["sandbox"] == "rlimits (NOT isolated)"
    assert "WITHOUT a sandbox" in caplog.text


@pytest.mark.parametrize(("name", "source", "value"), [
    ("rent", "Rent: 950 euros a month", "950"),
    ("monthly_rent", "my monthly rent is 1,200 euros", "1200"),
    ("budget", '[{"text": "Budget: 48000 euros, approved"}]', "48000"),
    ("rent", '{"rent": 950, "city": "Porto"}', "950"),
    ("monthly_rent", '{"monthly_rent": "1,200 euros"}', "1200"),
])
def test_the_value_hint_quotes_a_number_an_earlier_output_gives_the_name(name: str, source: str, value: str) -> None:
    assert f"{name} = {value}" in value_hint(name, [source])


@pytest.mark.parametrize(("name", "source"), [
    ("text", '[{"text": "Pancakes: 200 g flour"}]'),  # a field of the output, and another label's number
    ("rent", "The rent went up. Parking: 80 euros"),
    ("budget", "no such word here: 48000"),
])
def test_the_value_hint_quotes_no_number_that_belongs_to_something_else(name: str, source: str) -> None:
    assert value_hint(name, [source]).endswith(f"({name} = ...)")


_DOCS = json.dumps([{"source": "/d/plan.md", "text": "# Plan\nOwner: Ada.\nBudget: 5200 euros, approved in May.\n"},
                    {"source": "/d/food.txt", "text": "Soup: 300 g lentils, 2 onions.\n"}])


def test_the_value_hint_gives_the_line_the_code_searches_for() -> None:
    code = "import re\nb = re.search(r'Budget: (\\d+) euros', text).group(1)\nprint(int(b) * 0.1)"
    assert "text = 'Budget: 5200 euros, approved in May.'" in value_hint("text", [_DOCS], code)


@pytest.mark.parametrize("code", [
    "print(len(text))",  # nothing the code looks for
    "import re\nprint(re.findall(r'Deadline: (\\w+)', text))",  # words no line holds
])
def test_the_value_hint_gives_no_line_the_code_does_not_search_for(code: str) -> None:
    assert value_hint("text", [_DOCS], code).endswith("(text = ...)")
