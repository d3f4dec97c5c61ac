"""Checks against error accumulation: small errors must not compound into a garbage plan.

Each check is a plain function of data (no LangGraph, no model), so each is unit-tested alone:

- :func:`validate_call`: arguments against the tool's schema, before anything runs;
- :func:`verify`: labels a step ``ok`` / ``suspect`` / ``failed`` with cheap rules (error text,
  empty or garbage output, schema-shaped junk, the tool's own output check, contradiction with
  an earlier identical call, a record that does not mention what was asked, through the
  lexicon's synonyms and hypernyms); returns ``None`` only where rules cannot tell, and the
  graph then asks the model for a judgement. Every verdict carries a code
  (:data:`~sokrat.agents.state.StepCheckCode`) that later control flow reads;
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

from sokrat import text as en
from sokrat.agents.state import (
    BLOCKED_CODES,
    CheckLabel,
    FailureKind,
    MemoryNote,
    StepCheckCode,
    StepState,
)
from sokrat.errors import SokratError
from sokrat.tools.registry import OutputVerdict, ToolRegistry
from sokrat.types import Evidence


@dataclass(frozen=True)
class Verdict:
    label: CheckLabel
    reason: str
    hint: str = ""
    """What the planner should do about it (shown with the observation)."""
    code: str = ""
    """The reason as a code (:data:`StepCheckCode`, or a tool's own output-check code)."""
    permanent: bool = False
    """The same call would give the same result: it is never repeated."""


@dataclass(frozen=True)
class Refusal:
    """Why a call is refused before it runs."""

    code: StepCheckCode
    reason: str
    instead: dict[str, Any] | None = None
    """Arguments the check knows are right (the goal's own question to the video): the call
    runs with them in its place, as :attr:`OutputVerdict.retry_arguments` re-runs a failed one.
    A small planner told what to ask often asks the same wrong thing again."""


# --- before a call -------------------------------------------------------------------------
def validate_call(registry: ToolRegistry, tool: str, arguments: dict[str, Any]) -> Refusal | None:
    """Why the call cannot run (unknown tool, bad arguments), or None if it can."""
    try:
        registry.get(tool).validate(arguments)
    except SokratError as e:
        return Refusal("bad_arguments", str(e))
    return None


def _same_call(step: StepState, tool: str, arguments: dict[str, Any]) -> bool:
    return step["tool"] == tool and step["arguments"] == arguments


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
) -> Refusal | None:
    """Refuse a call that already ran ``max_identical`` times, or twice with the same output,
    or that failed permanently, or (``block_repeat_of_ok``) that already has a trusted result."""
    previous = [s for s in steps if _same_call(s, tool, arguments) and s["check_code"] not in BLOCKED_CODES]
    broken = [s for s in previous if s.get("failure") == "permanent"]
    if broken:
        return Refusal("repeat_failed", f"this exact call already failed at step {broken[-1]['index']} and would fail "
                                        f"again: {broken[-1]['raw'][:200]}. Change the arguments or use another tool")
    done = [s for s in previous if s["label"] == "ok"]
    if block_repeat_of_ok and done:
        return Refusal("repeat_ok", f"this exact call already succeeded at step {done[-1]['index']} with: "
                                    f"{done[-1]['raw'][:200]}. Use that result: make the next call, or reply with final_answer")
    if len(previous) >= max_identical:
        return Refusal("repeat_many",
                       f"this exact call already ran {len(previous)} times; use its result or change approach")
    # Identical outputs of calls that ran to the end (an empty search result too) mean no new
    # information; errors of the call itself may be transient and are not counted.
    outputs = [s["raw"] for s in previous if s["label"] != "failed" or not s.get("failure")]
    if len(outputs) >= 2 and len(set(outputs)) < len(outputs):
        return Refusal("repeat_same_output", "this exact call already returned the same output twice: it will not "
                                             "change; use it or change approach")
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


