"""The answer verifier: declared checks a proposed final answer must pass before the run succeeds.

Shaped after smolagents' ``final_answer_checks`` (a list of checks, each failure shown to the
model), pydantic-ai's output validators (each raises ``ModelRetry`` within its own ``retries``
budget) and LangChain's agent middleware (a composed list, each testable alone):

- each check is an :class:`AnswerCheck` with a code (:data:`AnswerCheckCode`), its own budget
  of send-backs (``retries``) and what happens when that budget is spent (``unverified``: the
  run ends ``unverified`` with the check's reason; otherwise the answer goes on);
- :data:`DEFAULT_ANSWER_CHECKS` is the order they run in, which is their precedence, and
  :attr:`AgentOptions.answer_checks <sokrat.agents.options.AgentOptions.answer_checks>` may
  replace it;
- a check reads only the :class:`RunView` (goal, steps, offered tools, plan, grounding) and
  the answer: no model, no LangGraph.

What each check guards:

==========================  ====================================================================
``gave_up``                 "cannot answer" right after the run's own code failed
``computed_without_code``   a result computed from the goal's numbers or quoted text with no
                            code run (string and arithmetic results from the model's head), or
                            a goal that orders a computation on looked-up values answered
                            with no code run
``store_first``             a goal that asks to store something (in the store tool's own verbs)
                            is answered before anything was stored
``answers_tool_first``      a question about the run's media is answered before the tool that
                            answers questions about it (``video_qa``) was asked
``plan_step_untried``       an open plan step names a tool not tried yet
``absent_untried``          "nothing is known" / "X is absent" while a lookup tool was not tried
``repeats_itself``          the answer is a decoding loop (one phrase over and over to the token
                            limit; whisper's compression-ratio test)
``echoes_instruction``      the "answer" only repeats the prompt's instruction ("The plan is done.")
``echoes_episode``          an answer stating no value that repeats an earlier run's answer to
                            another goal (recalled as an episode)
``contradicts_tool``        a yes/no answer that contradicts what the answering tool said
``absence_contradicted``    a "no" / "not found" answer about a thing a trusted record shows
                            (by name, synonym or kind, through the lexicon)
``wrong_type``              the answer is not of the type the question asks for (who -> a name,
                            when -> a date or time, how many/much -> a number, "A or B?" -> A
                            or B, "which animal" -> a kind of animal, through the lexicon)
``answers_other_part``      the answer's value comes from a part of the source about something
                            other than what the question asks (another field of a document)
``position_for_time``       a question about the time of something said in a video (the
                            piano tuner comes, the train leaves at) answered with the video
                            position where it was said, not the time said
``part_for_whole``          a looked-up amount (or a stored fact's) given, with no code run, for
                            a whole it is only part of: a rate ("2 mg per kg", "910 a month")
                            for a quantity on another basis ("per day", "in a year"), or one
                            amount for a total that includes another
``rate_over_period``        an amount per span of time ("17.99 euros a month") asked about another
                            span ("over 2 years") answered with no number that is the amount
                            times the spans in it (pint: 24 months in 2 years)
``conversion_mismatch``     a unit conversion's number is not what pint gives for the goal's
                            quantity and units under any reading of them (a wrong formula)
``sums_for_count``          a "how many" question answered by code that prints the sum of the
                            items it should count (``sum(i for i in ... if ...)``)
``ungrounded``              a claim (number, name, time, id, quoted text) no tool output,
                            recalled memory or the goal shows
==========================  ====================================================================

After them, an answer computed by code is cross-checked by programs written apart
(``code_disagrees``, :mod:`sokrat.agents.crosscheck`): that stage needs the model and the
sandbox, so it runs in the graph, not here.
"""

from __future__ import annotations

import ast
import calendar
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sokrat import text as en
from sokrat.agents import checks, goals
from sokrat.agents.state import BLOCKED_CODES, PlanStep, StepState
from sokrat.tools.registry import Tool

if TYPE_CHECKING:
    from sokrat.agents.units import Conversion

AnswerCheckCode = Literal[
    "store_first", "answers_tool_first", "plan_step_untried", "echoes_instruction", "echoes_episode", "absent_untried",
    "repeats_itself",
    "gave_up",
    "computed_without_code", "contradicts_tool", "tool_unverified", "absence_contradicted", "wrong_type", "answers_other_part",
    "position_for_time", "part_for_whole", "rate_over_period", "conversion_mismatch", "sums_for_count", "breaks_condition",
    "ungrounded",
]


@dataclass(frozen=True)
class RunView:
    """What an answer check may read: the run so far, read-only."""

    goal: str
    media: tuple[str, ...] = ()
    steps: tuple[StepState, ...] = ()
    offered: tuple[Tool, ...] = ()
    plan: tuple[PlanStep, ...] = ()
    grounding: checks.Grounding | None = None
    """The answer's claims against the trusted outputs (:func:`~sokrat.agents.checks.ground`)."""
    instruction: str = ""
    """The tail of the prompt the answer was given to (what to do now)."""
    memories: tuple[str, ...] = ()
    """Texts of the memories recalled for the run (facts, and episodes "Goal: ...\nAnswer: ...")."""

    @property
    def trusted(self) -> list[StepState]:
        return [s for s in self.steps if s["label"] == "ok"]

    @property
    def tried(self) -> set[str]:
        """Tools that ran in this run (even if they failed: "not found" is an answer)."""
        return {s["tool"] for s in self.steps if s["check_code"] not in BLOCKED_CODES}

    def tool(self, name: str) -> Tool | None:
        return next((t for t in self.offered if t.name == name), None)

    def trusted_of(self, keep: Callable[[Tool], bool]) -> list[StepState]:
        """Trusted steps of the offered tools for which ``keep`` holds."""
        return [s for s in self.trusted if (t := self.tool(s["tool"])) is not None and keep(t)]


@dataclass(frozen=True)
class SendBack:
    """A check's objection (pydantic-ai's ``ModelRetry``, as data): the code, and what the model reads."""

    code: AnswerCheckCode
    message: str


