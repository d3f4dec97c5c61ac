"""Checks against error accumulation: small errors must not compound into a garbage plan.

Each check is a plain function of data (no LangGraph, no model), so each is unit-tested alone:

- :func:`validate_call`: arguments against the tool's schema, before anything runs;
- :func:`verify`: labels a step ``ok`` / ``suspect`` / ``failed`` with cheap rules (error text,
  empty or garbage output, schema-shaped junk, contradiction with an earlier identical call,
  a record that does not mention what was asked); returns ``None`` only where rules cannot
  tell, and the graph then asks the model for a judgement;
- :func:`detect_loop` / :func:`no_new_information`: the same call again and again, or steps
  that add nothing;
- :func:`failure_kind`: a failed call is ``transient`` (retried with backoff) or
  ``permanent`` (never repeated with the same arguments);
- :func:`budget_exhausted`: consecutive and total failures against the settings;
- :func:`ground`: the final answer's claims (numbers, timestamps, ids, names) must occur in
  what the tools returned, the goal, or a memory recalled for the run.

The rules are hand-written: no library labels tool outputs, and each rule is a line or two.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sokrat.agents.state import CheckLabel, FailureKind, MemoryNote, StepState
from sokrat.errors import SokratError
from sokrat.tools.registry import ToolRegistry
from sokrat.types import Evidence


@dataclass(frozen=True)
class Verdict:
    label: CheckLabel
    reason: str
    hint: str = ""
    """What the planner should do about it (shown with the observation)."""


# --- before a call -------------------------------------------------------------------------
def validate_call(registry: ToolRegistry, tool: str, arguments: dict[str, Any]) -> str | None:
    """The reason the call cannot run (unknown tool, bad arguments), or None if it can."""
    try:
        registry.get(tool).validate(arguments)
    except SokratError as e:
        return str(e)
    return None


def _same_call(step: StepState, tool: str, arguments: dict[str, Any]) -> bool:
    return step["tool"] == tool and step["arguments"] == arguments


REPEAT_REFUSED = "this exact call already succeeded"
EMPTY_OUTPUT = "empty output"
PRINTED_NOTHING = "the code printed nothing"
"""A code run that showed no value: the same code shows none again (it is deterministic)."""
PERMANENT_REFUSED = "this exact call already failed"
_TRANSIENT = re.compile(
    r"^tool '[^']+' (?:timed out after|raised (?:Connection\w*|TimeoutError|BrokenPipeError)\b)"
)


def failure_kind(error: str, *, transient: bool = False) -> FailureKind:
    """Classify a failed call: ``transient`` when the tool said so (``TransientToolError``), or
    when the call timed out or lost its connection (the registry's own messages); everything
    else (bad arguments, a missing file, a tool's own error) is ``permanent``."""
    return "transient" if transient or _TRANSIENT.search(error) else "permanent"


def detect_loop(
    steps: Sequence[StepState],
    tool: str,
    arguments: dict[str, Any],
    *,
    max_identical: int = 3,
    block_repeat_of_ok: bool = True,
) -> str | None:
    """Refuse a call that already ran ``max_identical`` times, or twice with the same output,
    or (``block_repeat_of_ok``) that already has a trusted result."""
    previous = [s for s in steps if _same_call(s, tool, arguments) and not s["check"].startswith("blocked")]
    broken = [s for s in previous if s.get("failure") == "permanent" or s["check"] == PRINTED_NOTHING]
    if broken:
        return (f"{PERMANENT_REFUSED} at step {broken[-1]['index']} and would fail again: "
                f"{broken[-1]['raw'][:200]}. Change the arguments or use another tool")
    done = [s for s in previous if s["label"] == "ok"]
    if block_repeat_of_ok and done:
        return (f"{REPEAT_REFUSED} at step {done[-1]['index']} with: {done[-1]['raw'][:200]}. "
                "Use that result: make the next call, or reply with final_answer")
    if len(previous) >= max_identical:
        return f"this exact call already ran {len(previous)} times; use its result or change approach"
    # Identical outputs of calls that ran to the end (an empty search result too) mean no new
    # information; errors of the call itself may be transient and are not counted.
    outputs = [s["raw"] for s in previous if s["label"] != "failed" or not s.get("failure")]
    if len(outputs) >= 2 and len(set(outputs)) < len(outputs):
        return "this exact call already returned the same output twice: it will not change; use it or change approach"
    return None


def no_new_information(steps: Sequence[StepState], *, window: int = 4) -> bool:
    """True when each of the last ``window`` steps only repeated an earlier output."""
    if len(steps) < window + 1:
        return False
    for i in range(len(steps) - window, len(steps)):
        earlier = {s["raw"] for s in steps[:i]}
        if steps[i]["raw"] not in earlier:
            return False
    return True


def budget_exhausted(consecutive: int, total: int, *, max_consecutive: int, max_total: int) -> str | None:
    if consecutive >= max_consecutive:
        return f"error budget exhausted: {consecutive} failed steps in a row (max_consecutive_failures={max_consecutive})"
    if total >= max_total:
        return f"error budget exhausted: {total} failed steps in total (max_total_failures={max_total})"
    return None


# --- after a call ---------------------------------------------------------------------------
_EMPTY = {"", "null", "none", "nil", "undefined", "{}", "[]", '""', "n/a", "nan"}
_ERROR_TEXT = re.compile(r"^\s*(error|exception|fatal|traceback)\b|Traceback \(most recent call last\)", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd]")
_KEYLIKE = re.compile(r"^(?=.{3,40}$)[A-Za-z][\w'.-]*(?: [\w'.-]+){0,2}$")
"""An argument that names a thing (a key, a name: at most three words), which a record about it
would echo. A whole sentence (a fact to remember, a question) is not one."""
_RANDOM_CODE = re.compile(r"\b(?:random|secrets|uuid)\b")


def _looks_garbage(text: str) -> bool:
    if _CONTROL.search(text):
        return True
    if len(text) < 4:
        return False
    plain = sum(ch.isalnum() or ch.isspace() for ch in text)
    return plain / len(text) < 0.5


def _has_content(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return value not in (None, "", 0.0) or value == 0 and not isinstance(value, float)


_RUN_META = ("stderr", "duration_s", "truncated", "exit_code", "returncode")


def _printed_nothing(parsed: Any) -> bool:
    """A code run's record (it has ``stdout``) that shows no value at all."""
    if not isinstance(parsed, dict) or "stdout" not in parsed:
        return False
    return not _has_content({k: v for k, v in parsed.items() if k not in _RUN_META})


def _print_hint(code: Any) -> str:
    """What to change in code that showed nothing. A small model often writes a function that
    ``return``s the value and never calls it (``def fib(n): ...; return fib(20)``), and then runs
    the same code again on a generic "print it"; naming the uncalled function breaks the loop."""
    generic = "print() the values you need and run it again"
    try:
        tree = ast.parse(code) if isinstance(code, str) else None
    except SyntaxError:
        tree = None
    if tree is None or not tree.body:
        return generic
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    top_calls = {n.func.id for stmt in tree.body if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    uncalled = [d for d in defs if d.name not in top_calls]
    if uncalled:
        d = uncalled[-1]
        call = f"print({d.name}(...))"
        last = d.body[-1]
        value = last.value if isinstance(last, (ast.Return, ast.Expr)) else None
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "print" and value.args:
            value = value.args[0]
        if value is not None and any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == d.name
                                     for n in ast.walk(value)):
            call = f"print({ast.unparse(value)})"  # what the code meant to show: fib(20), not fib(n-1)
        one_line = d.end_lineno == d.lineno
        why = ("on a one-line def, everything after the colon (even print) is inside the function, which "
               "nothing calls" if one_line else f"nothing at the top level calls {d.name}()")
        return f"{why}: write the def, then on a new unindented line: {call}"
    last = tree.body[-1]
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return f"write different code that ends with print({last.targets[0].id})"
    return generic


def _key_terms(arguments: dict[str, Any]) -> list[str]:
    """Argument values that name a thing (a key, a name), which a record about it would echo."""
    return [v for v in arguments.values() if isinstance(v, str) and _KEYLIKE.match(v)]


def _echo_mismatch(arguments: dict[str, Any], parsed: Any) -> str:
    """A record that echoes an argument (``{"city": ...}`` for ``city=...``) with another value."""
    if not isinstance(parsed, dict):
        return ""
    for name, value in arguments.items():
        if name in parsed and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            echoed = parsed[name]
            if isinstance(echoed, (str, int, float)) and str(echoed).strip().lower() != str(value).strip().lower():
                return f"{name}={echoed!r}, asked {value!r}"
    return ""


def _mentions(text: str, term: str) -> bool:
    """The whole term, or for several words any word of 4+ letters (search results rephrase)."""
    words = term.split()
    return term in text or (len(words) > 1 and any(len(w) >= 4 and w in text for w in words))


def verify(
    tool: str,
    arguments: dict[str, Any],
    ok: bool,
    output: str,
    earlier: Sequence[StepState],
) -> Verdict | None:
    """Label one step by rules; None where the rules cannot tell (free text of unclear relevance)."""
    if not ok:
        return Verdict("failed", "the tool reported an error", "fix the arguments, retry once, or use another tool")
    text = output.strip()
    if text.lower() in _EMPTY:
        return Verdict("failed", EMPTY_OUTPUT, "retry once or use another tool")
    if _ERROR_TEXT.search(text[:400]):
        return Verdict("failed", "the output reports an error", "retry once or use another tool")
    if _looks_garbage(text):
        return Verdict("failed", "the output looks like garbage (control or non-text characters)", "retry the call")
    parsed: Any = None
    if text[:1] in "{[":
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return Verdict("failed", "malformed (truncated?) JSON output", "retry the call")
        if not _has_content(parsed):
            return Verdict("failed", "structured output with no content", "retry once or use another tool")
        if _printed_nothing(parsed):
            return Verdict("failed", PRINTED_NOTHING, _print_hint(arguments.get("code")))
    code = arguments.get("code")
    if isinstance(code, str) and _RANDOM_CODE.search(code):
        return Verdict("suspect", "the code draws random values: its output is not a fact",
                       "compute the value deterministically, or look it up with another tool")
    same = [s for s in earlier if _same_call(s, tool, arguments) and s["label"] != "failed"]
    if any(s["raw"] == output for s in same):
        return Verdict("ok", "confirmed by an identical earlier call")
    trusted = [s for s in same if s["label"] == "ok"]
    if trusted:
        return Verdict(
            "suspect",
            f"differs from step {trusted[-1]['index']}'s output for the same call",
            "call once more to see which output is right",
        )
    echoed = _echo_mismatch(arguments, parsed)
    if echoed:
        return Verdict("suspect", f"the record answers a different request ({echoed})", "call again to confirm")
    terms = _key_terms(arguments)
    mentioned = [t for t in terms if _mentions(text.lower(), t.lower())]
    if terms and not mentioned:
        if parsed is not None:
            return Verdict(
                "suspect",
                f"the record does not mention {', '.join(repr(t) for t in terms)}",
                "it may be about something else: call again to confirm",
            )
        return None  # free text that does not echo the key: rules cannot tell
    return Verdict("ok", "no rule objected")


OBSERVATION_ON_FAILURE_CHARS = 300
"""Output shown with a failed or suspect step's verdict."""


_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")


_PATH = re.compile(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]+\.\w+")


def code_failure_hint(output: str, code: Any, tools: Sequence[str], media: Sequence[str] = (),
                      earlier: Sequence[StepState] = ()) -> str:
    """A hint for failed code that a generic "change the arguments" does not fix; "" otherwise.
    From real 1.5B runs: code that called a planner tool as a Python function (``search(...)``
    inside ``python_exec``, CodeAgent-style), and code that opened the run's video with OpenCV
    or a document a search had returned (the sandbox sees none of the user's files)."""
    # The run's media and the files the tools named (a search's sources); not the paths in a
    # code run's own traceback.
    files = [*media, *(p for s in earlier if "code" not in s["arguments"] for p in _PATH.findall(s["raw"]))]
    called = [name for name in _NAME_ERROR.findall(output) if name in tools]
    if called:
        return (f"{called[0]} is a tool, not a Python function inside the code: call {called[0]} as its own step, "
                "then write code with the values it returned")
    opened = [f for f in files if isinstance(code, str) and (f in code or f.rsplit("/", 1)[-1] in code)]
    if opened:
        return (f"the code cannot read {opened[0].rsplit('/', 1)[-1]}: the sandbox sees none of the user's files; "
                "write the values the tools returned into the code, or ask about the file with a tool made for it")
    return ""


def observation_text(verdict: Verdict, output: str, *, error: str = "") -> str:
    """What the planner reads for this step: the output, marked when a check objected."""
    if verdict.label == "ok":
        return output
    if error:  # refused before running: the reason is the whole story
        return f"CHECK {verdict.label.upper()}: {verdict.reason}; {verdict.hint}."
    return f"CHECK {verdict.label.upper()}: {verdict.reason}; {verdict.hint}. Output was: {output[:OBSERVATION_ON_FAILURE_CHARS]}"


# --- the final answer -------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?![A-Za-z0-9_])")
"""A number standing on its own: not the digits inside an id (``mem:ab8965``), a word (``B12``)
or a longer number (``1795328965.1``), which would otherwise "support" a made-up value."""
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_ID = re.compile(r"\b[a-z_]+:[A-Za-z0-9_-]{3,}\b")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
# Capitalised words that are not names (sentence starts); anything else capitalised is a claim.
_COMMON_WORDS = (
    "the this that there these those then than she he it its they them their we our you your his her "
    "and but not none yes no step answer evidence at in on of for from to by with after before when "
    "where what which who why how its was were is are has had have did does found result results "
    "according based observation observations unknown sorry sure okay done stored saved noted "
    "remembered about approximately around roughly nearly almost exactly just only over under some "
    "many most all each every both one two three first last also there here"
)
_COMMON = set(_COMMON_WORDS.split())


@dataclass(frozen=True)
class Grounding:
    supported: bool
    unsupported: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    """Claims of a general-knowledge answer that no tool could check (the model's own knowledge)."""


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _plain_numbers(text: str) -> str:
    """``1,048,576`` -> ``1048576`` (so a formatted answer matches a printed value)."""
    return _THOUSANDS.sub("", text)


def _numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(_plain_numbers(text))}


def claims(answer: str, *, names: bool = True) -> list[str]:
    """The checkable parts of an answer: ids, clock times, numbers and (``names``) capitalised names."""
    answer = _plain_numbers(answer)
    found: list[str] = []
    found += _ID.findall(answer)
    found += _CLOCK.findall(answer)
    rest = _CLOCK.sub(" ", _ID.sub(" ", answer))
    found += _NUMBER.findall(rest)
    if names:
        found += [w for w in _NAME.findall(answer) if w.lower() not in _COMMON]
    return list(dict.fromkeys(found))


_INFLECTION = re.compile(r"(?:ing|ed|es|s)$")


def _supported(claim: str, corpus: str, corpus_numbers: set[float]) -> bool:
    if _NUMBER.fullmatch(claim):  # a number must occur as a number, not as digits inside something else
        value = float(claim)
        if value in corpus_numbers:
            return True
        # "5729.58" rounds a printed 5729.5779513 (to as many decimals as the claim shows)
        decimals = len(claim.partition(".")[2])
        return decimals > 0 and any(round(n, decimals) == value for n in corpus_numbers)
    word = claim.lower()
    # A capitalised word at a sentence start is often an inflected verb ("Stored", "Searching"),
    # not a name: its stem in the corpus ("store" in the goal) supports it.
    stem = _INFLECTION.sub("", word)
    return word in corpus or (len(stem) >= 4 and stem in corpus)


def _evidence_items(value: Any, source: str) -> list[Evidence]:
    items: list[Evidence] = []
    if isinstance(value, list):
        for v in value:
            items += _evidence_items(v, source)
    elif isinstance(value, dict):
        if "t_start" in value or "memory_id" in value:
            items.append(
                Evidence(
                    source=str(value.get("source") or source),
                    t_start=value.get("t_start") if isinstance(value.get("t_start"), (int, float)) else None,
                    t_end=value.get("t_end") if isinstance(value.get("t_end"), (int, float)) else None,
                    text=str(value.get("text", ""))[:300],
                    memory_id=value.get("memory_id") if isinstance(value.get("memory_id"), str) else None,
                )
            )
        else:
            for v in value.values():
                if isinstance(v, (dict, list)):
                    items += _evidence_items(v, source)
    return items


def strip_unsupported(answer: str, unsupported: Sequence[str]) -> str:
    """The answer without the parts that carry unsupported claims: parentheticals first, then
    sentences, then comma clauses. Empty when nothing that makes a claim is left."""
    bad = [c for c in unsupported if c]

    def clean(part: str) -> bool:
        return not any(c in part for c in bad)

    text = re.sub(r"\s*\([^()]*\)", lambda m: m.group(0) if clean(m.group(0)) else "", answer)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if clean(s)]
    text = " ".join(sentences)
    text = ",".join(c for c in text.split(",") if clean(c)).strip(" ,;")
    return text if claims(text) else ""


def ground(answer: str, steps: Sequence[StepState], *, context: str = "",
           memories: Sequence[MemoryNote] = (), knowledge: bool = False) -> Grounding:
    """Check that every claim in ``answer`` occurs in a trusted observation, the ``context``
    (goal, assumptions) or a recalled memory (cited as evidence).

    An answer given without any tool call (the planner judged none was needed) is held to
    its numbers, times and ids only: a name there is the model's own knowledge ("Bonjour"),
    which no observation could show. Values a small model might compute or invent still have
    to come from a tool.

    ``knowledge``: the goal is a general-knowledge question (:func:`~sokrat.agents.goals.general_knowledge`)
    that no tool here can check; its unsupported claims are reported as ``unverified``
    instead of failing the answer.
    """
    trusted = [s for s in steps if s["label"] == "ok"]
    corpus = _plain_numbers(" ".join([context, *(s["raw"] for s in trusted), *(m["text"] for m in memories)]).lower())
    numbers = _numbers(corpus)
    found = claims(answer, names=bool(steps))
    unsupported = [c for c in found if not _supported(c, corpus, numbers)]

    def backs(text: str) -> bool:
        plain = _plain_numbers(text).lower()
        return any(_supported(c, plain, _numbers(plain)) for c in found)

    supporting = [s for s in trusted if backs(s["raw"])]
    evidence: list[Evidence] = []
    for s in supporting:
        try:
            parsed = json.loads(s["raw"])
        except json.JSONDecodeError:
            continue
        for item in _evidence_items(parsed, s["tool"]):
            cited = any(
                item.t_start is not None and float(c) == float(item.t_start)
                for c in found
                if _NUMBER.fullmatch(c)
            ) or (item.memory_id is not None and item.memory_id in answer)
            if cited or item.text and item.text.lower() in answer.lower():
                evidence.append(item)
    if not evidence:  # the answer rests on these steps without citing an item: show their items
        for s in supporting:
            try:
                evidence += _evidence_items(json.loads(s["raw"]), s["tool"])[:3]
            except json.JSONDecodeError:
                continue
    evidence += [Evidence(source="memory", memory_id=m["id"], text=m["text"][:300])
                 for m in memories if found and backs(m["text"])]
    if knowledge and unsupported:
        return Grounding(supported=True, evidence=evidence, unverified=unsupported)
    return Grounding(supported=not unsupported, unsupported=unsupported, evidence=evidence)