def _lexicon_mentions(text: str, term: str) -> bool:
    """A word of ``text`` that is ``term``, a synonym of it or a kind of it, through the lexicon
    (WordNet): a record of "bike" mentions a "bicycle", one of "moped" mentions a "vehicle"."""
    from sokrat.perception.words import lexicon

    lex = lexicon()
    asked = lex.synsets(term)
    if not asked:
        return False
    return any(lex.is_a(c.word, asked) for c in lex.concepts_in(text))


def mentions(text: str, term: str) -> bool:
    """``text`` (lower case) mentions ``term``: the whole term; for several words any word of
    4+ letters (search results rephrase); the same stem; or a synonym or kind of it. A name
    written as an identifier (``gate_code``) is its words."""
    term = term.replace("_", " ").strip() or term
    words = term.split()
    if term in text or (len(words) > 1 and any(len(w) >= 4 and w in text for w in words)):
        return True
    stems = en.content_stems(text)
    if any(en.stem(w) in stems for w in words if len(w) >= 4):
        return True
    return any(_lexicon_mentions(text, w) for w in [term, *words] if len(w) >= 3)


def verify(
    tool: str,
    arguments: dict[str, Any],
    ok: bool,
    output: str,
    earlier: Sequence[StepState],
    *,
    own: OutputVerdict | None = None,
) -> Verdict | None:
    """Label one step by rules; None where the rules cannot tell (free text of unclear relevance).
    ``own`` is the tool's own output check's objection, if any (:attr:`Tool.output_check`)."""
    if not ok:
        if own is not None:
            return Verdict("failed", own.reason, own.hint, own.code, own.permanent)
        return Verdict("failed", "the tool reported an error", "fix the arguments, retry once, or use another tool",
                       "tool_error")
    text = output.strip()
    if text.lower() in _EMPTY:
        return Verdict("failed", "empty output", "retry once or use another tool", "empty_output")
    if _ERROR_TEXT.search(text[:400]):
        return Verdict("failed", "the output reports an error", "retry once or use another tool", "error_text")
    if _looks_garbage(text):
        return Verdict("failed", "the output looks like garbage (control or non-text characters)", "retry the call",
                       "garbage")
    parsed: Any = None
    if text[:1] in "{[":
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return Verdict("failed", "malformed (truncated?) JSON output", "retry the call", "malformed_json")
        if not _has_content(parsed):
            return Verdict("failed", "structured output with no content", "retry once or use another tool",
                           "no_content")
    if own is not None:
        return Verdict(own.label, own.reason, own.hint, own.code, own.permanent)
    same = [s for s in earlier if _same_call(s, tool, arguments) and s["label"] != "failed"]
    if any(s["raw"] == output for s in same):
        return Verdict("ok", "confirmed by an identical earlier call", code="confirmed")
    trusted = [s for s in same if s["label"] == "ok"]
    if trusted:
        return Verdict(
            "suspect",
            f"differs from step {trusted[-1]['index']}'s output for the same call",
            "call once more to see which output is right",
            "differs_from_earlier",
        )
    echoed = _echo_mismatch(arguments, parsed)
    if echoed:
        return Verdict("suspect", f"the record answers a different request ({echoed})", "call again to confirm",
                       "echo_mismatch")
    terms = _key_terms(arguments)
    mentioned = [t for t in terms if mentions(text.lower(), t.lower())]
    if terms and not mentioned:
        if parsed is not None:
            return Verdict(
                "suspect",
                f"the record does not mention {', '.join(repr(t) for t in terms)}",
                "it may be about something else: call again to confirm",
                "not_mentioned",
            )
        return None  # free text that does not echo the key: rules cannot tell
    return Verdict("ok", "no rule objected", code="no_objection")


OBSERVATION_ON_FAILURE_CHARS = 300
"""Output shown with a failed or suspect step's verdict."""