@dataclass(frozen=True)
class AnswerCheck:
    """One declared check of a proposed final answer."""

    code: AnswerCheckCode
    check: Callable[[str, RunView], str]
    """``check(answer, view)``: the message for the model when the answer may not stand, else ""."""
    retries: int = 1
    """Times this check may send an answer back (its own budget, not shared with other checks)."""
    unverified: bool = True
    """With the budget spent and the check still objecting: the run ends ``unverified`` with the
    check's message (True), or the answer goes on to the next check (False: checks that only ask
    for more work, such as a lookup not tried yet)."""
    needs_tool: bool = True
    """The action after a send-back must be a tool call (the answer lacks a tool's result); False
    when answering again from what is already there can satisfy the check."""
    needs: Callable[[Tool], bool] | None = None
    """Which tools give the result the answer lacks (code, for a computation): the action after a
    send-back must call one of them, when one is offered. None: any tool."""

    def __call__(self, answer: str, view: RunView) -> SendBack | None:
        message = self.check(answer, view)
        return SendBack(self.code, message) if message else None


# --- the checks -----------------------------------------------------------------------------------
def store_first(answer: str, view: RunView) -> str:
    stored = {s["tool"] for s in view.trusted}
    for t in view.offered:
        if t.stores and goals.asks_to_store(view.goal, t.stores) and t.name not in stored:
            return f"The goal asks to store something: call {t.name} first, then answer."
    return ""


def answers_tool_first(answer: str, view: RunView) -> str:
    if not view.media:
        return ""
    from sokrat.agents.toolset import reads_media

    for t in view.offered:
        if t.answers and reads_media(t) and t.name not in view.tried:
            return f"A question about the run's media goes to {t.name} first: call it, then answer with what it says."
    return ""


def _named_tools(text: str, names: Sequence[str]) -> list[str]:
    return [name for name in names if name in text]


def plan_step_untried(answer: str, view: RunView) -> str:
    names = [t.name for t in view.offered]
    for i, p in enumerate(view.plan):
        if p["status"] not in ("active", "pending"):
            continue
        missing = [n for n in _named_tools(p["text"], names) if n not in view.tried]
        if missing:
            return f"Plan step {i + 1} ({p['text']}) is not done: call {missing[0]} first, then answer."
    return ""


def echoes_instruction(answer: str, view: RunView) -> str:
    if goals.echoes_instruction(answer, view.instruction):
        return "That answer repeats the instruction; answer the goal itself, with its values."
    return ""


_EPISODE = checks.EPISODE


def echoes_episode(answer: str, view: RunView) -> str:
    """An answer stating no value (no number, name, time or quote, and no word of the earlier
    goal beyond this one's) that repeats what an earlier run answered to another goal: "I stored
    your gate code." copied from the run that stored it, given to "What is my gate code?"."""
    if checks.claims(answer):
        return ""
    mine = en.content_stems(answer)
    if len(mine) < 2:
        return ""
    goal = en.content_stems(view.goal)
    verbs = {en.stem(w) for t in view.offered for v in t.stores for w in en.words(v)}
    for text in view.memories:
        m = _EPISODE.match(text)
        if m is None or en.content_stems(m["goal"]) == goal:
            continue
        earlier = en.content_stems(m["answer"])
        # the earlier goal's own value ("green" of "Remember that my car is green.") in the answer: it answers
        carries = mine & (en.content_stems(m["goal"]) - goal - verbs)
        if not carries and len(mine & earlier) / len(mine) >= 0.8:
            # what the user told, in stored facts or that run's goal, about what this goal asks
            told = [t for t in (*(x for x in view.memories if not _EPISODE.match(x)), checks.told(text))
                    if t and en.content_stems(t) & goal]
            facts = f" What you were told about it: {' '.join(dict.fromkeys(told))[:200]!r}." if told else ""
            return (f"That repeats an earlier run's answer to another goal ({m['goal'][:80]!r}). "
                    f"Answer this goal, with its value: {view.goal[:200]}{facts}")
    return ""


def repeats_itself(answer: str, view: RunView) -> str:
    if not en.repetitive(answer):
        return ""
    return "Your answer repeats one phrase over and over. Answer in one short sentence with the value the tools gave."


def absent_untried(answer: str, view: RunView) -> str:
    if not goals.says_absent(answer):
        return ""
    untried = [t.name for t in view.offered if t.looks_up and t.name not in view.tried]
    if not untried:
        return ""
    return (f"You answered that nothing is known or that it is absent, but {' and '.join(untried)} "
            f"{'was' if len(untried) == 1 else 'were'} not tried in this run: look there first, then answer.")


def gave_up(answer: str, view: RunView) -> str:
    if not goals.finds_nothing(answer) or not view.steps:
        return ""
    last = view.steps[-1]
    t = view.tool(last["tool"])
    if last["label"] == "failed" and t is not None and t.computes:
        return "You gave up after your code failed. Correct the code and run it again, then answer with what it shows."
    return ""


_AMOUNT_WORD = "(?:\\d+|" + "|".join(sorted(en.NUMBER_WORDS - {"no", "none", "zero", "once", "twice"})) + ")"
_COMPUTE_ASKED = re.compile(
    r"\b(?:compute|calculate|work out|double[ds]?|halve[ds]?|triple[ds]?|multipl(?:y|ied)|divide[ds]?|"
    rf"subtract(?:ed)?|squared|average of|sum of|difference between|(?:add(?:ed)?|plus|minus|times) {_AMOUNT_WORD}|"
    r"\d+(?:\.\d+)? ?(?:percent|%) of|"
    r"\b(?:up|down|rise[sn]?|rose|increased?|decreased?|raised?|cut|reduced?|discounted|lowered|more|less) by \d+(?:\.\d+)? ?(?:percent|%)|"
    r"\d+(?:\.\d+)? ?(?:percent|%) (?:more|less|higher|lower|off|extra|increase|discount|rise|cut)|"
    r"how (?:many|much) (?:more|less|fewer|older|younger)|how (?:many|much) (?:"
    r"seconds?|minutes?|hours?|days?|weeks?|months?|years?) (?:\w+ ){0,2}?(?:after|before|until|till|since|between|later|"
    r"earlier|left|ago|from now)|how (?:many|much|long)\b[^.?!]{0,60}?\b(?:until|till|since)|"
    r"how (?:many|much) (?:days|weeks|months|years)\b[^.?!]{0,40}?\b(?:run|runs|last|lasts|span|spans)|"
    r"how long (?:after|before|from)|how old (?:will|would|was|were)|"
    rf"(?:{_AMOUNT_WORD}(?: and an? (?:half|quarter))?|an?|half an?) (?:seconds?|minutes?|hours?|days?|weeks?|months?|"
    r"years?)(?: and an? (?:half|quarter))? (?:before|after|earlier than|later than|ahead of|prior to|later|earlier|"
    r"sooner)|"
    # a whole shared out, one share asked ("if that paid for 2 tickets, what did one cost?")
    rf"(?:paid for|pays for|covered|covers|split (?:between|among|by|into)|shared (?:between|among|by)|divided "
    rf"(?:between|among|by|into)) {_AMOUNT_WORD}\b[^?]*\b(?:one|each|per|a single|apiece)\b)\b",
    re.I)
