"""`@tool`: a typed function with a Google-style docstring becomes a tool with a JSON schema.

As in smolagents' ``@tool`` and pydantic-ai's ``@agent.tool``, the schema comes from the type
hints and the ``Args:`` section, and a missing hint or argument description fails at
registration. A tool that needs shared resources declares a parameter annotated
:class:`ToolContext`; it is injected at call time and left out of the schema.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, cast, get_origin, get_type_hints, overload

import docstring_parser
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model
from typing_extensions import TypeVar

from sokrat.errors import (
    ConfigError,
    MemoryBackendError,
    SokratError,
    ToolArgumentsError,
    ToolDefinitionError,
    ToolError,
    ToolNotFound,
    ToolUnavailable,
)

if TYPE_CHECKING:
    from sokrat.llm.base import ChatModel
    from sokrat.memory.base import ArtifactStore
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

DepsT = TypeVar("DepsT", default=Any)


@dataclass(frozen=True)
class ToolContext(Generic[DepsT]):
    """What a tool may use besides its arguments. Injected, never part of the schema.

    Generic in the user's dependencies, like pydantic-ai's ``RunContext[Deps]``: a tool that
    declares ``ctx: ToolContext[Robot]`` gets ``ctx.deps`` typed as ``Robot`` (pass it as
    ``Agent(deps=robot)``). Bare ``ToolContext`` means ``ToolContext[Any]``.
    """

    settings: Settings | None = None
    """Process settings; read them through :meth:`resolved_settings`."""
    memory: ArtifactStore | None = None
    """The run's memory: a full :class:`~sokrat.memory.base.Memory` (Redis), or only an
    artifact store when long-term memory is off. None: tools use the process's memory."""
    chat: ChatModel | None = None
    """The chat model, for tools that need language (e.g. ``video_qa``)."""
    media: tuple[str, ...] = ()
    """Media files given to this run; tools default to the first when no path is passed."""
    run_id: str | None = None
    """Id of the agent run calling the tool, if any."""
    namespace: str | None = "default"
    """Whose memory and documents the run may read and write: the server sets the API key's
    owner; None (admins) reads every namespace and writes to "default"."""
    deps: DepsT = field(default_factory=lambda: cast(Any, {}))
    """User dependencies, e.g. a robot handle for robot skills (an empty dict when none)."""

    def resolved_settings(self) -> Settings:
        """:attr:`settings`, or the process settings when the caller gave none."""
        if self.settings is not None:
            return self.settings
        from sokrat.settings import get_settings

        return get_settings()


@dataclass(frozen=True)
class OutputView:
    """What a tool's own output check may read besides its call: the run around it."""

    tools: tuple[str, ...] = ()
    """Names of the tools offered in the run."""
    media: tuple[str, ...] = ()
    """The run's media files."""
    sources: tuple[str, ...] = ()
    """Outputs of the run's earlier steps of other tools (what they returned, e.g. file paths),
    then the texts of the facts recalled for the run."""
    lookups: tuple[str, ...] = ()
    """Names of the offered tools that look things up (documents, memory, the run's media)."""
    goal: str = ""
    """The run's goal (what the output should answer)."""


@dataclass(frozen=True)
class OutputVerdict:
    """A tool's own check of one of its outputs objected (pydantic-ai's ``ModelRetry``, as data)."""

    code: str
    """What objected, as a code steps carry (e.g. ``printed_nothing``); control flow reads this."""
    label: Literal["failed", "suspect"]
    reason: str
    """Why, for the model and the user."""
    hint: str
    """What the planner should do instead."""
    permanent: bool = False
    """The same call would give the same result (the tool is deterministic): it is not repeated."""
    retry_arguments: dict[str, Any] | None = None
    """The same call with a value the run already holds filled in (a name the code used but
    never set, bound to what an earlier output shows): the planner graph runs it once in place
    of the failed call, and the step records these arguments, so the trace shows what ran."""


OutputCheck = Callable[[dict[str, Any], bool, str, OutputView], "OutputVerdict | None"]
"""``check(arguments, ok, output, view)``: a tool's own check of one call's output (its error
text when ``ok`` is false); None when it has no objection. Declared with ``@tool(output_check=...)``."""