def observation_text(verdict: Verdict, output: str, *, error: str = "") -> str:
    """What the planner reads for this step: the output, marked when a check objected."""
    if verdict.label == "ok":
        return output
    if error:  # refused before running: the reason is the whole story
        return f"CHECK {verdict.label.upper()}: {verdict.reason}; {verdict.hint}."
    return f"CHECK {verdict.label.upper()}: {verdict.reason}; {verdict.hint}. Output was: {output[:OBSERVATION_ON_FAILURE_CHARS]}"


# --- the final answer -------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?![A-Za-z0-9_])")
"""A number standing on its own: not the digits inside an id (``mem:ab8965``), a word (``Q7``)
or a longer number (``1795328965.1``), which would otherwise "support" a made-up value."""
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_ID = re.compile(r"\b[a-z_]+:[A-Za-z0-9_-]{3,}\b")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s*|[\"'(\n]\s*)$")
_QUOTE = re.compile(r"[\"“‘]([^\"”’\n]{1,80})[\"”’]|(?<![\w])'([^'\n]{1,80})'(?![\w])")


def names(answer: str) -> list[str]:
    """Capitalised words that name something: not a sentence's first word (capitalised there
    whatever it is) and not a function word."""
    stop = en.stop_words()
    return [m.group(0) for m in _NAME.finditer(answer)
            if not _SENTENCE_START.search(answer[: m.start()]) and m.group(0).lower() not in stop]


def quoted(text: str) -> list[str]:
    """Text in quotes ("'dlrow'", "“blue-7”"): a value stated verbatim."""
    return [a or b for a, b in _QUOTE.findall(text) if (a or b).strip()]


@dataclass(frozen=True)
class Grounding:
    supported: bool
    unsupported: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    """Claims of a general-knowledge answer that no tool could check (the model's own knowledge):
    the run ends ``unverified`` with them."""


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def _plain_numbers(text: str) -> str:
    """``2,500,000`` -> ``2500000`` (so a formatted answer matches a printed value)."""
    return _THOUSANDS.sub("", text)


def _numbers(text: str) -> set[float]:
    return {float(n) for n in _NUMBER.findall(_plain_numbers(text))}


def claims(answer: str, *, names_too: bool = True) -> list[str]:
    """The checkable parts of an answer: ids, clock times, numbers, quoted text and
    (``names_too``) capitalised names."""
    answer = _plain_numbers(answer)
    found: list[str] = []
    found += _ID.findall(answer)
    found += _CLOCK.findall(answer)
    rest = _CLOCK.sub(" ", _ID.sub(" ", answer))
    found += _NUMBER.findall(rest)
    found += [q for q in quoted(answer) if not _NUMBER.fullmatch(q)]
    if names_too:
        found += names(answer)
    return list(dict.fromkeys(found))


def supported(claim: str, text: str) -> bool:
    """``claim`` (one of :func:`claims`) occurs in ``text``: a number as a number ("2" is not in
    "2027"), a word or name as written or inflected."""
    plain = _plain_numbers(text).lower()
    return _supported(claim, plain, _numbers(plain))


def _supported(claim: str, corpus: str, corpus_numbers: set[float]) -> bool:
    if _NUMBER.fullmatch(claim):  # a number must occur as a number, not as digits inside something else
        value = float(claim)
        if value in corpus_numbers:
            return True
        # "5729.58" rounds a printed 5729.5779513 (to as many decimals as the claim shows)
        decimals = len(claim.partition(".")[2])
        return decimals > 0 and any(round(n, decimals) == value for n in corpus_numbers)
    word = claim.lower()
    if word in corpus:
        return True
    # An inflected form of a word the corpus has ("Stored" for "store") is not a new claim.
    return " " not in word and len(word) >= 4 and en.stem(word) in en.content_stems(corpus)


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
    return text if claims(text) or en.content_words(text) else ""