"""A goal that orders arithmetic ("compute", "doubled", "add 50 to it", "times twelve", "20
percent of it", "if the price went up by 15 percent", "10% off"), asks a difference ("how many minutes after noon", "how many minutes are there
between", "how many days until", "how many months does the lease run", "how old will she be"),
or a time offset from a value to look up ("two and a half hours before my flight")."""


def computed_without_code(answer: str, view: RunView) -> str:
    """A result computed from the goal's own data (numbers, quoted text) must come from code
    that ran: a 1.5B model's arithmetic, unit conversions and string edits "from its head" are
    often wrong. Not when the answer's values are what a lookup returned, nor a store goal
    that only repeats what it stored. A goal that orders arithmetic on what a lookup returns
    ("find when the dog barks, then add 5 seconds") needs code too: there the looked-up value
    itself is no answer, it is the input."""
    coders = [t for t in view.offered if t.computes]
    # the values may come from a lookup step, or from the facts recalled into the run's prompt
    looked_up = view.trusted_of(lambda t: t.looks_up or t.answers) or any(
        not _EPISODE.match(m) for m in view.memories)
    if (coders and _COMPUTE_ASKED.search(view.goal) and not view.trusted_of(lambda t: t.computes)
            and looked_up and checks.claims(answer) and not goals.says_absent(answer)):
        return (f"{_code_failed(view)}The goal asks for a computation on the values the tools returned: call {coders[0].name} with "
                "those values written into the code, print the result, then answer with what it prints.")
    if (coders and _SPAN_ASKED.search(view.goal) and not view.trusted_of(lambda t: t.computes) and looked_up
            and (found := checks.claims(answer)) and not goals.says_absent(answer)
            and not _span_stated(answer, found, _looked_up_text(view))):
        return (f"{_code_failed(view)}The answer's duration is not in what the tools returned: call {coders[0].name} "
                "with the start and end they show written into the code, print the span, then answer with it.")
    if view.media or not coders or not goals.has_operands(view.goal) or view.trusted_of(lambda t: t.computes):
        return ""
    found = checks.claims(answer)
    lookups = " ".join(s["raw"] for s in view.trusted_of(lambda t: t.looks_up or bool(t.stores))).lower()
    if found and lookups and all(c.lower() in lookups for c in found):
        return ""
    stored = [t for t in view.offered if t.stores and goals.asks_to_store(view.goal, t.stores)]
    goal = view.goal.lower()
    if stored and all(c.lower() in goal for c in found):
        return ""
    if not found and not _new_words(answer, view.goal):
        return ""  # restates the goal ("Done.") and computes nothing
    return (f"{_code_failed(view)}This needs a computation on the goal's values: call {coders[0].name} with code that "
            "computes it and prints the result, then answer with what it prints.")


_SPAN_ASKED = re.compile(r"\bhow long (?:is|was|are|were|does|did|will|would)\b", re.I)
"""A duration asked ("how long is the train journey?"): a record may state it, or give only its
start and end, and then the span is computed."""


_SPAN_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?|min|mins|minutes?|s|secs?|seconds?|days?|"
                          r"weeks?|months?|years?)\b", re.I)
"""A number given in a unit of time ("2 hours", "2 h 25 min")."""


def _span_stated(answer: str, found: list[str], looked_up: str) -> bool:
    """The answer's claims occur in what was looked up, each number as a number (a "2" inside
    "2027" or "Via Roma 2" is no duration), and each number it gives in a unit of time occurs in
    a unit of time there too (a record that gives only a departure and an arrival states no
    span: "2 hours" from a "2 June" is read off the wrong line)."""
    if not all(checks.supported(c, looked_up) for c in found):
        return False
    spans = {float(n) for n in _SPAN_NUMBER.findall(checks._plain_numbers(answer))}
    return spans <= {float(n) for n in _SPAN_NUMBER.findall(checks._plain_numbers(looked_up))}


def _looked_up_text(view: RunView) -> str:
    """What the lookups and answering tools returned, and the facts recalled for the run."""
    steps = " ".join(s["raw"] for s in view.trusted_of(lambda t: t.looks_up or t.answers))
    return (steps + " " + " ".join(m for m in view.memories if not _EPISODE.match(m))).lower()


def _code_failed(view: RunView) -> str:
    """The error of the run's last program, when it failed: what to fix before answering."""
    last = next((s for s in reversed(view.steps) if (t := view.tool(s["tool"])) is not None and t.computes), None)
    if last is None or last["label"] != "failed":
        return ""
    lines = [x.strip(" |") for x in re.split(r"\n| \| ", last["raw"]) if x.strip(" |")]
    error = next((x for x in reversed(lines) if re.match(r"\w*(?:Error|Exception)\b", x)), "")
    return f"Your code failed ({error[:160]}): fix it and run it again. " if error else "Your code failed: fix it. "


def _new_words(answer: str, goal: str) -> set[str]:
    """Content words of the answer whose stems the goal lacks (a string result: "tenalp")."""
    return {w for w in en.content_words(answer) if en.stem(w) not in en.content_stems(goal)}


def _tool_answer(step: StepState) -> tuple[str, str]:
    """An answering tool's answer and its status ("" and "" when it failed or gave none)."""
    try:
        record = json.loads(step["raw"])
    except json.JSONDecodeError:
        return "", ""
    if isinstance(record, dict) and isinstance(record.get("answer"), str) and record.get("status") != "failed":
        return record["answer"], str(record.get("status", ""))
    return "", ""


def contradicts_tool(answer: str, view: RunView) -> str:
    mine = en.polarity(answer)
    if mine is None:
        return ""
    for s in reversed(view.trusted_of(lambda t: t.answers)):
        said, status = _tool_answer(s)
        if said and status == "no_answer":  # "I cannot tell: ...": neither yes nor no is supported
            return (f"{s['tool']} could not tell ({said[:160]!r}); your answer says {'yes' if mine else 'no'}. Say that "
                    "it cannot be told from what the tool found, or ask the tool another way.")
        theirs = en.polarity(said) if said else None
        if theirs is not None:
            return (f"{s['tool']} answered {said[:160]!r}; your answer contradicts it. Answer in line with what it "
                    "says.") if theirs != mine else ""
    return ""