@dataclass(frozen=True)
class ToolOutcome:
    """What a call produced: either an output or an error message for the planner."""

    tool: str
    arguments: dict[str, Any]
    ok: bool
    output: Any = None
    error: str | None = None
    """The failure, in full (for the user when :attr:`unavailable`)."""
    duration_s: float = 0.0
    transient: bool = False
    """The same call may succeed if retried (:class:`~sokrat.errors.TransientToolError`)."""
    unavailable: bool = False
    """The tool cannot work in this installation (:class:`~sokrat.errors.ToolUnavailable`, a
    missing model, a dead Redis): the caller should stop offering it and show :attr:`error`
    to the user, who must fix it; the model only learns to use another tool."""

    shown: str | None = None
    """The tool's own rendering of :attr:`output` for the planner (:attr:`Tool.render`), if any."""

    @property
    def for_planner(self) -> str:
        """What the planner reads: the tool's rendering of its output, else :attr:`observation`."""
        return self.shown if self.ok and self.shown is not None else self.observation

    @property
    def observation(self) -> str:
        """The outcome as text (JSON for structured outputs)."""
        if self.unavailable:
            return f"ERROR: tool {self.tool!r} is not available in this installation; use another tool"
        if not self.ok:
            return f"ERROR: {self.error}"
        return to_text(self.output)