_MONTH = {m: i for i, names in enumerate((("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
                                           ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
                                           ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
                                           ("december", "dec")), start=1) for m in names}
_M = "(" + "|".join(sorted(_MONTH, key=len, reverse=True)) + r")\.?"
_DATES = (  # (pattern, the groups' order: y=year, m=month, d=day; also read with day and month swapped)
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd", False),
    (re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?: of)? " + _M + r"(?:,? (\d{4}))?(?!\d)", re.I), "dmy", False),
    (re.compile(r"\b" + _M + r" (\d{1,2})(?:st|nd|rd|th)?(?:,? (\d{4}))?(?!\d)", re.I), "mdy", False),
    (re.compile(r"(?<![\d.])(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)"), "dmy", True),
)
"""Dates as written in answers and documents: ISO, "1 March 2027", "March 1, 2027", "01.03.2027"."""


def dates(text: str) -> list[tuple[str, tuple[int | None, int, int]]]:
    """The dates ``text`` states, as (the words, (year or None, month, day)); a numeric date
    with a slash or dot is read both ways (day first and month first) when both are dates."""
    found: list[tuple[str, tuple[int | None, int, int]]] = []
    for pattern, order, swapped in _DATES:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            month = _MONTH.get(parts["m"].lower()) if not parts["m"].isdigit() else int(parts["m"])
            year = int(parts["y"]) if parts["y"] else None
            readings = [(month, int(parts["d"]))]
            if swapped:
                readings.append((int(parts["d"]), month or 0))
            for mo, day in readings:
                if mo and 1 <= mo <= 12 and 1 <= day <= 31:
                    found.append((m.group(), (year, mo, day)))
    return found


_DURATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)
"""A number the answer gives as a span of time ("1 month", "3.5 hours")."""


def _without_dates(text: str) -> str:
    """``text`` with the dates it states blanked out: their days and years are no quantities."""
    for pattern, _, _ in _DATES:
        text = pattern.sub(" ", text)
    return text


_SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+[.!?]*")
EPISODE = re.compile(r"^Goal: (?P<goal>.*)\nAnswer: (?P<answer>.*)$", re.S)
"""An episode's text, as the planner stores it after a run."""


def told(episode: str) -> str:
    """What the user told in an earlier run (an episode, "Goal: ...\nAnswer: ..."): the goal's
    statements ("I lent my drill to Ana."), not its questions nor the answer the model gave,
    which may have been wrong."""
    m = EPISODE.match(episode)
    goal = m["goal"] if m else episode.removeprefix("Goal:")  # an episode clipped before its answer
    return " ".join(s.strip() for s in _SENTENCE.findall(goal) if s.strip() and not s.rstrip().endswith("?"))