def tool_unverified(answer: str, view: RunView) -> str:
    """An answer that restates what an answering tool could not confirm (``video_qa``'s
    "Perhaps: the log shows a person ..., it cannot tell whether that is a woman", status
    ``unverified``) is no more confirmed than the tool's: the run says so, never ``succeeded``."""
    for s in reversed(view.trusted_of(lambda t: t.answers)):
        said, status = _tool_answer(s)
        if not said:
            continue
        mine, theirs = en.content_stems(answer), en.content_stems(said)
        if status == "unverified" and mine and len(mine & theirs) * 2 >= len(mine):
            reason = str(json.loads(s["raw"]).get("reason", "")) or "no reason given"
            return (f"{s['tool']} could not confirm this ({reason[:160]}): answer with what it showed and say that it "
                    "cannot tell, or ask it another way.")
        return ""
    return ""


def _records(step: StepState, tool: Tool) -> str:
    """What a step's output shows as records: an answering tool's evidence, not its own answer
    (whose "I did not see a cat" names the cat it did not see)."""
    if not tool.answers:
        return step["raw"]
    try:
        record = json.loads(step["raw"])
    except json.JSONDecodeError:
        return ""
    return json.dumps(record.get("evidence", [])) if isinstance(record, dict) else ""


def absence_contradicted(answer: str, view: RunView) -> str:
    """A "no" or "not found" answer about a thing that a trusted record shows (by its name, a
    synonym or a kind of it, through the lexicon): "No bicycle" beside a shot labelled "bike"."""
    if en.polarity(answer) is not False and not goals.says_absent(answer):
        return ""
    from sokrat.perception.words import lexicon

    asked = [c.word for c in lexicon().concepts_in(view.goal)]
    if not asked:
        return ""
    stated = [c.lower() for c in checks.claims(answer)]
    for s in view.trusted_of(lambda t: t.looks_up):
        t = view.tool(s["tool"])
        shown = _records(s, t).lower() if t is not None else ""
        if stated and all(c in shown for c in stated):
            continue  # it states the record's values: a "not" inside a statement ("I will not forget ... line 63")
        for word in asked:
            if shown and checks.mentions(shown, word.lower()):
                return (f"{s['tool']} returned a record of {word!r} ({_around(shown, word)}); your answer says there is "
                        "none. Answer with what the records show.")
    return ""


def _around(text: str, word: str) -> str:
    i = text.find(word.lower())
    return text[max(0, i - 40): i + 60] if i >= 0 else text[:100]


_WHO = re.compile(r"^\W*who\b|\bwho (?:is|was|are|were|owns|did|has)\b|\bwhat is (?:the |my |his |her |their )?\w*'?s? ?name\b", re.I)
_WHEN = re.compile(r"^\W*when\b|\bwhen (?:is|was|did|does|do|will)\b|\bwhat (?:time(?! zone| period| frame| span)|date|day)\b|\bwhich (?:day|date|month|year)\b|\bat what time\b", re.I)
_CLOCK_24 = re.compile(r"\b(?:24|twenty-four)[- ]hours? (?:time|clock|format|notation)\b|\bmilitary time\b", re.I)
_CLOCK_ASKED = re.compile(r"\b(?:at )?what time\b(?! (?:zone|period|frame|span|of))|\b(?:12|twelve)[- ]hours? "
                          r"(?:time|clock|format|notation)\b|" + _CLOCK_24.pattern, re.I)
"""A question whose answer is a time of day: "what time should I leave?", "3 pm in 24-hour time"."""
_CLOCK_SAID = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\b\d{1,2} ?(?:a\.?m\b|p\.?m\b)|\bo'?clock\b|\bnoon\b|\bmidnight\b|"
                         r"\b(?:half|quarter) (?:past|to)\b|\bat \d{1,2}\b|\b\d{4} hours\b", re.I)
"""A time of day in an answer: "7:45", "7.45", "7 pm", "eight o'clock", "noon", "half past six", "at 3"."""
_CLOCK_24_SAID = re.compile(r"\b\d{1,2}[:.h]\d{2}\b|\b\d{4}(?: hours)?\b")
"""A 24-hour time: "20:00", "08.00", "0800 hours"."""
_HOW_MANY = re.compile(r"\bhow (?:many|much|long|far|old|often)\b|\bwhat (?:number|percentage|amount)\b", re.I)
_TIME_WORDS = frozenset(
    [*(m.lower() for m in calendar.month_name[1:]), *(m.lower() for m in calendar.month_abbr[1:]),
     *(d.lower() for d in calendar.day_name), "today", "tomorrow", "yesterday", "tonight", "noon", "midnight",
     "morning", "afternoon", "evening", "night", "week", "month", "year", "now", "never", "beginning", "start", "end"])
"""Words that state a time without digits: the calendar's names (stdlib ``calendar``) and days' parts."""


def _states_number(answer: str, goal: str = "") -> bool:
    """The answer states a number of its own: not only the goal's ("How many trailing zeros
    does 250! have?" answered "The number of trailing zeros in 250!")."""
    own = set(re.findall(r"\d+(?:\.\d+)?", answer)) - set(re.findall(r"\d+(?:\.\d+)?", goal))
    return bool(own) or bool(set(en.words(answer)) & (en.NUMBER_WORDS - set(en.words(goal))))


_SOME = frozenset(["both", "either", "neither", "none", "all", "each"])
_TOO_GENERAL = frozenset(["one", "thing", "object", "item", "entity", "part", "way", "kind", "sort", "type"])
_WHICH = re.compile(r"\bwhich (?:kind of |sort of |type of )?([a-z]+)\b", re.I)
_KINDS = ("person", "animal", "plant", "food", "artifact")
"""Coarse kinds of things (WordNet top categories, through the lexicon): a "which animal"
question answered with an artifact is of the wrong type; one answered with another artifact
than asked may be the lexicon's gap (a kit is no "product" in WordNet), so it is let through."""


def choices(goal: str) -> tuple[set[str], set[str]] | None:
    """The stems of the two options of an either-or question (:func:`sokrat.text.either_or`);
    None for a question that asks an amount ("how many are multiples of 3 or 5?"): its "or"
    joins parts of what is counted, not answers to choose from."""
    options = en.either_or(goal)
    if options is None or _HOW_MANY.search(goal):
        return None
    return {en.stem(w) for w in options[0]}, {en.stem(w) for w in options[1]}