def to_text(value: Any) -> str:
    """Render a tool output as text (JSON for structured values)."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(value)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _strip_titles(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_titles(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_strip_titles(v) for v in schema]
    return schema


@dataclass(frozen=True)
class Tool:
    """A callable the planner can use, with its JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    args_model: type[BaseModel]
    context_param: str | None = None
    applies: Callable[[ToolContext], bool] | None = None
    """Whether the tool can return anything for this run (a document search needs indexed
    documents). The planner is offered only tools that apply; None means always."""
    grounded: tuple[str, ...] = ()
    """Arguments whose values must rest on the run's evidence (the goal, tool outputs, recalled
    memories): what a tool writes (a memory, a message) must not carry an invented value."""
    looks_up: bool = False
    """The tool reads the user's own sources (memory, documents, media). While such a tool was
    offered and not tried, an empty lookup names it, and an answer saying that nothing is known
    or that a thing is absent is sent back."""
    output_check: OutputCheck | None = None
    """The tool's own check of its outputs (what only this tool knows: code that printed
    nothing); run after the generic checks of empty, error or garbage output."""
    computes: bool = False
    """The tool runs code: its output is a computed fact. An answer that computes from the
    goal's numbers or quoted text must rest on such a call."""
    answers: bool = False
    """The tool answers a question about the user's sources in words (its output has an
    ``answer``): a question about those sources goes to it before the run answers, and the
    run's answer must not contradict it."""
    stores: tuple[str, ...] = ()
    """The verbs a goal uses to ask this tool to store something for later runs ("remember",
    "note", "keep in mind"); empty for tools that store nothing. A goal that asks so (a clause
    starting with one of them) must call the tool before the run answers, once per fact."""

    render: Callable[[Any], str] | None = None
    """What the planner reads of an output, when plain JSON says it at too many tokens (a
    search's hits without their offsets, scores and paths). The output itself stays whole: the
    step keeps its JSON for the checks, the user and the trace (LangChain's "content and
    artifact"). None: the planner reads the JSON."""

    planner_omits: tuple[str, ...] = ()
    """Optional parameters left out of what the planner sees (its tool list and action schema):
    a small model fills every parameter it is shown, with guesses (a recall filtered by a tag or
    source worded otherwise than when stored finds nothing), and each costs decoded tokens. Their
    defaults apply; Python and MCP callers still pass them."""

    @property
    def planner_parameters(self) -> dict[str, Any]:
        """:attr:`parameters` without :attr:`planner_omits`."""
        if not self.planner_omits:
            return self.parameters
        props = {k: v for k, v in self.parameters.get("properties", {}).items() if k not in self.planner_omits}
        return {**self.parameters, "properties": props}

    def applies_to(self, ctx: ToolContext) -> bool:
        """:attr:`applies` for ``ctx``; a check that fails says yes (the call then reports why)."""
        if self.applies is None:
            return True
        try:
            return bool(self.applies(ctx))
        except Exception:  # noqa: BLE001 - availability is a hint; the tool itself reports real problems
            return True

    @property
    def is_async(self) -> bool:
        return inspect.iscoroutinefunction(self.fn)

    def spec(self) -> dict[str, Any]:
        """OpenAI-style function spec (``tools=[...]`` of chat completions)."""
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """Check ``arguments`` against the schema; raise :class:`ToolArgumentsError` if not."""
        if arguments is None:
            arguments = {}
        if not isinstance(arguments, Mapping):
            raise ToolArgumentsError(
                f"tool {self.name!r} takes a JSON object of arguments, got {type(arguments).__name__}"
            )
        try:
            parsed = self.args_model.model_validate(dict(arguments))
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(arguments)'}: {err['msg']}"
                for err in e.errors()
            )
            raise ToolArgumentsError(
                f"bad arguments for {self.name!r}: {problems}. Expected schema: "
                f"{json.dumps(self.parameters)}"
            ) from e
        return {name: getattr(parsed, name) for name in type(parsed).model_fields}

    async def ainvoke(self, arguments: Mapping[str, Any] | None = None, ctx: ToolContext | None = None) -> Any:
        """Validate and call. Sync tools run in a worker thread. Errors propagate."""
        kwargs = self.validate(arguments)
        if self.context_param:
            kwargs[self.context_param] = ctx if ctx is not None else ToolContext()
        if self.is_async:
            return await self.fn(**kwargs)
        return await asyncio.to_thread(self.fn, **kwargs)

    def invoke(self, arguments: Mapping[str, Any] | None = None, ctx: ToolContext | None = None) -> Any:
        """Sync form of :meth:`ainvoke`."""
        from sokrat._async import run_sync

        return run_sync(self.ainvoke(arguments, ctx))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the underlying function directly, as if undecorated."""
        return self.fn(*args, **kwargs)


@overload
def tool(fn: Callable[..., Any], *, name: str | None = None,
         applies: Callable[[ToolContext], bool] | None = None, grounded: tuple[str, ...] = (),
         looks_up: bool = False, output_check: OutputCheck | None = None, computes: bool = False,
         answers: bool = False, stores: tuple[str, ...] = (), planner_omits: tuple[str, ...] = (),
         render: Callable[[Any], str] | None = None) -> Tool: ...


@overload
def tool(fn: None = None, *, name: str | None = None, applies: Callable[[ToolContext], bool] | None = None,
         grounded: tuple[str, ...] = (), looks_up: bool = False, output_check: OutputCheck | None = None,
         computes: bool = False, answers: bool = False, stores: tuple[str, ...] = (),
         planner_omits: tuple[str, ...] = (),
         render: Callable[[Any], str] | None = None) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None, *, name: str | None = None,
    applies: Callable[[ToolContext], bool] | None = None,
    grounded: tuple[str, ...] = (),
    looks_up: bool = False,
    output_check: OutputCheck | None = None,
    computes: bool = False,
    answers: bool = False,
    stores: tuple[str, ...] = (),
    planner_omits: tuple[str, ...] = (),
    render: Callable[[Any], str] | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Make a tool of a typed, documented function.

    Usable bare (``@tool``) or with a name (``@tool(name="pick")``). Raises
    :class:`ToolDefinitionError` when a parameter lacks a type hint or an ``Args:`` entry,
    or when the function has no description. Bounds and other constraints go in the type,
    ``k: Annotated[int, Field(ge=1, le=20)] = 5``, so they reach the JSON schema (and the
    constrained decoder) instead of costing a failed call. ``applies(ctx)`` says whether the
    tool can help in a run at all (see :attr:`Tool.applies`); ``grounded`` names the arguments
    whose values must rest on the run's evidence (see :attr:`Tool.grounded`); ``looks_up``
    marks a tool that reads the user's own sources (see :attr:`Tool.looks_up`); ``output_check``
    is the tool's own check of its outputs (:attr:`Tool.output_check`); ``computes``,
    ``answers`` and ``stores`` declare what the tool can do, which the planner routes by
    (:attr:`Tool.computes`, :attr:`Tool.answers`, :attr:`Tool.stores`); ``planner_omits`` names
    optional parameters the planner is not shown (:attr:`Tool.planner_omits`); ``render`` is
    what the planner reads of an output (:attr:`Tool.render`).
    """

    def build(f: Callable[..., Any]) -> Tool:
        built = _build_tool(f, name=name)
        unknown = set(grounded) - set(built.parameters["properties"])
        if unknown:
            raise ToolDefinitionError(f"tool {built.name!r}: grounded names unknown parameters {sorted(unknown)}")
        required = set(built.parameters.get("required", []))
        hidden = set(planner_omits)
        if hidden - set(built.parameters["properties"]) or hidden & required:
            raise ToolDefinitionError(f"tool {built.name!r}: planner_omits must name optional parameters, "
                                      f"not {sorted(hidden - (set(built.parameters['properties']) - required))}")
        return dataclasses.replace(built, applies=applies, grounded=tuple(grounded), looks_up=looks_up,
                                   output_check=output_check, computes=computes, answers=answers, stores=tuple(stores),
                                   planner_omits=tuple(planner_omits), render=render)

    return build(fn) if fn is not None else build


def _is_context(hint: Any) -> bool:
    return hint is ToolContext or get_origin(hint) is ToolContext


