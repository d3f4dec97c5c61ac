"""`Agent`: the Python API over the planner graph (../shared/INTERFACE.md).

    agent = Agent()                                   # model, memory, tools from settings
    result = agent.run("Where did I put my keys?", media=["day.mp4"])
    async for event in agent.astream("..."): ...      # the last event ("done") carries the Result

Construct once, call :meth:`run` as often as needed: the agent keeps no per-run state (each
run has its own graph thread), so it can sit inside a robot's control loop.

Memory: ``memory=None`` uses :func:`sokrat.memory.get_memory` (Redis; embedded server when
``REDIS_URL`` is unset); if that cannot start, the run goes on without long-term memory and a
``warning`` event says why. ``memory=False`` turns long-term memory off on purpose. Without
long-term memory, large observations are kept as artifacts in this process
(:class:`~sokrat.agents.context.LocalArtifacts`) so ``read_artifact`` still expands them.

Durability: with a ``thread_id`` the run is checkpointed after every node. Give the same
``thread_id`` again (even from another process, with the Redis checkpointer) and an
unfinished run resumes where it stopped, without repeating completed tool calls; a finished
one returns its result. A ``thread_id`` names one run, like a task id.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat._async import run_sync
from sokrat.agents.options import AgentOptions, RunLimits
from sokrat.errors import MemoryBackendError, SokratError
from sokrat.settings import Settings, get_settings
from sokrat.tools.registry import Tool, ToolContext, ToolRegistry
from sokrat.types import MAX_GOAL_CHARS, Event, Evidence, Result, StepRecord, Usage

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.store.base import BaseStore

    from sokrat.llm.base import ChatModel
    from sokrat.memory.base import ArtifactStore, Memory, SemanticMemory

GRAPH_STEPS_PER_TOOL_CALL = 4
"""LangGraph super-steps one tool call can take (act, check, sometimes replan or ground)."""
GRAPH_STEPS_OVERHEAD = 40
"""Super-steps besides the tool calls (plan, ask, answers sent back, the final answer)."""
GOAL_EVENT_CHARS = 500
"""Goal text repeated in the ``run_started`` event."""
TRACEBACK_FRAMES = 20
"""Frames kept in the ``error`` event of an unexpected exception (a tool's or a model's bug)."""


class Agent:
    """A planner that plans, checks every step, replans, and keeps its prompt in the window."""

    def __init__(
        self,
        *,
        model: ChatModel | None = None,
        memory: Memory | None | bool = None,
        tools: Iterable[Tool] | None = None,
        settings: Settings | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        store: BaseStore | None = None,
        options: AgentOptions | None = None,
        deps: Any = None,
    ) -> None:
        """
        Args:
            model: the planner; default :func:`sokrat.llm.get_chat_model`.
            memory: a :class:`~sokrat.memory.base.Memory`; None for the default; False for none.
            tools: the tools; default :meth:`default_tools`.
            settings: limits and backends; default :func:`sokrat.settings.get_settings`.
            checkpointer: a LangGraph checkpointer; default Redis (``sokrat.agents.durable``)
                when a ``thread_id`` is given, else in-memory.
            store: a LangGraph store passed to the compiled graph.
            options: planner options.
            deps: user dependencies handed to tools through ``ToolContext.deps`` (any object,
                e.g. a robot handle; an empty dict when None).
        """
        self.settings = settings or get_settings()
        self.options = options or AgentOptions()
        self.tools = ToolRegistry(self.default_tools() if tools is None else tools)
        self._model = model
        self._memory_arg = memory
        self._memory: ArtifactStore | None = None
        """Where large outputs go: the long-term memory, or an in-process artifact store."""
        self._memory_warning = ""
        self._checkpointer = checkpointer
        self._durable: Any = None
        self._local_saver: Any = None
        self._store = store
        self._deps = deps if deps is not None else {}
        self._graphs: list[tuple[Any, Any]] = []
        """(checkpointer, compiled graph) pairs, matched by identity (at most two: local, durable)."""

    @staticmethod
    def default_tools() -> list[Tool]:
        """The built-in tools (video, memory, code, artifacts)."""
        from sokrat.tools import default_tools

        return default_tools()

    # --- resources, resolved on first use -----------------------------------------------------
    @property
    def model(self) -> ChatModel:
        if self._model is None:
            from sokrat.llm import get_chat_model

            self._model = get_chat_model(self.settings)
        return self._model

    def _resolve_memory(self) -> tuple[ArtifactStore, SemanticMemory | None]:
        """(where artifacts go, the long-term memory or None when it is off)."""
        from sokrat.memory.base import SemanticMemory
        from sokrat.memory.local import LocalArtifacts

        if self._memory is None:
            if self._memory_arg is False:
                self._memory = LocalArtifacts()
            elif self._memory_arg is None or self._memory_arg is True:
                from sokrat.memory import get_memory

                try:
                    self._memory = get_memory(self.settings)
                except MemoryBackendError as e:
                    self._memory_warning = f"long-term memory unavailable, running without it: {e}"
                    self._memory = LocalArtifacts()
            else:
                self._memory = self._memory_arg
        semantic = self._memory if isinstance(self._memory, SemanticMemory) else None
        return self._memory, semantic

    def _saver(self, durable: bool) -> Any:
        if self._checkpointer is not None:
            return self._checkpointer
        if durable:
            if self._durable is None:
                from sokrat.agents.durable import checkpointer

                self._durable = checkpointer(self.settings)
            return self._durable
        if self._local_saver is None:
            from langgraph.checkpoint.memory import InMemorySaver

            self._local_saver = InMemorySaver()
        return self._local_saver

    def _graph(self, saver: Any) -> Any:
        # Held with its checkpointer, not under id(saver), which Python reuses once an object dies.
        for held, graph in self._graphs:
            if held is saver:
                return graph
        from sokrat.agents.graph import build_graph

        graph = build_graph().compile(checkpointer=saver, store=self._store)
        self._graphs.append((saver, graph))
        return graph

    def prepare(self) -> None:
        """Resolve the model, memory (and its embedder) and durable checkpointer now instead of on
        the first run.

        Idempotent and safe to call from a worker thread (``asyncio.to_thread(agent.prepare)``),
        so a server does not block its event loop on model loading.
        """
        _ = self.model
        _, long_term = self._resolve_memory()
        if long_term is not None:  # load the memory's embedder now, not inside the first run's event loop
            with contextlib.suppress(SokratError):  # the first run reports memory trouble itself
                long_term.recall("warm up", k=1)
        self._saver(True)

    # --- running ------------------------------------------------------------------------------
    def run(
        self,
        goal: str,
        media: Sequence[str | Path] = (),
        *,
        thread_id: str | None = None,
        reply: str | None = None,
        cancel: threading.Event | None = None,
        limits: RunLimits | None = None,
        namespace: str | None = "default",
        on_event: Callable[[Event], Any] | None = None,
        collection: str | None = None,
    ) -> Result:
        """Run to the end and return the :class:`~sokrat.types.Result` (never raises for bad input).
        ``collection``: the goal is about that collection of clips (the ``collection_qa`` tool)."""
        return run_sync(self.arun(goal, media, thread_id=thread_id, reply=reply, cancel=cancel, limits=limits,
                                  namespace=namespace, on_event=on_event, collection=collection))

    async def arun(
        self,
        goal: str,
        media: Sequence[str | Path] = (),
        *,
        thread_id: str | None = None,
        reply: str | None = None,
        cancel: threading.Event | None = None,
        limits: RunLimits | None = None,
        namespace: str | None = "default",
        on_event: Callable[[Event], Any] | None = None,
        collection: str | None = None,
    ) -> Result:
        """Run to the end; ``on_event`` sees every event before ``done`` (e.g. to show progress)."""
        result: Result | None = None
        goal = with_collection(goal, collection)
        async for event in self.astream(goal, media, thread_id=thread_id, reply=reply, cancel=cancel, limits=limits,
                                        namespace=namespace):
            if event.type == "done":
                result = event.result
            elif on_event is not None:
                on_event(event)
        if result is None:  # astream always ends with "done"; this guards a broken invariant
            raise RuntimeError("agent stream ended without a result")
        return result

    async def astream(
        self,
        goal: str,
        media: Sequence[str | Path] = (),
        *,
        thread_id: str | None = None,
        reply: str | None = None,
        cancel: threading.Event | None = None,
        limits: RunLimits | None = None,
        namespace: str | None = "default",
    ) -> AsyncIterator[Event]:
        """Stream the run's events; the last one is ``done`` with the Result (``event.result``).

        ``reply`` answers the question of a run paused for a human (``human_in_the_loop``).
        ``cancel``: set it from any thread to stop the run as ``cancelled``.
        ``limits``: this run's limits, where they differ from the settings.
        ``namespace``: whose memories and documents the run's tools read and write (the
        server passes the API key's owner; None reads all).
        """
        media_list = [str(m) for m in media]
        yield Event(type="run_started", data={"goal": goal[:GOAL_EVENT_CHARS], "media": media_list, "thread_id": thread_id})
        problem = _check_input(goal, media_list)
        if problem:
            yield Event.done(Result(answer="", status="failed", reason=problem))
            return
        ephemeral = thread_id is None
        tid = thread_id or f"run-{uuid.uuid4().hex}"
        resolved = (limits or RunLimits()).resolve(self.settings)
        try:
            graph, deps = self._prepare(media_list, tid, durable=not ephemeral, cancel=cancel, limits=limits,
                                        namespace=namespace)
        except SokratError as e:
            yield Event.done(Result(answer="", status="failed", reason=str(e)))
            return
        if self._memory_warning:
            yield Event(type="warning", data={"message": self._memory_warning})
        config = {"configurable": {"thread_id": tid},
                  "recursion_limit": GRAPH_STEPS_PER_TOOL_CALL * resolved.max_steps + GRAPH_STEPS_OVERHEAD}
        try:
            snapshot = await graph.aget_state(config)
            if snapshot.values and not snapshot.next:  # this thread's run already finished
                yield Event.done(_result(snapshot.values))
                return
            if snapshot.next:
                from langgraph.types import Command

                graph_input: Any = Command(resume=reply) if reply is not None and _waiting(snapshot) else None
            else:
                graph_input = {"goal": goal.strip(), "media": media_list}
            # durability="sync": each step's checkpoint is written before the next step starts.
            # With LangGraph's default ("async") a process killed while a tool runs can resume
            # from an older checkpoint and run tool calls that had completed again.
            async for chunk in graph.astream(graph_input, config, context=deps, stream_mode="custom",
                                             durability="sync"):
                if isinstance(chunk, Event):
                    yield chunk
            snapshot = await graph.aget_state(config)
        except SokratError as e:
            yield Event.done(Result(answer="", status="failed", reason=str(e)))
            return
        except Exception as e:  # never crash the caller's process: report the bug, with its traceback
            yield Event(type="error", data={"message": f"{type(e).__name__}: {e}",
                                            "traceback": traceback.format_exc(limit=TRACEBACK_FRAMES)})
            yield Event.done(Result(answer="", status="failed", reason=f"agent error: {type(e).__name__}: {e}"))
            return
        if _waiting(snapshot):
            question = snapshot.values.get("question", "")
            yield Event.done(Result(answer="", status="cancelled", usage=Usage(**snapshot.values.get("usage", {})),
                                    reason=f"paused, waiting for a human: {question} Call run(..., thread_id={tid!r}, reply=...)"))
            return
        result = _result(snapshot.values)
        if ephemeral and self._checkpointer is None and hasattr(self._saver(False), "delete_thread"):
            self._saver(False).delete_thread(tid)  # construct-once agents must not grow per run
        yield Event.done(result)

    def _prepare(self, media: list[str], run_id: str, *, durable: bool, cancel: threading.Event | None,
                 limits: RunLimits | None, namespace: str | None) -> tuple[Any, Any]:
        from sokrat.agents.graph import RunDeps

        artifacts, long_term = self._resolve_memory()
        model = self.model
        resolved = (limits or RunLimits()).resolve(self.settings)
        deps = RunDeps(
            model=model,
            tools=self.tools,
            settings=self.settings,
            options=self.options,
            limits=resolved,
            artifacts=artifacts,
            memory=long_term,
            tool_context=ToolContext(settings=self.settings, memory=artifacts, chat=model, media=tuple(media),
                                     run_id=run_id, namespace=namespace, deps=self._deps),
            deadline=time.monotonic() + resolved.max_wall_s,
            cancel=cancel,
        )
        return self._graph(self._saver(durable)), deps


def with_collection(goal: str, collection: str | None) -> str:
    """The goal, told which collection of clips it is about (the planner passes the name to
    ``collection_qa``); unchanged without one."""
    if not collection or not isinstance(goal, str) or not goal.strip():
        return goal
    return f"{goal.strip()}\n(This is about the collection of clips {collection!r}: use the collection_qa tool " \
           f"with collection={collection!r}.)"


def _waiting(snapshot: Any) -> bool:
    """Paused at the ``ask`` node for a human's reply. (Checked by node name too: the Redis
    checkpointer does not always list the pending interrupt in the snapshot.)"""
    return bool(snapshot.interrupts) or "ask" in (snapshot.next or ())


def _check_input(goal: str, media: list[str]) -> str:
    if not isinstance(goal, str) or not goal.strip():
        return "empty goal: say what the agent should do"
    if len(goal) > MAX_GOAL_CHARS:
        return f"goal of {len(goal)} characters is over the {MAX_GOAL_CHARS}-character limit: shorten it or pass the text as a media file"
    for m in media:
        if not Path(m).is_file():
            return f"media file not found: {m}"
    return ""


def _result(values: Mapping[str, Any]) -> Result:
    steps = [
        StepRecord(index=s["index"], tool=s["tool"], arguments=s["arguments"], observation=s["observation"],
                   ok=s["label"] == "ok", check=f"{s['label']}: {s['check']}", check_code=s.get("check_code", ""))
        for s in values.get("steps", [])
    ]
    return Result(
        answer=values.get("answer", ""),
        evidence=[Evidence(**e) for e in values.get("evidence", [])],
        steps=steps,
        usage=Usage(**values.get("usage", {})),
        status=values.get("status") or "failed",
        reason=values.get("reason", ""),
    )