def _kind(word: str) -> str | None:
    from sokrat.perception.words import lexicon

    lex = lexicon()
    return next((k for k in _KINDS if lex.is_a(word, lex.synsets(k))), None)


def _names_other_kind(answer: str, asked: str) -> bool:
    """Whether everything the answer names (lexicon concepts) is of another coarse kind than
    ``asked`` (False when the lexicon cannot tell)."""
    from sokrat.perception.words import lexicon

    wanted = _kind(asked)
    named = [c.word for c in lexicon().concepts_in(answer)]
    if wanted is None or not named:
        return False
    kinds = [_kind(w) for w in named]
    return None not in kinds and wanted not in kinds


def wrong_type(answer: str, view: RunView) -> str:
    """The answer must be of the type the question asks for."""
    if goals.says_absent(answer):
        return ""
    goal = view.goal
    options = choices(goal)
    if options is not None:
        said = en.content_stems(answer) | set(en.words(answer))
        if en.polarity(answer) is not False and not said & (options[0] | options[1] | _SOME):
            return "The question asks which of two options: answer with the one the tools show."
        return ""
    if en.yes_no_question(goal) and len(en.questions(goal)) <= 1 and en.polarity(answer) is not None:
        return ""  # "Do I say how much it cost? Answer yes or no." asks yes or no, not the amount
    from sokrat.agents import units  # pint loads only for a question that asks a size

    if off := units.off_dimension(goal, answer):
        return (f"The question asks a size of another kind than {off!r} gives: answer with the quantity the tools show, "
                "in a unit of what is asked (a length, a time, a weight).")
    if other := units.other_unit(goal, answer):
        return (f"The question asks for it in {units.asked_unit(goal)}, and the answer gives {other!r}: convert the "
                "tools' value with code and answer in the unit asked.")
    if _SPAN_UNIT.fullmatch(units.asked_unit(goal)) and _only_times(answer):
        return (f"The question asks how many {units.asked_unit(goal)}: answer with that number (work it out with code "
                "from the times the tools and the goal give), not with a time or date.")
    clock_24 = _CLOCK_24.search(goal) is not None
    if _CLOCK_ASKED.search(goal) and not (_CLOCK_24_SAID if clock_24 else _CLOCK_SAID).search(answer):
        return ("The question asks for a time of day: answer with the clock time the tools show"
                + (", as HH:MM in 24-hour time." if clock_24 else " (HH:MM, or with am/pm)."))
    which = _WHICH.search(goal)
    asked = which.group(1).lower() if which is not None else ""
    if (asked and asked not in _TOO_GENERAL and not _WHEN.search(goal)
            and en.stem(asked) not in en.content_stems(answer) and _names_other_kind(answer, asked)):
        return f"The question asks which {asked}: answer with the {asked} the tools show."
    if _WHO.search(goal):
        stop = en.stop_words()
        capitalised = [w for w in re.findall(r"\b[A-Z][a-z]+\b", answer)
                       if w.lower() not in stop and w.lower() not in _TIME_WORDS and w.lower() not in goal.lower()]
        if not capitalised:
            return "The question asks who: answer with the name the tools show."
    elif _WHEN.search(goal):
        if not re.search(r"\d", answer) and not set(en.words(answer)) & _TIME_WORDS and not _CLOCK_SAID.search(answer):
            return "The question asks when: answer with the date or time the tools show."
    elif _HOW_MANY.search(goal) and not _states_number(answer, goal):
        return "The question asks for an amount: answer with the number the tools show."
    elif (_AMOUNT.search(goal) or _HOW_MANY.search(goal)) and not _DURATION.search(goal) and _only_dates(answer):
        return "The question asks for an amount, and the answer gives only a date: answer with the amount."
    return ""


_AMOUNT = re.compile(r"\b(?:what|how much)\b.*\b(?:fee|fees|cost|costs|price|total|charge|amount|fine|deposit|bill|"
                     r"salary|tax|discount|refund|sum|balance)\b", re.I)
"""An amount of money or a quantity asked without "how much" ("what would the late fee be?")."""
_DURATION = re.compile(r"\bhow (?:long|often)\b|\bsince when\b|\buntil when\b|\b(?:deadline|due|date|day|days)\b",
                       re.I)
"""Questions a date or a span of dates may answer ("how long does the lease run?", "the fee's deadline")."""


def _only_dates(answer: str) -> bool:
    """Every number of ``answer`` is part of a date it states ("2027-04-04", "4 April 2027")."""
    found = checks.dates(answer)
    if not found:
        return False
    rest = answer
    for words, _ in found:
        rest = rest.replace(words, " ")
    return not re.search(r"\d", rest)


_SPAN_UNIT = re.compile(r"(?:second|minute|hour|day|week|month|year)s?", re.I)
"""Units of a span of time asked for ("how many minutes are left?")."""
_CLOCK_NUMBER = re.compile(r"\b\d{1,2}(?::\d{2})+\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*(?:[ap]\.?m\.?|o'clock)(?!\w)"
                           r"|\b(?:at|by|from|until|till|before|after)\s+\d{1,2}\b(?!\s*(?:[:.]\d|%|[a-z]))", re.I)
"""A number that is a time of day: "15:00", "3 pm", "3 o'clock", "at 3". Not :data:`_CLOCK_SAID`,
which also reads "4.50" and "at 19" of "at 19:00" as times: in an answer to "how many hours"
"4.50" is the number asked."""


def _only_times(answer: str) -> bool:
    """Every number of ``answer`` is part of a time of day or a date it states ("on Tuesday at
    3", "at 15:00 on 4 May"), and it states one."""
    rest = _CLOCK_NUMBER.sub(" ", answer)
    for words, _ in checks.dates(rest):
        rest = rest.replace(words, " ")
    return rest != answer and re.search(r"\d", answer) is not None and not re.search(r"\d", rest)


_PATHLIKE = re.compile(r"\S*/\S*")
_SENTENCE = re.compile(r"[^.!?\n\"{}\[\]]+")
QUOTE_CHARS = 120
"""Characters of a source's sentence quoted back to the model."""


