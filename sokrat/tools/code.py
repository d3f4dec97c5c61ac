"""`python_exec`: run a snippet of Python in the bubblewrap sandbox (:mod:`sokrat.tools.sandbox`).

The code sees a fresh interpreter with no network, no environment, no files of the user's and
only its own processes; a final expression's value is shown as in the Python REPL. Where
bubblewrap cannot run, the tool is unavailable unless the user opts in to the resource
limiter (``SOKRAT_CODE_SANDBOX=rlimits``), which is not a security boundary.
"""

from __future__ import annotations

import ast
import json
import re
import signal
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

from pydantic import Field

from sokrat.errors import InvalidInput, ToolError
from sokrat.tools.registry import OutputVerdict, OutputView, ToolContext, tool
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


# --- python_exec's own output checks (what only this tool knows about its outputs) -----------------
_RANDOM = re.compile(r"\b(?:random|secrets|uuid)\b")
_CLOCK = re.compile(r"\b(?:now|today|utcnow|time|localtime|gmtime|monotonic|perf_counter)\s*\(\s*\)")
"""The code reads the clock: ``datetime.now()``, ``date.today()``, ``time.time()``."""
_ABOUT_NOW = re.compile(
    r"\b(?:today|todays|now|nowadays|current|currently|present|presently|tonight|this (?:year|month|week)|"
    r"until|till|til|since|ago|old|older|age|aged|born|left|remaining|elapsed|passed|tomorrow|yesterday|"
    r"next|last|upcoming|yet|still|is it|will it be|time is|date is|clock)\b", re.I)
"""Words of a goal whose answer may depend on the day it is asked ("how many days until ...",
"how old am I", "what day is it")."""
_GIVEN_NOW = re.compile(
    r"\b(?:(?:it is|it's|its)\s+(?:now|currently)|now\s+(?:it is|it's|is)|the (?:current )?(?:time|date) is|"
    r"today is|right now it is)\b[\s,]*(?:about\s+|already\s+)?"
    r"(?:\d[\d:.]*(?:\s*[ap]\.?m\b\.?)?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|noon|midday|"
    r"midnight)", re.I)
"""The goal says what time or day it is ("if it is now 10:30", "today is Friday"): the clock
in the sandbox shows another."""
_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")
_CALLED = re.compile(r"(?<![\w.])(\w+)\s*\(")
"""A plain function call's name (not a method: ``re.search(`` is no call of a tool ``search``)."""
_NO_INPUT = re.compile(r"EOFError: EOF when reading a line")
"""The code called ``input()``: the sandbox has no one typing."""
_QUOTED = re.compile(r"(?<!\w)'([^'\n]+)'(?!\w)|(?<!\w)\"([^\"\n]+)\"(?!\w)|‘([^’\n]+)’|“([^”\n]+)”")
"""Text a goal quotes ("reverse the word 'lantern'"); an apostrophe inside a word is no quote."""
_GOAL_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\w)")
_OBJECT_REPR = re.compile(r"<[\w.]+ object(?: [\w.<>]+)? at 0x[0-9a-f]+>")
"""What printing an iterator or an instance shows (``<reversed object at 0x7f...>``): no value."""
_SHELL = re.compile(r"\b(?:os\.system|os\.popen|subprocess\.\w+)\s*\(|^\s*!")
"""Code that shells out ("os.system('grep -r rent *')"): the small planner's way of reading the
user's documents, which the sandbox does not hold (and whose quoting often breaks the code)."""
_ONE_LINE_BLOCK = re.compile(r"^[^\n]*\b(?:for|while|if|elif|else|def|with|try|except)\b[^\n:]*:[ \t]*\S[^\n]*$")
"""Code on one line with a block header ("for ...:") and statements after it, which Python
cannot parse when those statements are compound or several ("for i in r: if c: print(i) break")."""
_PATH = re.compile(r"(?<![\w.])/(?:[\w.-]+/)+[\w.-]+\.\w+")


def _shows_nothing(record: dict[str, Any]) -> bool:
    """No printed text, no value, no file: the run showed nothing."""
    return not str(record.get("stdout", "")).strip() and not record.get("files")


