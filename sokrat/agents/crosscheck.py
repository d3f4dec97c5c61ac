"""A second program for a computed answer (N-version programming, as in PAL's and PoT's
self-consistency: programs written apart that print the same value are rarely wrong the same way).

The answer checks (:mod:`sokrat.agents.verifier`) make sure a computation was *run*; they cannot
tell whether the code computed what was asked (a sum printed for "how many", an off-by-one
range). So an answer computed by code is cross-checked: the model writes another program for
the goal, from a prompt that does not show the first one, and the sandbox runs it. When the two
disagree, a third program decides; when it sides with neither answer, or with the second, the
run ends ``unverified`` with both values (``code_disagrees``), never ``succeeded``.

A value computed from what another tool returned (a record found, a time seen in a video) is
cross-checked the same way: the program written apart is given those outputs, as the first
was, but not the first program. It checks the reading and the arithmetic, not the lookup.

This module holds the pure parts: the prompt and the comparison. The graph
(:func:`sokrat.agents.graph.ground_node`) runs the programs.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from sokrat.agents import checks
from sokrat.llm.base import Message

CODE_MAX_CHARS = 800
"""Longest second program (a constrained small model cannot loop inside the string)."""
MAX_TOKENS = 300

SYSTEM = (
    "You write one short Python 3 program that computes the answer to a question and prints only the "
    'answer. Reply with ONE JSON object {"code": "..."}. Use only the standard library. Work it out in '
    "code; never print a value you did not compute."
)
THIRD = " Do it the plain way: loops, counters and explicit checks, no clever shortcuts."
"""Appended to the system text for the tie-breaking third program (another method, not a copy)."""
THIRD_TEMPERATURE = 0.7
"""The third program is sampled: at temperature 0 a prompt this close to the second's tends to
give the second program again."""

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"code": {"type": "string", "maxLength": CODE_MAX_CHARS}},
    "required": ["code"],
    "additionalProperties": False,
}


def messages(goal: str, *, third: bool = False, facts: tuple[str, ...] = ()) -> list[Message]:
    """The prompt for a program written apart: the goal, and the stored ``facts`` the planner was
    given with it (a goal may compute on a remembered value: "add 1000 to my locker code")."""
    known = "".join(f"- {f}\n" for f in facts)
    return [Message("system", SYSTEM + (THIRD if third else "")),
            Message("user", (f"Facts:\n{known}" if known else "") + f"Question: {goal}")]


def code_of(reply: Any) -> str:
    """The program in a reply (parsed JSON or its text); "" when there is none."""
    if isinstance(reply, str):
        try:
            reply = json.loads(reply)
        except json.JSONDecodeError:
            return ""
    code = reply.get("code") if isinstance(reply, dict) else None
    return code.strip() if isinstance(code, str) else ""


def with_printed_result(code: str) -> str:
    """``code`` that prints its result: when it prints nothing, the value of its last expression
    or of the name its last statement assigns is printed, as a notebook shows a cell's last value
    (the 1.5B often ends a program with ``sorted('banana')`` or ``total = ...``). Code that
    does not parse is returned as it is (the sandbox reports the error)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    if not tree.body or any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
                            for n in ast.walk(tree)):
        return code
    last = tree.body[-1]
    if isinstance(last, ast.Expr):
        tree.body[-1] = ast.Expr(ast.Call(ast.Name("print", ast.Load()), [last.value], []))
    elif isinstance(last, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
        target = last.targets[0] if isinstance(last, ast.Assign) else last.target
        if not isinstance(target, ast.Name):
            return code
        tree.body.append(ast.Expr(ast.Call(ast.Name("print", ast.Load()), [ast.Name(target.id, ast.Load())], [])))
    else:
        return code
    return ast.unparse(ast.fix_missing_locations(tree))


def printed_value(raw: str, *, every_line: bool = False) -> str:
    """The last non-empty line a program printed (its answer), or with ``every_line`` all of
    them joined by spaces (a goal in parts: "the sum, and is it even?"), from a code tool's
    JSON output or plain text; "" when it printed nothing or failed."""
    stdout = raw
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        record = None
    if isinstance(record, dict):
        if record.get("exit_code") not in (0, None):
            return ""
        stdout = str(record.get("stdout", ""))
    lines = [x.strip() for x in stdout.splitlines() if x.strip()]
    if every_line:
        return " ".join(lines)
    return lines[-1] if lines else ""


_BOOL = {"true": "yes", "false": "no"}
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
JOINED_MIN = 4
"""Shortest printed value compared with its spaces and punctuation dropped (``['a', 'e']`` is
``ae``); shorter ones must match as words ("no" is not in "not")."""


def _words(text: str) -> list[str]:
    return [_BOOL.get(w, w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _has_run(words: list[str], run: list[str]) -> bool:
    return any(words[i:i + len(run)] == run for i in range(len(words) - len(run) + 1))


def _same_number(stated: str, value: float) -> bool:
    """``stated`` (as the answer writes it) is ``value``, up to the digits the answer shows
    (8.046 km is 8.04672 km; an integer must be exact: 130 is not 131)."""
    a = float(stated)
    if value == int(value):
        return a == value
    decimals = len(stated.split(".")[1]) if "." in stated else 0
    return abs(a - value) < 10 ** -decimals


def _states_date(answer: str, year: str, month: str, day: str) -> bool:
    """``answer`` gives that date, in ISO form or with the month's name ("April 25, 2027")."""
    low = answer.lower()
    if f"{year}-{month}-{day}" in low:
        return True
    name = _MONTHS[int(month) - 1]
    return (year in low and (name in low or name[:3] in re.findall(r"[a-z]+", low))
            and re.search(rf"(?<!\d)0?{int(day)}(?!\d)", low) is not None)


def agrees(answer: str, value: str, goal: str = "") -> bool:
    """Whether ``answer`` states what a second program printed (``value``, its last line).

    A date must be the same date. Numbers: each number the second program printed that the goal
    does not give must be in the answer (up to the answer's rounding). No numbers: the printed
    words (``True`` read as yes) must occur in the answer's, in order; or, four letters or more,
    the printed letters and digits in the answer's or the other way round (a printed list
    against a joined word)."""
    if (date := _ISO_DATE.search(value)) is not None:
        return _states_date(answer, *date.groups())
    answer_plain, value_plain = checks._plain_numbers(answer), checks._plain_numbers(value)
    goal_numbers = checks._numbers(goal)
    printed = [float(n) for n in checks._NUMBER.findall(value_plain)]
    printed = [v for v in printed if v not in goal_numbers] or printed
    if printed:
        stated = checks._NUMBER.findall(answer_plain)
        return all(any(_same_number(s, v) for s in stated) for v in printed)
    a, v = _words(answer), _words(value)
    if not a or not v:
        return False
    if set(v) <= set(_words(goal)):
        # it printed the goal's own words ("LANTERN" for "reverse 'lantern'"): an answer that
        # echoes the goal holds them in any case, so they must be there as printed
        shown = value.strip()
        return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", answer) is not None
                   for form in (shown, shown[:1].upper() + shown[1:]))
    if _has_run(a, v):
        return True
    joined_a, joined_v = "".join(a), "".join(v)
    return ((len(joined_v) >= JOINED_MIN and joined_v in joined_a)
            or (len(joined_a) >= JOINED_MIN and joined_a in joined_v))


def one_operation(code: str, goal: str) -> bool:
    """``code`` only prints one arithmetic operation on numbers the goal gives
    (``print(17 * 23)``): a second program written from the same goal can only read the same
    operator and the same numbers again, so cross-checking it costs a model call and checks
    nothing. A program that brings a number of its own (a conversion factor), calls anything but
    ``print``, or uses a name or a second operator is cross-checked."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if len(tree.body) != 1 or not isinstance(stmt := tree.body[0], ast.Expr):
        return False
    call = stmt.value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "print"
            and len(call.args) == 1 and not call.keywords):
        return False
    expr = call.args[0]
    operators = [n for n in ast.walk(expr) if isinstance(n, (ast.BinOp, ast.UnaryOp))]
    constants = [n for n in ast.walk(expr) if isinstance(n, ast.Constant)]
    others = [n for n in ast.walk(expr) if not isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator,
                                                                 ast.unaryop))]
    goal_numbers = checks._numbers(goal)
    return (len(operators) == 1 and not others and bool(constants)
            and all(isinstance(c.value, (int, float)) and not isinstance(c.value, bool)
                    and float(c.value) in goal_numbers for c in constants))


__all__ = ["CODE_MAX_CHARS", "SCHEMA", "agrees", "code_of", "messages", "one_operation", "printed_value",
           "with_printed_result"]