def _plain_text(raw: str) -> str:
    """A tool output's strings, decoded from its JSON (its line breaks are real ones again, so
    "Owner:" on its own line is not read as "nOwner"), one per line; ``raw`` when not JSON."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return raw
    return _joined_strings(data) or raw


def _joined_strings(data: Any) -> str:
    """The strings of decoded JSON, one per line, in document order."""
    out: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, str):
            out.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(data)
    return "\n".join(out)


def _roots(text: str) -> set[str]:
    """Content stems, each also without an agent suffix: "owns" and "Owner:" share "own"."""
    stems = en.content_stems(text)
    return stems | {s[:-2] for s in stems if len(s) > 4 and s.endswith(("er", "or"))}


def _record_texts(raw: str) -> list[str]:
    """A tool output's records (each hit of a search: one document), each as plain text."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return [raw]
    if isinstance(data, list) and data and all(isinstance(d, dict) for d in data):
        return [_joined_strings(d) or json.dumps(d) for d in data]
    return [_plain_text(raw)]


def answers_other_part(answer: str, view: RunView) -> str:
    """The answer's value must come from the part of a source about what the question asks: of
    the source's sentences, the one holding the value (read with the sentence before it, where a
    pronoun's noun would be) must share the question's most specific words (those in the fewest
    sentences). A budget question answered with the deadline of the same document goes back."""
    if goals.says_absent(answer):
        return ""
    goal = view.goal.lower()
    found = [c for c in checks.claims(answer) if c.lower() not in goal]
    # Not an answering tool's output: it already answered this very question.
    texts = [t for s in view.trusted_of(lambda t: t.looks_up and not t.answers) for t in _record_texts(s["raw"])]
    # a file path ("/notes/canoe_order") is where the text came from, not a part of it
    per_text = [[x.strip() for x in _SENTENCE.findall(raw) if len(en.content_words(x)) >= 2 and not _PATHLIKE.fullmatch(x.strip())]
                for raw in texts]
    sentences = [x for group in per_text for x in group]
    if not found or len(sentences) < 2:
        return ""

    def holds(x: str) -> bool:
        return any(checks.supported(c, x) for c in found)

    asked = _roots(view.goal)
    objection = ""
    # each source on its own: a word of the question that only another document has tells
    # nothing about which part of this one the value came from
    for group in per_text:
        holding = [(group[i - 1] + " " if i else "") + x for i, x in enumerate(group) if holds(x)]
        if not holding or len(group) < 2:
            continue
        stems = [_roots(x) for x in group]
        counts = {a: sum(a in st for st in stems) for a in asked}
        present = {a: n for a, n in counts.items() if 0 < n < len(group)}
        if not present:
            continue
        fewest = min(present.values())
        focus = {a for a, n in present.items() if n == fewest}
        if any(focus & _roots(x) for x in holding):
            return ""
        words = sorted(w for w in en.content_words(view.goal) if _roots(w) & focus)
        objection = objection or (f"Your answer takes {found[0]!r} from {holding[0][-QUOTE_CHARS:]!r}, which is not "
                                  f"about {', '.join(words)}. {_about_part(group, focus, view)}")
    return objection


def _about_part(sentences: list[str], focus: set[str], view: RunView) -> str:
    """What to answer from instead: the source's sentence about the question's words, quoted;
    one that gives no number of its own ("Deposit: two months' rent") is a computation on the
    values it refers to, which code does."""
    about = next((x for x in sentences if focus & _roots(x)), "")
    if not about:
        return "Answer with the part of the source that is."
    coders = [t.name for t in view.offered if t.computes]
    if re.search(r"\d", about) or not coders:
        return f"The part that is says {about[-QUOTE_CHARS:]!r}: answer with that."
    return (f"The part that is says {about[-QUOTE_CHARS:]!r}, which gives no number itself: compute it with "
            f"{coders[0]} from the values it refers to, and answer with what it prints.")


_EVENT_TIME = re.compile(r"\b(?:time of day|what (?:time|day|date) (?:is|are|was|will)|which day|what day|what date|"
                         r"when (?:is|are|will)|when's)\b", re.I)
"""A question about when something happens in the world (not where in the video it is said)."""
_VIDEO_POSITION = re.compile(r"\b(?:when|where|at what point) in the (?:video|clip|recording)\b|\btimestamp\b|"
                             r"\bwhen (?:do|did|does) (?:i|you|he|she|they|we|someone) (?:say|mention|talk|speak)\b", re.I)
_SPOKEN_TIME = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|o'clock)|\b\d{1,2}:\d{2}\b|\b(?:"
                          + "|".join(sorted({*(d.lower() for d in calendar.day_name), "today", "tomorrow", "tonight", "noon",
                                             "midnight", "morning", "afternoon", "evening", "night"}, key=len, reverse=True))
                          + r")\b", re.I)
"""A time stated in words or digits ("Thursday", "in the morning", "3 pm", "10:30")."""


def _positions(raw: str) -> list[float]:
    """The video positions (seconds) a tool output's evidence gives."""
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        return []
    evidence = data.get("evidence", []) if isinstance(data, dict) else []
    return [float(e[k]) for e in evidence if isinstance(e, dict) for k in ("t_start", "t_end")
            if isinstance(e.get(k), (int, float))]


def position_for_time(answer: str, view: RunView) -> str:
    """A question about when something said in a video happens ("at what time of day is the
    piano tuner coming, as I said") asks for the time said, not for where in the video it was said:
    an answer whose times are all video positions, while the words said about the goal's subject
    state a time, is sent back with those words."""
    if not view.media or not _EVENT_TIME.search(view.goal) or _VIDEO_POSITION.search(view.goal):
        return ""
    clocks = checks._CLOCK.findall(answer)
    if not clocks:
        return ""  # no video position given
    mine = {t.lower() for t in _SPOKEN_TIME.findall(checks._CLOCK.sub(" ", answer))}
    subject = en.content_stems(view.goal) - {"time", "day", "date", "said", "say", "video", "mention"}
    seconds = [int(m) * 60 + int(sec) for m, sec in (c.split(":")[:2] for c in clocks)]
    for s in reversed(view.trusted_of(lambda t: t.answers)):
        positions = _positions(s["raw"])
        if not positions or not all(any(abs(x - p) <= 1.5 for p in positions) for x in seconds):
            continue
        for sentence in _SOURCE_SENTENCE.findall(_plain_text(s["raw"])):
            said = _SPOKEN_TIME.findall(checks._CLOCK.sub(" ", sentence))
            if said and not mine & {t.lower() for t in said} and subject & en.content_stems(sentence):
                return (f"{', '.join(clocks)} is where in the video it was said; the goal asks when it happens. What "
                        f"was said: {sentence.strip()[-QUOTE_CHARS:]!r}. Answer with the time said ({said[0]}).")
    return ""