def _without_episodes(raw: str) -> str:
    """A memory lookup's output with each episode it returned cut to what the user told in it
    (:func:`told`): earlier runs' answers are no evidence."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return raw
    if not isinstance(data, list) or not any(isinstance(d, dict) and d.get("kind") == "episode" for d in data):
        return raw
    return json.dumps([{**d, "text": told(str(d.get("text", "")))} if isinstance(d, dict) and d.get("kind") == "episode"
                       else d for d in data])


def _date_supported(date: tuple[int | None, int, int], corpus_dates: set[tuple[int | None, int, int]]) -> bool:
    year, month, day = date
    return any(m == month and d == day and (year is None or y is None or y == year) for y, m, d in corpus_dates)


def _computed(raw: str, arguments: dict[str, Any]) -> str:
    """A program's output without what the program only printed as written, the string and
    number literals of its code: ``print('The code is 7261.')`` computes nothing, and would
    otherwise ground any claim the model typed into it. What it computed stays (``print(7 * 38)``
    shows 266); values it copied from the goal or a lookup are supported there."""
    code = arguments.get("code")
    if not isinstance(code, str):
        return raw
    try:
        tree = ast.parse(code)
        record = json.loads(raw)
    except (SyntaxError, ValueError):
        return raw
    if not isinstance(record, dict) or not isinstance(record.get("stdout"), str):
        return raw
    out = record["stdout"]
    constants = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    for text in sorted((c for c in constants if isinstance(c, str) and len(c.strip()) >= 2), key=len, reverse=True):
        out = out.replace(text, " ")
    # a number printed as it stands (print(7261)); one the code computes with (10 ** 9) is no copy
    shown = [a for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "print" for a in n.args]
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        shown.append(tree.body[-1].value)
    for number in {a.value for a in shown if isinstance(a, ast.Constant) and isinstance(a.value, int | float)
                   and not isinstance(a.value, bool)}:
        out = re.sub(rf"(?<![\w.]){re.escape(str(number))}(?![\w]|\.\d)", " ", out)
    return json.dumps({**record, "stdout": out})


def ground(answer: str, steps: Sequence[StepState], *, context: str = "",
           memories: Sequence[MemoryNote] = (), knowledge: bool = False) -> Grounding:
    """Check that every claim in ``answer`` occurs in a trusted observation, the ``context``
    (goal, assumptions) or a recalled memory (cited as evidence).

    ``knowledge``: the goal is a general-knowledge question (:func:`~sokrat.agents.goals.general_knowledge`)
    that no tool here can check; its unsupported claims are reported as ``unverified``
    instead of failing the answer.
    """
    trusted = [s for s in steps if s["label"] == "ok"]
    # a JSON output's line breaks are the two characters "\n": read them as breaks, or the
    # number that starts a line ("\n3 November") is glued to the "n"
    outputs = [_computed(_without_episodes(s["raw"]), s["arguments"]).replace("\\n", "\n") for s in trusted]
    # an episode's answer is an earlier run's, not evidence: a wrong one would ground itself
    # again; what the user told in its goal is
    texts = [told(m["text"]) if m["kind"] == "episode" else m["text"] for m in memories]
    corpus = _plain_numbers(" ".join([context, *outputs, *texts]).lower())
    numbers = _numbers(corpus)
    found = claims(answer)
    unsupported = [c for c in found if not _supported(c, corpus, numbers)]
    # a date is one claim: its day, month and year each found somewhere is no support for it
    corpus_dates = {d for _, d in dates(corpus)}
    readings: dict[str, list[tuple[int | None, int, int]]] = {}
    for words, d in dates(_plain_numbers(answer)):
        readings.setdefault(words, []).append(d)
    dated = {words for words, ds in readings.items() if any(_date_supported(d, corpus_dates) for d in ds)}
    # the digits of a date the source states in another form ("2027-10-02" for "2 October 2027")
    unsupported = [c for c in unsupported if not (_NUMBER.fullmatch(c) and any(c in w for w in dated))]
    unsupported += [words for words in readings if words not in dated and words not in unsupported]
    # a duration ("runs for 1 month") is not the day or year of a date ("starts 1 May 2027"): a
    # number the answer gives in time units needs a source that shows it outside a date
    durations = {float(n) for n in _DURATION.findall(_plain_numbers(answer))}
    if durations:
        undated = _numbers(_without_dates(corpus))
        unsupported += [c for c in found if _NUMBER.fullmatch(c) and float(c) in durations and float(c) not in undated
                        and c not in unsupported]

    def backs(text: str) -> bool:
        plain = _plain_numbers(text).lower()
        return any(_supported(c, plain, _numbers(plain)) for c in found)

    supporting = [s for s, text in zip(trusted, outputs, strict=True) if backs(text)]
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
    evidence += [Evidence(source="memory", memory_id=m["id"], text=text[:300])
                 for m, text in zip(memories, texts, strict=True) if found and text and backs(text)]
    if knowledge and unsupported:
        return Grounding(supported=True, evidence=evidence, unverified=unsupported)
    return Grounding(supported=not unsupported, unsupported=unsupported, evidence=evidence)