def _build_tool(fn: Callable[..., Any], *, name: str | None) -> Tool:
    tool_name = name or fn.__name__
    doc = docstring_parser.parse(inspect.getdoc(fn) or "")
    description = "\n\n".join(p for p in (doc.short_description, doc.long_description) if p)
    if not description:
        raise ToolDefinitionError(f"tool {tool_name!r}: add a docstring saying what it does")
    arg_docs = {p.arg_name: (p.description or "").strip() for p in doc.params}
    try:
        hints = get_type_hints(fn, include_extras=True)  # keep Annotated[..., Field(...)] bounds
    except NameError as e:
        raise ToolDefinitionError(f"tool {tool_name!r}: cannot resolve a type hint ({e})") from e

    fields: dict[str, Any] = {}
    context_param: str | None = None
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(f"tool {tool_name!r}: *args/**kwargs cannot be described")
        if pname not in hints:
            raise ToolDefinitionError(f"tool {tool_name!r}: parameter {pname!r} needs a type hint")
        if _is_context(hints[pname]):
            context_param = pname
            continue
        if not arg_docs.get(pname):
            raise ToolDefinitionError(
                f"tool {tool_name!r}: describe parameter {pname!r} in the docstring's Args: section"
            )
        default = ... if param.default is inspect.Parameter.empty else param.default
        # An Annotated[T, Field(ge=..)] keeps its bounds: pydantic merges them with this Field.
        fields[pname] = (hints[pname], Field(default, description=arg_docs[pname]))

    args_model = create_model(f"{tool_name}_args", __base__=_Args, **fields)
    parameters = _strip_titles(args_model.model_json_schema())
    parameters.setdefault("properties", {})
    parameters.setdefault("required", [])
    return Tool(
        name=tool_name,
        description=description,
        parameters=parameters,
        fn=fn,
        args_model=args_model,
        context_param=context_param,
    )


class ToolRegistry:
    """The tools an agent (or `sokrat tool`) can call, by name."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for t in tools:
            self.register(t)

    def register(self, t: Tool) -> Tool:
        if not isinstance(t, Tool):
            raise ToolDefinitionError(f"{t!r} is not a tool: decorate it with @tool")
        if t.name in self._tools and self._tools[t.name] is not t:
            raise ToolDefinitionError(f"a tool named {t.name!r} is already registered")
        self._tools[t.name] = t
        return t

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise ToolNotFound(
                f"unknown tool {name!r}; available: {', '.join(sorted(self._tools)) or '(none)'}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def names(self) -> list[str]:
        return list(self._tools)

    async def execute(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        ctx: ToolContext | None = None,
        *,
        timeout_s: float | None = None,
    ) -> ToolOutcome:
        """Call a tool and turn every failure into an outcome the planner can read.

        Never raises for tool problems (unknown tool, bad arguments, exceptions, timeout).
        A sync tool that times out keeps running in its thread; its result is discarded.
        Configuration and infrastructure failures (:class:`~sokrat.errors.ToolUnavailable`,
        :class:`~sokrat.errors.ConfigError`, :class:`~sokrat.errors.MemoryBackendError`)
        come back with ``unavailable=True``: the user must act, not the model.
        """
        args = dict(arguments) if isinstance(arguments, Mapping) else {}
        start = time.perf_counter()

        def failed(message: str, *, transient: bool = False, unavailable: bool = False) -> ToolOutcome:
            return ToolOutcome(name, args, ok=False, error=message, duration_s=time.perf_counter() - start,
                               transient=transient, unavailable=unavailable)

        try:
            t = self.get(name)
            output = await asyncio.wait_for(t.ainvoke(arguments, ctx), timeout=timeout_s)
        except ToolNotFound as e:
            return failed(f"{e}. Call one of the available tools.")
        except ToolArgumentsError as e:
            return failed(f"{e}. Fix the arguments and call again.")
        except TimeoutError:
            return failed(f"tool {name!r} timed out after {timeout_s:g} s; try a narrower request or another tool")
        except (ToolUnavailable, ConfigError, MemoryBackendError) as e:
            return failed(f"tool {name!r} is unavailable: {e}", unavailable=True)
        except ToolError as e:
            return failed(f"tool {name!r} failed: {e}", transient=e.transient)
        except SokratError as e:  # bad input, not found: the model can change its arguments
            return failed(f"tool {name!r} failed: {e}")
        except Exception as e:  # a tool's bug must not crash the run: report it to the planner
            return failed(f"tool {name!r} raised {type(e).__name__}: {e}; try another tool or other arguments")
        shown = None
        if t.render is not None:
            try:
                shown = t.render(output)
            except Exception as e:  # a renderer's bug must not lose the output: the planner reads the JSON
                log.warning("tool %r could not render its output (%s: %s); the planner reads it as JSON",
                            name, type(e).__name__, e)
        return ToolOutcome(name, args, ok=True, output=output, duration_s=time.perf_counter() - start, shown=shown)