_SOURCE_SENTENCE = re.compile(r"(?:[^.!?;\n]|(?<=\d)\.(?=\d))+")
"""A sentence of a source (a decimal point does not end it: "35.00 euros")."""
_RATE = re.compile(r"^\s*(?:[^\W\d_]{1,12}\.?\s+){0,3}?(?:per|an?|every|/)\s*([^\W\d_]{2,})", re.I)
"""What follows a number that states a rate: "mg per kg", "euros a month", "km/h"."""
_EACH = re.compile(r"^\s*(?:[^\W\d_]{1,12}\.?\s+){0,3}?(?:each|apiece)\b", re.I)
_BASIS_ASKED = re.compile(r"\b(?:per|an?|every|each|(?:in|for) (?:an?|one)(?:\s+(?:whole|full|single|entire))?)\s+"
                          r"([^\W\d_]{2,})", re.I)
_PERIOD_WORDS = {"yearly": "year", "annual": "year", "annually": "year", "monthly": "month", "weekly": "week",
                 "daily": "day", "hourly": "hour", "nightly": "night"}
"""A basis said as an adverb or adjective ("what do I pay yearly?")."""
_INCLUDING = re.compile(r"\b(?:including|incl\.?|plus|together with|with)\s+(?:the\s+|its\s+|my\s+)?([^\W\d_]{3,})", re.I)
_WHOLE_SAID = re.compile(r"\b(?:total|including|incl|inclusive|in all|altogether|overall|all in|grand)\b", re.I)


def _number_sentences(view: RunView) -> list[tuple[float, str, str]]:
    """Each number a lookup (not an answering tool) returned: its value, its sentence, and what
    follows it in that sentence."""
    found = []
    texts = [_plain_text(s["raw"]) for s in view.trusted_of(lambda t: t.looks_up and not t.answers)]
    texts += [m for m in view.memories if not m.startswith("Goal:")]  # stored facts given with the goal
    for text in texts:
        for sentence in _SOURCE_SENTENCE.findall(checks._plain_numbers(text)):
            for m in checks._NUMBER.finditer(sentence):
                found.append((float(m.group()), sentence.strip(), sentence[m.end():]))
    return found


def part_for_whole(answer: str, view: RunView) -> str:
    """A looked-up amount, answered as it stands with no code run, must be the amount asked
    for, not a part of it: a rate stated per one thing ("2 mg per kg") answers a question on
    another basis ("how many mg per day") only through arithmetic, and one amount of a source
    ("Shipping: 8 euros") is no total "including" another unless the source says it is."""
    if goals.says_absent(answer) or view.trusted_of(lambda t: t.computes):
        return ""
    numbers = {float(c) for c in checks.claims(answer, names_too=False) if checks._NUMBER.fullmatch(c)}
    numbers -= checks._numbers(view.goal)
    if len(numbers) != 1:
        return ""
    value = numbers.pop()
    goal = en.content_stems(view.goal)
    bases = {en.stem(b) for b in _BASIS_ASKED.findall(view.goal)} - {"a", "an"}
    bases |= {en.stem(_PERIOD_WORDS[w]) for w in en.words(view.goal) if w in _PERIOD_WORDS}
    included = [w for w in _INCLUDING.findall(view.goal) if en.stem(w) not in ("the",)]
    for n, sentence, after in _number_sentences(view):
        if n != value:
            continue
        rate = _RATE.match(after)
        per = en.stem(rate.group(1)) if rate else ""
        if per and bases and per not in bases:
            return (f"{value:g} is given per {rate.group(1) if rate else ''} in {sentence[-QUOTE_CHARS:]!r}; the goal "
                    f"asks per {' or '.join(sorted(bases))}. Compute it from the source's values with code, print the "
                    "result, then answer with what it prints.")
        if _EACH.match(after) and checks._numbers(view.goal) and "each" not in goal:
            return (f"{value:g} is the amount for each one in {sentence[-QUOTE_CHARS:]!r}, not for the goal's number of "
                    "them. Compute it with code, print the result, then answer with what it prints.")
        if included and not _WHOLE_SAID.search(sentence):
            return (f"The goal asks for a total including {included[0]}; {value:g} is one amount in "
                    f"{sentence[-QUOTE_CHARS:]!r}. Add up the source's amounts with code, print the result, then "
                    "answer with what it prints.")
    return ""


def rate_over_period(answer: str, view: RunView) -> str:
    """A goal that gives an amount per span of time and asks about another span ("17.99 euros a
    month ... over 2 years") is answered with the amount times the number of those spans in it,
    by pint (24 months in 2 years); an answer with no such number multiplied something else
    (the 1.5B's "17.99 * 12 * 24", which a second program repeats)."""
    from sokrat.agents import units

    asked = units.rate_over_period(view.goal)
    if asked is None or goals.says_absent(answer):
        return ""
    numbers = [float(c) for c in checks.claims(answer, names_too=False) if checks._NUMBER.fullmatch(c)]
    if not numbers or any(units.matches(n, asked.result) for n in numbers):
        return ""
    return (f"The goal gives {asked.rate:g} per {asked.per} and asks about {asked.count:g} {asked.period}(s): that is "
            f"{asked.rate:g} times the number of {asked.per}s in that span. Run {asked.program} and answer with what it "
            "prints.")


def conversion_mismatch(answer: str, view: RunView) -> str:
    """A unit conversion's answer must be the value pint gives for the goal's quantity and
    units (under some reading of them), or, when the goal names no target unit, for the
    conversion the answer itself states: a wrong formula run as code is still wrong."""
    from sokrat.agents import units

    if goals.says_absent(answer) or not re.search(r"\d", answer):
        return ""
    asked = units.conversion(view.goal)
    if asked is None:  # the goal names no target unit ("the other unit"): the answer's own claim
        said = units.stated(answer)
        if said is None or any(units.matches(said[1], r) for r in said[0].results):
            return ""
        return (f"Your answer does not give the value of {said[0].phrase!r} in {said[0].unit} ({said[1]:g} is not it); "
                f"{_formula(said[0])}")
    numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", answer.replace(",", ""))]
    if any(units.matches(n, r) for n in numbers for r in asked.results):
        return ""
    return f"Your answer does not give the value of {asked.phrase!r} ({asked.unit}); {_formula(asked)}"


