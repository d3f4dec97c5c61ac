"""The @tool decorator and ToolRegistry.execute: schemas, validation, injection, failures."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from sokrat.errors import ToolArgumentsError, ToolDefinitionError, ToolError, ToolNotFound
from sokrat.tools import ToolContext, ToolRegistry, tool


class Point(BaseModel):
    x: float
    y: float


@tool
def add(a: int, b: int = 2) -> int:
    """Add two integers.

    Args:
        a: first number.
        b: second number.
    """
    return a + b


@tool(name="move_to")
async def move(target: Point, label: str | None = None) -> str:
    """Move to a point.

    Args:
        target: where to go.
        label: optional name of the target.
    """
    await asyncio.sleep(0)
    return f"at {target.x},{target.y} {label or ''}".strip()


@tool
def whoami(greeting: str, ctx: ToolContext) -> str:
    """Say hello to the run.

    Args:
        greeting: the greeting word.
    """
    return f"{greeting} {ctx.run_id} {ctx.deps.get('robot')}"


@tool
def broken(x: int) -> int:
    """Always raises.

    Args:
        x: ignored.
    """
    raise RuntimeError(f"bug {x}")


@tool
def refuses(x: int) -> int:
    """Raises a ToolError.

    Args:
        x: ignored.
    """
    raise ToolError("camera offline")


@tool
async def hangs(seconds: float) -> str:
    """Sleeps.

    Args:
        seconds: how long.
    """
    await asyncio.sleep(seconds)
    return "woke"


REG = ToolRegistry([add, move, whoami, broken, refuses, hangs])


def test_schema_from_hints_and_docstring() -> None:
    assert add.name == "add"
    assert add.description == "Add two integers."
    assert add.parameters["properties"]["a"] == {"type": "integer", "description": "first number."}
    assert add.parameters["properties"]["b"]["default"] == 2
    assert add.parameters["required"] == ["a"]
    assert add.parameters["additionalProperties"] is False
    spec = add.spec()
    assert spec["type"] == "function" and spec["function"]["name"] == "add"


def test_nested_model_and_optional_in_schema() -> None:
    assert move.name == "move_to"
    props = move.parameters["properties"]
    assert props["target"]["$ref"].endswith("/Point")
    assert "Point" in move.parameters["$defs"]
    assert {"type": "null"} in props["label"]["anyOf"]


def test_context_parameter_is_not_in_schema() -> None:
    assert "ctx" not in whoami.parameters["properties"]
    assert whoami.context_param == "ctx"


def test_missing_hint_fails_at_registration() -> None:
    with pytest.raises(ToolDefinitionError, match="needs a type hint"):

        @tool
        def f(a) -> int:  # type: ignore[no-untyped-def]
            """Do.

            Args:
                a: thing.
            """
            return 1


def test_missing_argument_description_fails_at_registration() -> None:
    with pytest.raises(ToolDefinitionError, match="describe parameter 'b'"):

        @tool
        def f(a: int, b: int) -> int:
            """Do.

            Args:
                a: thing.
            """
            return a


def test_missing_docstring_fails_and_varargs_fail() -> None:
    with pytest.raises(ToolDefinitionError, match="docstring"):

        @tool
        def f(a: int) -> int:
            return a

    with pytest.raises(ToolDefinitionError, match=r"\*args"):

        @tool
        def g(*a: int) -> int:
            """Do.

            Args:
                a: thing.
            """
            return 0


def test_duplicate_and_non_tool_registration() -> None:
    reg = ToolRegistry([add])
    with pytest.raises(ToolDefinitionError):
        reg.register(lambda: 1)  # type: ignore[arg-type]

    @tool(name="add")
    def other(a: int) -> int:
        """Other add.

        Args:
            a: n.
        """
        return a

    with pytest.raises(ToolDefinitionError, match="already registered"):
        reg.register(other)


async def test_sync_and_async_tools_execute() -> None:
    out = await REG.execute("add", {"a": 40})
    assert out.ok and out.output == 42 and out.observation == "42"
    out = await REG.execute("move_to", {"target": {"x": 1, "y": 2}, "label": "door"})
    assert out.ok and out.output == "at 1.0,2.0 door"


async def test_context_is_injected() -> None:
    ctx = ToolContext(run_id="r1", deps={"robot": "arm"})
    out = await REG.execute("whoami", {"greeting": "hi"}, ctx)
    assert out.output == "hi r1 arm"
    out = await REG.execute("whoami", {"greeting": "hi"})  # default context
    assert out.output == "hi None None"


async def test_schema_failure_is_an_error_observation() -> None:
    out = await REG.execute("add", {"a": "not a number"})
    assert not out.ok
    assert "bad arguments for 'add'" in out.error and "Fix the arguments" in out.error
    out = await REG.execute("add", {"a": 1, "zzz": 3})
    assert not out.ok and "zzz" in out.error
    out = await REG.execute("add", ["a"])  # type: ignore[arg-type]
    assert not out.ok and "JSON object" in out.error
    with pytest.raises(ToolArgumentsError):
        add.validate({"b": 1})


async def test_unknown_tool() -> None:
    out = await REG.execute("fly", {})
    assert not out.ok and "unknown tool 'fly'" in out.error and "add" in out.error
    with pytest.raises(ToolNotFound):
        REG.get("fly")


async def test_raising_tools_become_observations() -> None:
    out = await REG.execute("broken", {"x": 3})
    assert not out.ok and "RuntimeError: bug 3" in out.error
    out = await REG.execute("refuses", {"x": 1})
    assert not out.ok and out.error == "tool 'refuses' failed: camera offline"
    assert out.observation.startswith("ERROR: ")


async def test_hanging_tool_times_out() -> None:
    # Had the timeout not fired, the tool would have finished after 30 s with ok=True.
    out = await REG.execute("hangs", {"seconds": 30}, timeout_s=0.2)
    assert not out.ok and "timed out after 0.2 s" in out.error


def test_sync_invoke_and_direct_call() -> None:
    assert add.invoke({"a": 1, "b": 1}) == 2
    assert add(3, 4) == 7


def test_planner_omits_hides_optional_parameters_from_the_planner_only() -> None:
    from sokrat.agents.actions import action_schema
    from sokrat.agents.prompts import tool_lines

    @tool(planner_omits=("k",))
    def find(query: str, k: int = 5) -> list[str]:
        """Find things.

        Args:
            query: words.
            k: how many.
        """
        return [query] * k

    assert set(find.parameters["properties"]) == {"query", "k"}  # Python and MCP callers still see k
    assert set(find.planner_parameters["properties"]) == {"query"}
    assert "find(query):" in tool_lines([find])
    branch = action_schema([find], final_answer=False)["anyOf"][0]
    assert set(branch["properties"]["arguments"]["properties"]) == {"query"}
    # not for tools that omit nothing
    @tool
    def plain(query: str, k: int = 5) -> list[str]:
        """Find things.

        Args:
            query: words.
            k: how many.
        """
        return []

    assert plain.planner_parameters is plain.parameters and "plain(query, k):" in tool_lines([plain])
    # a required parameter cannot be hidden: the planner could never call the tool
    with pytest.raises(ToolDefinitionError, match="planner_omits must name optional parameters"):
        tool(planner_omits=("query",))(plain.fn)


def _rows(n: int) -> list[dict[str, object]]:
    """Return some rows.

    Args:
        n: how many.
    """
    return [{"id": i, "text": f"row {i}", "score": 0.5} for i in range(n)]


async def test_a_tool_s_rendering_is_what_the_planner_reads_and_the_output_stays_whole() -> None:
    rows = tool(_rows, render=lambda out: "; ".join(r["text"] for r in out))
    outcome = await ToolRegistry([rows]).execute("_rows", {"n": 2})
    assert outcome.for_planner == "row 0; row 1"
    assert json.loads(outcome.observation) == [{"id": 0, "text": "row 0", "score": 0.5},
                                               {"id": 1, "text": "row 1", "score": 0.5}]


async def test_without_a_rendering_or_when_it_breaks_the_planner_reads_the_json() -> None:
    plain = await ToolRegistry([tool(_rows)]).execute("_rows", {"n": 1})
    assert plain.for_planner == plain.observation == '[{"id": 0, "text": "row 0", "score": 0.5}]'
    broken = tool(_rows, render=lambda out: out[5]["text"])  # an IndexError
    outcome = await ToolRegistry([broken]).execute("_rows", {"n": 1})
    assert outcome.ok and outcome.for_planner == outcome.observation
    failed = await ToolRegistry([tool(_rows, render=str)]).execute("_rows", {"n": "x"})
    assert not failed.ok and failed.for_planner.startswith("ERROR")  # an error is never "rendered"