def print_hint(code: str) -> str:
    """What to change in code that showed nothing, read from its syntax tree: a function that
    nothing at the top level calls, or a last assignment that is never printed."""
    generic = "print() the values you need and run it again"
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return generic
    if not tree.body:
        return generic
    defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    top_calls = {n.func.id for stmt in tree.body if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                 for n in ast.walk(stmt) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    uncalled = [d for d in defs if d.name not in top_calls]
    if uncalled:
        d = uncalled[-1]
        where = " (on a one-line def, everything after the colon is inside the function)" if d.end_lineno == d.lineno else ""
        return (f"nothing at the top level calls {d.name}(){where}: after the def, on a new unindented line, "
                f"print({d.name}(...)) with the arguments the goal gives")
    last = tree.body[-1]
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return f"end the code with print({last.targets[0].id})"
    return generic


def _nodes(record: Any) -> Iterator[Any]:
    """Every value of a decoded JSON record, containers included, in document order."""
    stack = [record]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def _strings(text: str) -> list[str]:
    """The text values of a tool's output (a JSON record's strings), else the output itself."""
    try:
        record = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return [text.replace("\\n", "\n")]
    return [item for item in _nodes(record) if isinstance(item, str)]


def _code_words(code: str) -> set[str]:
    """Words of the code's string literals ("Rent: (\\d+) a month" -> rent, month): what
    the code expects to find in the value it never set."""
    try:
        literals = [n.value for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    except SyntaxError:  # code that does not parse: its quoted text, as written
        literals = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(code)]
    return {w.lower() for lit in literals for w in re.findall(r"[A-Za-z]{3,}", lit)}


SOURCE_LINE_CHARS = 200
"""Longest line of an earlier output the value hint quotes for a text value."""


def value_binding(name: str, sources: Sequence[str], code: str = "") -> tuple[str, str] | None:
    """The value an earlier output gives a name the code used but never set, as Python source,
    and the words that showed it; None when no output shows one. A number right after the
    name's words (any case: "Rent: 950 euros", "the rent is 950", a JSON field ``"rent": 950``);
    past the name's own colon and quotes there is no quote and no second colon: in ``"text":
    "Pancakes: 200"`` the 200 is the pancakes', not the text's. Otherwise, when the code searches
    the value for words (its string literals) that one line of an earlier output holds, that
    line (``text = 'Rent: 950 a month.'`` for ``re.search(r'Rent: (\\d+)', text)``)."""
    words = r"[\W_]+".join(re.escape(w) for w in name.split("_") if w)
    pattern = re.compile(rf"\b{words}\b\"?\s*:?\s*\"?[^\d\n\":]{{0,24}}?(-?\d[\d,]*(?:\.\d+)?)", re.I)
    for text in sources:
        m = pattern.search(text.replace("\\n", "\n"))
        if m:
            return m.group(1).replace(",", ""), m.group(0)[:60]
    wanted = _code_words(code)
    best, shared = "", 0
    for text in sources:
        for value in _strings(text):
            for line in value.splitlines():
                line = line.strip()
                n = len(wanted & {w.lower() for w in re.findall(r"[A-Za-z]{3,}", line)})
                if line and len(line) <= SOURCE_LINE_CHARS and n > shared:
                    best, shared = line, n
    return (repr(best), best[:60]) if best else None


FILE_LINES_CHARS = 400
"""Most characters of a user's file's lines the sandbox refusal quotes back."""


def _file_hits(name: str, sources: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The search hits among earlier outputs whose ``source`` is the file ``name`` and that
    carry its ``text``, in output order."""
    for text in sources:
        try:
            record = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            continue
        for item in _nodes(record):
            if (isinstance(item, dict) and str(item.get("source", "")).rsplit("/", 1)[-1] == name
                    and isinstance(item.get("text"), str)):
                yield item


def _file_lines(name: str, sources: Sequence[str]) -> str:
    """The lines holding a number of what an earlier output returned of the file ``name``,
    joined for a hint; "" when no output returned any of it."""
    hits = [x.strip() for item in _file_hits(name, sources) for x in item["text"].splitlines() if re.search(r"\d", x)]
    return " | ".join(dict.fromkeys(hits))[:FILE_LINES_CHARS]


def _lines_about(words: set[str], sources: Sequence[str]) -> str:
    """The lines of earlier outputs that hold a number and share a word with ``words`` (what a
    tool call inside the code asked for), joined for a hint; "" when none does."""
    lines = [x.strip() for text in sources for value in _strings(text) for x in value.splitlines()
             if re.search(r"\d", x) and not _PATH.fullmatch(x.strip())  # a hit's file name is no value
             and words & {w.lower() for w in re.findall(r"[A-Za-z]{3,}", x)}]
    return " | ".join(dict.fromkeys(lines))[:FILE_LINES_CHARS]


def _file_text(name: str, sources: Sequence[str]) -> str:
    """What earlier outputs returned of the file ``name``, in file order, each chunk once; ""
    when none did."""
    chunks: dict[str, int] = {}
    for item in _file_hits(name, sources):
        start = item.get("start")
        chunks.setdefault(item["text"], start if isinstance(start, int) else len(chunks))
    return "\n".join(t for t, _ in sorted(chunks.items(), key=lambda c: c[1]))


_READERS = frozenset({"open", "read_csv", "read_table", "read_json", "loadtxt", "genfromtxt"})
"""Calls whose first argument is a file to read; each also reads a text buffer."""


class _FileAsText(ast.NodeTransformer):
    """``open('/docs/log.txt')`` (or ``pd.read_csv(...)``) of a file an earlier output returned
    becomes a read of that text from an ``io.StringIO`` buffer, which reads as the open file would."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts, self.changed = texts, False

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else (
            node.func.attr if isinstance(node.func, ast.Attribute) else "")
        path = node.args[0] if node.args else None
        if name not in _READERS or not isinstance(path, ast.Constant) or not isinstance(path.value, str):
            return node
        text = self.texts.get(path.value.rsplit("/", 1)[-1])
        modes = [*node.args[1:2], *(k.value for k in node.keywords if k.arg == "mode")]
        if text is None or any(not isinstance(m, ast.Constant) or set(str(m.value)) & set("wax+b") for m in modes):
            return node
        buffer = ast.Call(ast.Attribute(ast.Call(ast.Name("__import__", ast.Load()), [ast.Constant("io")], []),
                                        "StringIO", ast.Load()), [ast.Constant(text)], [])
        self.changed = True
        if name == "open":
            return buffer
        node.args[0] = buffer
        return node


def _with_file_text(code: str, names: Sequence[str], sources: Sequence[str]) -> dict[str, Any] | None:
    """The code with each read of a user's file that an earlier output returned (a search hit)
    reading that returned text instead: the sandbox sees no user files, but the code's own way
    of parsing the text can run on what the tool returned. None when nothing was returned of
    the files or the code reads them in another way."""
    texts = {n: t for n in dict.fromkeys(names) if (t := _file_text(n, sources))}
    if not texts:
        return None
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    fixer = _FileAsText(texts)
    tree = ast.fix_missing_locations(fixer.visit(tree))
    return {"code": ast.unparse(tree)} if fixer.changed else None


def value_hint(name: str, sources: Sequence[str], code: str = "") -> str:
    """What to do about a name the code used but never set ("rent * 12"): nothing carries
    over from other tools into the sandbox; the value an earlier output gives it
    (:func:`value_binding`), when one does."""
    found = value_binding(name, sources, code)
    if found:
        return (f"{name} is not defined in the sandbox: nothing carries over from other tools. Write the value "
                f"into the code: {name} = {found[0]} (an earlier output shows {found[1]!r})")
    return (f"{name} is not defined in the sandbox: nothing carries over from other tools. Write the value the "
            f"tools returned into the code ({name} = ...)")


def _partial_days(code: str) -> bool:
    """The code reads ``.days`` of a dateutil ``relativedelta`` (directly, or of a name bound to
    one): that field is the remainder after whole months, not the span in days, a common slip
    when counting days between dates. ``.years`` of one (an age) is right, and so is ``.days``
    read beside ``.months`` or ``.years`` ("2 months and 9 days")."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False

    if any(isinstance(n, ast.Attribute) and n.attr in ("months", "years") for n in ast.walk(tree)):
        return False  # "2 months and 9 days": the fields read together, as meant
    bound = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and _is_delta(n.value)
             for t in n.targets if isinstance(t, ast.Name)}
    return any(isinstance(n, ast.Attribute) and n.attr == "days" and (
        _is_delta(n.value) or (isinstance(n.value, ast.Name) and n.value.id in bound)) for n in ast.walk(tree))


def _is_delta(node: ast.AST) -> bool:
    f = node.func if isinstance(node, ast.Call) else None
    return (isinstance(f, ast.Name) and f.id == "relativedelta") or (
        isinstance(f, ast.Attribute) and f.attr == "relativedelta")


class _Span(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _is_delta(node) and len(node.args) == 2 and not node.keywords:
            return ast.BinOp(left=node.args[0], op=ast.Sub(), right=node.args[1])
        return node


def _span_program(code: str) -> str:
    """The code with each ``relativedelta(later, earlier)`` as ``(later - earlier)``, whose
    ``.days`` is the span; "" when no delta is built from two dates (``relativedelta(months=1)``)."""
    before = ast.unparse(ast.parse(code))
    after = ast.unparse(ast.fix_missing_locations(_Span().visit(ast.parse(code))))
    return after if after != before else ""


_TEXT_ARITHMETIC = re.compile(r"TypeError: (?:can't multiply sequence by non-int of type 'float'|unsupported operand "
                              r"type\(s\) for [^:]+: (?:'str' and '(?:int|float)'|'(?:int|float)' and 'str')|can only concatenate str "
                              r"\(not \"(?:int|float)\"\) to str)")
"""Arithmetic on a number that is still text ("320" * 1.5)."""


_TEXT_SUBTRACTED = re.compile(r"TypeError: unsupported operand type\(s\) for -: 'str' and 'str'")
_TIME_TEXT = {  # a date or time of day as text, and how strptime reads it
    re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}"): "%Y-%m-%d %H:%M",
    re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}"): "%Y-%m-%d %H:%M:%S",
    re.compile(r"\d{4}-\d{2}-\d{2}"): "%Y-%m-%d",
    re.compile(r"\d{1,2}:\d{2}"): "%H:%M",
}


class _ParsedTimes(ast.NodeTransformer):
    """Each string constant that is a date or a time of day becomes ``datetime.strptime(...)``."""

    def __init__(self) -> None:
        self.changed = False

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if not isinstance(node.value, str):
            return node
        text = node.value.replace("T", " ")
        fmt = next((f for pattern, f in _TIME_TEXT.items() if pattern.fullmatch(text)), None)
        if fmt is None:
            return node
        self.changed = True
        call = ast.parse(f"__import__('datetime').datetime.strptime({text!r}, {fmt!r})", mode="eval").body
        return ast.copy_location(call, node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return node  # an f-string's literal parts are text to print, not values


def _with_parsed_times(code: str) -> str:
    """The code with its dates and times of day written as text parsed into datetimes (so
    ``'2027-06-05 07:30' - '2027-06-04 21:00'`` is a span); "" when it holds none."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    parser = _ParsedTimes()
    tree = ast.fix_missing_locations(parser.visit(tree))
    return ast.unparse(tree) if parser.changed else ""


class _FloatGroups(ast.NodeTransformer):
    """Wraps each regex match's ``.group(...)`` in ``float(...)`` (unless already converted)."""

    def __init__(self) -> None:
        self.changed = False

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in ("float", "int", "str", "len"):
            return node
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "group":
            self.changed = True
            return ast.Call(func=ast.Name(id="float", ctx=ast.Load()), args=[node], keywords=[])
        return node


def _numbers_from_groups(code: str) -> dict[str, Any] | None:
    """The code with every ``.group(...)`` of a regex match read as a number: the slip behind
    most "can't multiply sequence by non-int" errors (a search, then arithmetic on what it
    found); None when the code takes no groups."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    fixer = _FloatGroups()
    tree = ast.fix_missing_locations(fixer.visit(tree))
    return {"code": ast.unparse(tree)} if fixer.changed else None


def _with_tool_values(code: str, view: OutputView) -> dict[str, Any] | None:
    """The code with each call of a planner tool inside it (``recall('locker code')``) replaced
    by the value an earlier output gives the call's words (:func:`value_binding`: "My locker
    code is 4411" gives 4411): the value the model meant to pass from that step; None when a
    call has no such value."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id in view.tools]
    edits: list[tuple[ast.Call, str]] = []
    for call in calls:
        words = [a.value for a in [*call.args, *(k.value for k in call.keywords)]
                 if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        # the words without their numbers: a query that already holds the value ("my code is
        # 4471") is looked up by the words before it
        name = "_".join(re.findall(r"[A-Za-z]+", words[0])) if words else ""
        found = value_binding(name, view.sources) if name else None
        if found is None:
            return None
        edits.append((call, found[0]))
    lines = code.splitlines(keepends=True)
    for call, value in sorted(edits, key=lambda e: (e[0].lineno, e[0].col_offset), reverse=True):
        if call.end_lineno != call.lineno or call.end_col_offset is None:
            return None  # a call over several lines: left to the model
        line = lines[call.lineno - 1].encode()  # AST offsets count UTF-8 bytes
        lines[call.lineno - 1] = (line[:call.col_offset] + value.encode() + line[call.end_col_offset:]).decode()
    return {"code": "".join(lines)} if edits else None


_SHOWN = """def _shown(value):  # an iterator printed: its items (text joined), as the code meant
    if isinstance(value, (str, bytes, int, float, complex, list, tuple, dict, set)) or not hasattr(value, "__next__"):
        return value
    items = list(value)
    return "".join(items) if items and all(isinstance(i, str) for i in items) else items
"""


class _ShowPrinted(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "print":
            node.args = [ast.Call(ast.Name("_shown", ast.Load()), [a], []) for a in node.args]
        return node


def _printing_values(code: str) -> str:
    """The code with each printed iterator shown as its items (``reversed('abc')`` as ``cba``):
    what a model printing ``reversed(...)`` or ``map(...)`` meant; "" when it prints nothing."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return ""
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print" for n in ast.walk(tree)):
        return ""
    return _SHOWN + ast.unparse(ast.fix_missing_locations(_ShowPrinted().visit(tree)))


_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_OWN_THINGS = re.compile(r"\b(?:i|me|my|mine|we|us|our|ours|i'm|i've|i'd|documents?|files?|notes?|videos?|clips?|"
                         r"recordings?|memory|stored|saved)\b", re.I)
"""A goal about the user's own things (their records, files, memories or media), whose values
only the tools can show."""
_CALENDAR = frozenset({24.0, 28.0, 29.0, 30.0, 31.0, 52.0, 60.0, 365.0, 366.0, 1440.0, 3600.0, 86400.0})
"""Clock and calendar constants (hours a day, days a month or year, minutes, seconds): code
knows these without being told."""


def _given(value: float) -> bool:
    """A number code may write without anyone having given it: a small count (0-12, which
    also covers months and "twice"), a power of ten, or a clock or calendar constant."""
    value = abs(value)
    return (value <= 12 and value == int(value)) or value in _CALENDAR or (
        value >= 10 and value == int(value) and str(int(value)).rstrip("0") == "1")


def untraced_values(code: str, texts: Sequence[str]) -> list[str]:
    """The numbers the code computes with that none of ``texts`` (the goal, the tools' outputs,
    the facts recalled) shows, also not as a percentage (0.02 for "2%") or written with thousands
    separators; small counts and clock constants (:func:`_given`) aside. [] when the code does
    not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    shown = {float(n) for text in texts for n in _DIGITS.findall(_THOUSANDS.sub("", text))}
    shown |= {round(n / 100, 10) for n in shown} | {round(n * 100, 10) for n in shown}
    found = [float(n.value) for n in ast.walk(tree)  # an int past a float's range is no value anyone gave
             if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool)
             and abs(n.value) < 1e300]
    return list(dict.fromkeys(f"{v:g}" for v in found if not _given(v) and round(abs(v), 10) not in shown))


def goal_values(goal: str) -> list[str]:
    """The values a goal gives, in order, as a person would type them at ``input()``: the text it
    quotes, or else its numbers."""
    quoted = [next(g for g in m.groups() if g is not None) for m in _QUOTED.finditer(goal)]
    return quoted or _GOAL_NUMBER.findall(goal)


def check_output(arguments: dict[str, Any], ok: bool, output: str, view: OutputView) -> OutputVerdict | None:
    """python_exec's checks: code that showed nothing (deterministic: the same code shows
    nothing again), code that draws random values or reads the clock for a goal that names no
    day (its output is no fact), and failures a
    generic "change the arguments" does not fix: a planner tool called as a Python function, a
    value used but never set (as if another tool's output were a variable), shell commands, and
    a user's file opened inside the sandbox, which sees none of them."""
    code = arguments.get("code")
    code = code if isinstance(code, str) else ""
    if "\b" in code or "\f" in code:
        # JSON reads "\b" as a backspace: the model wrote a regex's \b with one backslash (and a
        # grammar-constrained decoder drops what JSON cannot escape, such as \w)
        fixed = code.replace("\b", "\\b").replace("\f", "\\f")
        return OutputVerdict("control_characters", "failed", "the code holds a backspace character where a regex's "
                             "\\b was meant (one backslash in the JSON string)",
                             "in the JSON string write each backslash twice (\"\\\\b\\\\w+\\\\b\"), or do without a regex "
                             "(text.split())", permanent=True, retry_arguments={**arguments, "code": fixed})
    if not ok:
        # a NameError names it; a call copied from the tool's description ("search('q', text,
        # Markdown and PDF files)") fails to parse before any name is looked up
        called = ([name for name in _NAME_ERROR.findall(output) if name in view.tools]
                  or [name for name in _CALLED.findall(code) if name in view.tools and f"def {name}" not in code])
        if called:
            shown = _lines_about(_code_words(code), view.sources)
            then = (f"the steps above already returned these values: {shown}; write the numbers the goal needs into "
                    "the code as literals" if shown else f"call {called[0]} as its own step, then write code with the "
                    "values it returned")
            return OutputVerdict("tool_as_function", "failed", "the code called a tool as a Python function",
                                 f"{called[0]} is a tool, not a Python function inside the code: {then}", permanent=True,
                                 retry_arguments=_with_tool_values(code, view))
        undefined = [name for name in _NAME_ERROR.findall(output) if name not in view.tools]
        if undefined:
            found = value_binding(undefined[0], view.sources, code)
            retry = {**arguments, "code": f"{undefined[0]} = {found[0]}  # from an earlier output\n{code}"} if found else None
            return OutputVerdict("undefined_value", "failed", f"the code used {undefined[0]!r}, which it never set",
                                 value_hint(undefined[0], view.sources, code), permanent=True, retry_arguments=retry)
        if _NO_INPUT.search(output) and "input(" in code:
            typed = goal_values(view.goal)
            retry = ({**arguments, "code": f"import io, sys\nsys.stdin = io.StringIO({chr(10).join(typed) + chr(10)!r})"
                      f"  # the goal's values, as typed\n{code}"} if typed else None)
            return OutputVerdict("reads_input", "failed", "the code called input(), and no one types in the sandbox",
                                 "write the goal's values into the code instead of reading them with input()",
                                 permanent=True, retry_arguments=retry)
        if _TEXT_SUBTRACTED.search(output) and (parsed := _with_parsed_times(code)):
            return OutputVerdict("times_as_text", "failed", "the code subtracted times or dates written as text",
                                 "parse each with datetime.strptime(text, '%Y-%m-%d %H:%M') (or '%H:%M' for a time of "
                                 "day) before subtracting, then print the difference", permanent=True,
                                 retry_arguments={**arguments, "code": parsed})
        if _TEXT_ARITHMETIC.search(output):
            return OutputVerdict("text_arithmetic", "failed", "the code did arithmetic on text",
                                 "a value is text (str), as what .group() or split() returns: convert it with "
                                 "float(...) before arithmetic", permanent=True, retry_arguments=_numbers_from_groups(code))
        if _SHELL.search(code):
            return OutputVerdict("shell_in_sandbox", "failed", "the code ran shell commands",
                                 "the sandbox runs Python alone and sees none of the user's files: write the values "
                                 "the steps above show into the code as numbers and text", permanent=True)
        if "SyntaxError" in output and _ONE_LINE_BLOCK.match(code.strip()):
            return OutputVerdict("one_line_block", "failed", "the code put a block (for/if/while/def) and the "
                                 "statements after it on one line, which Python cannot parse",
                                 "write the code on lines of its own: \\n between statements in the JSON string, "
                                 "and four spaces before each statement inside a block", permanent=True)
        files = [*view.media, *(p for text in view.sources for p in _PATH.findall(text))]
        opened = [f for f in files if f in code or f.rsplit("/", 1)[-1] in code]
        if opened:
            name = opened[0].rsplit("/", 1)[-1]
            shown = _file_lines(name, view.sources)
            values = (f"write these values the tools returned into the code: {shown}" if shown else
                      "write the values the tools returned into the code, or ask about the file with a tool made for it")
            return OutputVerdict("user_file_in_sandbox", "failed", "the code opened a user's file",
                                 f"the code cannot read {name}: the sandbox sees none of the user's files; {values}",
                                 permanent=True, retry_arguments=_with_file_text(
                                     code, [f.rsplit("/", 1)[-1] for f in opened], view.sources))
        return None
    try:
        record = json.loads(output)
    except json.JSONDecodeError:
        return None
    if isinstance(record, dict) and "stdout" in record and _shows_nothing(record):
        return OutputVerdict("printed_nothing", "failed", "the code printed nothing", print_hint(code),
                             permanent=True)
    if isinstance(record, dict) and _OBJECT_REPR.search(str(record.get("stdout", ""))):
        shown = _printing_values(code)
        return OutputVerdict("printed_object", "failed", "the code printed a Python object, not its value",
                             "convert it before printing: ''.join(...) for text, list(...) for items", permanent=True,
                             retry_arguments={**arguments, "code": shown} if shown else None)
    if _partial_days(code):
        span = _span_program(code)
        return OutputVerdict("partial_days", "failed", "the code printed relativedelta(...).days",
                             "relativedelta(...).days is only the days left over after whole months and years "
                             "(relativedelta(date(2025, 3, 10), date(2025, 1, 1)).days is 9, not 68); for the number of "
                             "days between two dates print (later - earlier).days with date objects"
                             + (f"; run this instead: {span}" if span else ""), permanent=True)
    if view.goal and _CLOCK.search(code):
        if given := _GIVEN_NOW.search(view.goal):
            return OutputVerdict("clock_given", "failed", f"the code read the sandbox's clock, but the goal says what "
                                 f"time or day it is ({given.group(0).strip().rstrip('.')!r})",
                                 "write the goal's time or day into the code as a value (datetime(...), or hours and "
                                 "minutes) instead of reading the clock", permanent=True)
        if not _ABOUT_NOW.search(view.goal.replace("'", "")):
            return OutputVerdict("clock_values", "suspect", "the code read today's date or the time, which the goal "
                                 "does not ask about: its output changes with the day it runs",
                                 "compute from the values the goal and the stored facts give, without the clock",
                                 permanent=True)
    if _RANDOM.search(code):
        return OutputVerdict("random_values", "suspect", "the code draws random values: its output is not a fact",
                             "compute the value deterministically, or look it up with another tool")
    # A goal about the user's own things that gives no numbers ("how much is the deposit on my
    # flat?") computes on values some tool shows; a number in the code that nothing shows was made
    # up (the 1.5B writes code before looking anything up), and its output would pass as computed
    # fact. Goals with numbers of their own, and questions about the world ("how many feet are in
    # a mile?"), are left alone: there code may bring constants.
    about_own = bool(view.media) or bool(_OWN_THINGS.search(view.goal))
    untraced = (untraced_values(code, [view.goal, *view.sources]) if view.lookups and about_own
                and not _GOAL_NUMBER.search(view.goal) and not _QUOTED.search(view.goal) else [])
    if untraced:
        return OutputVerdict("untraced_values", "suspect", f"the code computes with {', '.join(untraced[:3])}, which "
                             "neither the goal nor any tool output shows",
                             f"look the values up first ({', '.join(view.lookups)}), then write the values they show "
                             "into the code", permanent=True)
    return None


@tool(output_check=check_output, computes=True, planner_omits=("timeout_s",))
async def python_exec(
    ctx: ToolContext,
    code: str,
    timeout_s: Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S)] = 10.0,
) -> dict[str, Any]:
    """Run Python code in a fresh sandbox that cannot open the user's files or videos, and return what it printed.

    Use it for arithmetic, data wrangling or checking a computation. As in the Python REPL,
    the value of a final expression is shown (``12 * 12`` gives 144). Nothing persists
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
        lines = stderr.strip().splitlines()
        # the exception's own line first: the planner reads a failed step's output clipped to a
        # few hundred characters, which the traceback's header would otherwise fill
        where = " | ".join(lines[-6:-1])[-1500:]
        shown = f"; stdout: {stdout[-500:]!r}" if stdout.strip() else ""
        raise ToolError(f"python_exec failed ({reason}): {lines[-1] if lines else ''}"
                        f"{f' (traceback: {where})' if where else ''}{shown}")
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