def _formula(conversion: Conversion) -> str:
    """The formula to use, when the goal's units have one reading (pint's, not the model's), and
    the program that applies it to the goal's quantity."""
    if len(conversion.formulas) == 1:
        return (f"the formula is {conversion.formulas[0]}: call python code {conversion.programs[0]} and answer with "
                "what it prints.")
    if conversion.programs:  # each reading of the units (bare "degrees", a kilobyte of 1000 or 1024 bytes)
        readings = "; ".join(f"{p} ({f})" for p, f in zip(conversion.programs, conversion.formulas, strict=False))
        return (f"the units have {len(conversion.programs)} readings: call python code for the one the goal means "
                f"({readings}) and answer with what it prints, saying which reading.")
    return "check the conversion factor or formula, run the conversion as code, and answer with what it prints."


_COUNT_ASKED = re.compile(r"\bhow many\b", re.I)
_SUM_ASKED = re.compile(r"\b(sum|total|add|added|adding|plus)\b", re.I)


def _printed_expression(code: str) -> ast.expr | None:
    """What a program shows as its result: the argument of its last ``print(x)``, or its last
    expression (the sandbox shows it, as a REPL does)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    prints = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "print" and len(node.args) == 1]
    if prints:
        return max(prints, key=lambda n: (n.lineno, n.col_offset)).args[0]  # the last in the source
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        return tree.body[-1].value
    return None


def _sums_items(expr: ast.expr | None) -> bool:
    """``expr`` is ``sum(x for x in ...)``: the items themselves added up (``sum(1 for ...)``
    counts them, and ``sum(int(d) for d in ...)`` adds values made from them)."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "sum" and expr.args
            and isinstance(comp := expr.args[0], (ast.GeneratorExp, ast.ListComp))):
        return False
    targets = {n.id for g in comp.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
    return isinstance(comp.elt, ast.Name) and comp.elt.id in targets


def sums_for_count(answer: str, view: RunView) -> str:
    """A "how many" question answers with a count; code that prints the sum of the items that
    qualify computed something else (the 1.5B's most frequent misreading, which a second program
    from the same model repeats). Not when the goal asks for a sum or total."""
    if not _COUNT_ASKED.search(view.goal) or _SUM_ASKED.search(view.goal):
        return ""
    computed = view.trusted_of(lambda t: t.computes)
    if not computed or not _sums_items(_printed_expression(str(computed[-1]["arguments"].get("code", "")))):
        return ""
    return ("The question asks how many: the code adds up the items instead of counting them. Run code that counts "
            "them (len([...]) or sum(1 for ...)) and answer with what it prints.")


def breaks_condition(answer: str, view: RunView) -> str:
    """A goal asking for one number under stated conditions ("the smallest number greater than
    500 that is divisible by 4 and 9") is answered with a number that meets every one of them:
    each can be tested without knowing the answer, and a number failing one is wrong whatever
    program printed it (:mod:`sokrat.agents.conditions`)."""
    from sokrat.agents import conditions

    if goals.says_absent(answer):
        return ""
    numbers = [float(x) for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", answer.replace(",", ""))]
    failed = conditions.unmet(view.goal, numbers)
    if not failed:
        return ""
    return (f"The goal asks for a number that is {', '.join(map(str, conditions.read(view.goal)))}; your answer's "
            f"number is not {' and not '.join(map(str, failed))}. Run code that tests every condition on each "
            "candidate (a loop from the bound) and answer with what it prints.")


def ungrounded(answer: str, view: RunView) -> str:
    g = view.grounding
    if g is None or g.supported:
        return ""
    return (f"Your answer mentioned {', '.join(g.unsupported)}, which no tool output shows. "
            "Check it with a tool (for a computation, run code), then answer with what the tool shows.")


DEFAULT_ANSWER_CHECKS: tuple[AnswerCheck, ...] = (
    # work not done yet: the call the answer lacks (a computation comes before storing its result)
    AnswerCheck("gave_up", gave_up, unverified=False),
    # twice: a program that failed is often followed by an answer from the model's head
    AnswerCheck("computed_without_code", computed_without_code, retries=2, needs=lambda t: t.computes),
    AnswerCheck("store_first", store_first, needs=lambda t: bool(t.stores)),
    AnswerCheck("answers_tool_first", answers_tool_first, unverified=False),
    AnswerCheck("plan_step_untried", plan_step_untried, unverified=False),
    AnswerCheck("absent_untried", absent_untried, unverified=False),
    # the answer itself
    AnswerCheck("repeats_itself", repeats_itself, needs_tool=False),
    AnswerCheck("echoes_instruction", echoes_instruction, needs_tool=False),
    AnswerCheck("echoes_episode", echoes_episode, needs_tool=False),
    AnswerCheck("contradicts_tool", contradicts_tool, needs_tool=False),
    AnswerCheck("tool_unverified", tool_unverified, needs_tool=False),
    AnswerCheck("absence_contradicted", absence_contradicted, needs_tool=False),
    AnswerCheck("wrong_type", wrong_type, needs_tool=False),
    AnswerCheck("answers_other_part", answers_other_part, needs_tool=False),
    AnswerCheck("position_for_time", position_for_time, needs_tool=False),
    AnswerCheck("part_for_whole", part_for_whole, needs=lambda t: t.computes),
    AnswerCheck("rate_over_period", rate_over_period, needs=lambda t: t.computes),
    AnswerCheck("conversion_mismatch", conversion_mismatch, needs=lambda t: t.computes),
    AnswerCheck("sums_for_count", sums_for_count, needs=lambda t: t.computes),
    AnswerCheck("breaks_condition", breaks_condition, needs=lambda t: t.computes),
    AnswerCheck("ungrounded", ungrounded),
)
"""The default checks, in the order they run (earlier ones take precedence)."""


def first_objection(answer: str, view: RunView, answer_checks: Sequence[AnswerCheck],
                    sent_back: dict[str, int], *, may_send_back: bool) -> tuple[AnswerCheck, SendBack, bool] | None:
    """The first check (in declared order) that objects and either still has budget to send the
    answer back (``True``) or, budget spent, makes the run ``unverified`` (``False``). Checks
    whose budget is spent and that only ask for more work are passed over."""
    for chk in answer_checks:
        objection = chk(answer, view)
        if objection is None:
            continue
        if may_send_back and sent_back.get(chk.code, 0) < chk.retries:
            return chk, objection, True
        if chk.unverified:
            return chk, objection, False
    return None


def describe(answer_checks: Sequence[AnswerCheck]) -> list[dict[str, Any]]:
    """The checks as data (code, budget, what a spent budget means), for docs and doctor output."""
    return [{"code": c.code, "retries": c.retries, "unverified": c.unverified, "needs_tool": c.needs_tool}
            for c in answer_checks]
