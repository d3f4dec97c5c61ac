"""The planner's action format: a JSON schema built from the tools, and a strict parser.

An action is ``{"tool": <name>, "arguments": {...}}``: one ``anyOf`` branch per tool (its
``arguments`` are the tool's own parameter schema) plus a ``final_answer`` branch. The
schema is kept within what xgrammar and llama.cpp's grammar compile (``const``, ``anyOf``,
``$defs``/``$ref`` at the root, ``maxLength``), so a local model can be constrained to it token
by token, and an HTTP server can take it as ``response_format``.

Every string gets a ``maxLength``: a small model constrained to a schema can otherwise loop
inside an open string until ``max_tokens`` (measured with the 0.5B planner, ../shared/MODELS.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sokrat.errors import LLMOutputError, ToolError
from sokrat.tools.registry import Tool, ToolRegistry

FINAL_ANSWER = "final_answer"
MAX_ARGUMENT_CHARS = 1200
"""Cap on any string argument a tool does not cap itself (about 300 tokens: a code snippet fits)."""
MAX_ANSWER_CHARS = 600
"""Cap on the final answer's text (about 150 tokens)."""

FINAL_ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string", "description": "the answer to the goal", "maxLength": MAX_ANSWER_CHARS},
    },
    "required": ["answer"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class Action:
    """A validated planner action: a tool call, or the final answer."""

    tool: str
    """A registered tool's name, or ``final_answer``."""
    arguments: dict[str, Any] = field(default_factory=dict)
    """The arguments as the model wrote them (JSON-able), already checked against the tool's schema."""

    @property
    def is_final(self) -> bool:
        return self.tool == FINAL_ANSWER

    @property
    def answer(self) -> str:
        return str(self.arguments.get("answer", "")) if self.is_final else ""


def _rewrite_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = "#/$defs/" + prefix + v[len("#/$defs/"):]
            else:
                out[k] = _rewrite_refs(v, prefix)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, prefix) for v in node]
    return node


def cap_strings(node: Any, max_chars: int = MAX_ARGUMENT_CHARS) -> Any:
    """A copy of a JSON schema where every string without a ``maxLength`` gets ``max_chars``."""
    if isinstance(node, dict):
        out = {k: cap_strings(v, max_chars) for k, v in node.items()}
        types = node.get("type")
        is_string = types == "string" or (isinstance(types, list) and "string" in types)
        if is_string and "maxLength" not in node and "enum" not in node and "const" not in node:
            out["maxLength"] = max_chars
        return out
    if isinstance(node, list):
        return [cap_strings(v, max_chars) for v in node]
    return node


def action_schema(tools: Iterable[Tool] | ToolRegistry, *, final_answer: bool = True,
                  max_string_chars: int = MAX_ARGUMENT_CHARS) -> dict[str, Any]:
    """The JSON schema of one planner action over ``tools``.

    Each tool's ``$defs`` (pydantic puts nested models there) are hoisted to the root under
    ``<tool>__<name>`` so every ``$ref`` stays resolvable from the root, as xgrammar and
    OpenAI's strict mode require. Strings are capped at ``max_string_chars``.
    """
    branches: list[dict[str, Any]] = []
    defs: dict[str, Any] = {}
    for t in tools:
        params = cap_strings(dict(t.planner_parameters), max_string_chars)
        local_defs = params.pop("$defs", None)
        prefix = f"{t.name}__"
        if local_defs:
            params = _rewrite_refs(params, prefix)
            for name, sub in local_defs.items():
                defs[prefix + name] = _rewrite_refs(sub, prefix)
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": t.name}, "arguments": params},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if final_answer:
        branches.append(
            {
                "type": "object",
                "properties": {"tool": {"const": FINAL_ANSWER}, "arguments": FINAL_ANSWER_SCHEMA},
                "required": ["tool", "arguments"],
                "additionalProperties": False,
            }
        )
    if not branches:
        raise ValueError("action_schema needs at least one tool or final_answer=True")
    schema: dict[str, Any] = {"anyOf": branches}
    if defs:
        schema["$defs"] = defs
    return schema


def first_json_object(text: str) -> Any:
    """The first JSON object in ``text`` (what a plain parser of free text would take).

    Raises :class:`ValueError` when there is none.
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            obj, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(obj, dict):
            return obj
        start = text.find("{", start + 1)
    raise ValueError("no JSON object in the text")


def _decode(text_or_obj: str | Mapping[str, Any]) -> Any:
    if not isinstance(text_or_obj, str):
        return text_or_obj
    try:
        return json.loads(text_or_obj)
    except json.JSONDecodeError:
        try:
            return first_json_object(text_or_obj)
        except ValueError as e:
            raise LLMOutputError('the reply is not a JSON action; answer with {"tool": <name>, "arguments": {...}}') from e


def parse_action(
    text_or_obj: str | Mapping[str, Any],
    registry: ToolRegistry | Iterable[Tool],
    *,
    final_answer: bool = True,
) -> Action:
    """Decode and validate one action against the registered tools.

    Raises :class:`~sokrat.errors.LLMOutputError` with a message the planner can act on
    (it is meant to be shown back to the model as an observation).
    """
    reg = registry if isinstance(registry, ToolRegistry) else ToolRegistry(registry)
    obj = _decode(text_or_obj)
    if not isinstance(obj, Mapping):
        raise LLMOutputError(f"an action must be a JSON object, got {type(obj).__name__}")
    extra = set(obj) - {"tool", "arguments"}
    if extra:
        raise LLMOutputError(f"unexpected keys {sorted(extra)} in the action; use only 'tool' and 'arguments'")
    name = obj.get("tool")
    if not isinstance(name, str) or not name:
        raise LLMOutputError("the action has no 'tool' name")
    arguments = obj.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise LLMOutputError(f"'arguments' of {name!r} must be a JSON object")
    if name == FINAL_ANSWER and final_answer:
        answer = arguments.get("answer")
        if not isinstance(answer, str):
            raise LLMOutputError("final_answer needs a string 'answer'")
        return Action(FINAL_ANSWER, {"answer": answer})
    try:
        reg.get(name).validate(arguments)
    except ToolError as e:
        raise LLMOutputError(str(e)) from e
    return Action(name, dict(arguments))


__all__ = ["FINAL_ANSWER", "Action", "action_schema", "cap_strings", "first_json_object", "parse_action"]
