"""Reading a goal, a plan step or an answer by rule (no model call).

- :func:`single_request`: a goal that is one short request is its own one-step plan;
- :func:`echoes`: small models often "ask" the goal back as their clarifying question;
- :func:`answer_directly`: a plan step that only says to answer (it invites premature answers
  when real steps follow);
- :func:`finds_nothing`: an answer saying the sources hold nothing (the run ends ``no_answer``);
- :func:`says_absent`: that, or a thing reported absent (it must rest on a look at the sources);
- :func:`echoes_instruction`: an "answer" that only repeats the prompt's instruction;
- :func:`asks_to_store`: the goal orders something stored, in the store tool's own verbs (a
  final answer before that is premature);
- :func:`only_asks`: the goal is questions only, none a polite request to store (a store
  call then writes what the user asked about, not what they told);
- :func:`has_operands`: the goal carries numbers or quoted text to compute on;
- :func:`general_knowledge`: a question about the world, not about the user's things or a
  computation (no tool could check its answer, which then rests on the model's knowledge).

The shared vocabulary (stop words, stems, "nothing found" patterns) is in :mod:`sokrat.text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal

from sokrat import text as en

SINGLE_REQUEST_CHARS = 160
"""Longest goal the ``plan="auto"`` rule may treat as one request."""
ECHO_OVERLAP = 0.6
"""Word overlap (Jaccard) above which a question merely repeats the goal."""

_MULTI_STEP = re.compile(
    r"\b(?:then|afterwards|after that|first|finally|next|also|and (?:tell|remember|store|save|compute|find|"
    r"search|look|check|add|give|say|write))\b|[;\n]|,.*,",
    re.I,
)
_SENTENCE_END = re.compile(r"[.?!](?:\s+|$)(?=\S)")
_DIRECT = re.compile(r"^\W*answer directly\W*$", re.I)
_PERSONAL = re.compile(
    r"\b(?:i|me|my|mine|myself|we|us|our|ours|i'm|i've|i'd)\b|"
    r"\b(?:remember|recall|memory|stored?|saved?|documents?|files?|notes?|videos?|clips?|photos?|images?|"
    r"recordings?|audio|calculate|compute|count|convert|sum|average|random)\b|"
    # not timeless: the model's knowledge of these is stale or guessed
    r"\b(?:today|tomorrow|yesterday|now|current(?:ly)?|latest|recent(?:ly)?|this (?:week|month|year)|"
    r"what time|date|weather|price)\b",
    re.I,
)


def has_operands(goal: str) -> bool:
    """The goal carries data to compute on: a number, or quoted text ("reverse 'planet'")."""
    return bool(re.search(r"\d", goal)) or bool(quoted_text(goal))


_QUOTED = re.compile(r"[\"“‘]([^\"”’\n]{1,200})[\"”’]|(?<![\w])'([^'\n]{1,200})'(?![\w])")


def quoted_text(text: str) -> list[str]:
    return [a or b for a, b in _QUOTED.findall(text) if (a or b).strip()]


def general_knowledge(goal: str, *, has_media: bool) -> bool:
    """A question about the world ("How tall is Mount Fuji?"): no media, no operands (numbers or
    quoted text: those make it a computation), and nothing about the user's own things, files,
    memories or a computation. No tool here can check such an answer: its values rest on the
    model's own knowledge, and the run says so (``unverified``) instead of sending it to tools."""
    return not has_media and not has_operands(goal) and not _PERSONAL.search(goal)


_WORDS = re.compile(r"[a-z0-9_']+")


def echoes_instruction(answer: str, instruction: str) -> bool:
    """An "answer" made of the prompt's own instruction ("The plan is done."): the 1.5B
    sometimes copies the tail of its prompt instead of answering."""
    words = _WORDS.findall(answer.lower())
    if len(words) < 2 or not instruction:
        return False
    said = set(_WORDS.findall(instruction.lower()))
    return sum(w in said for w in words) / len(words) >= 0.8


_SENTENCES = re.compile(r"[^.!?\n]+[.!?]?")
_CLAUSES = re.compile(r"[,;:]|\b(?:then|and|also)\b", re.I)
_LEADING = frozenset(["please", "and", "then", "also", "now", "so", "just", "kindly"])
"""Words an imperative clause may open with before its verb."""
_REQUEST_FRAMES = tuple(sorted((f.split() for f in (
    "i want you to", "i need you to", "i would like you to", "i'd like you to", "id like you to", "make sure you",
    "make sure to", "be sure to")), key=len, reverse=True))
"""Words that frame an order before its verb ("I would like you to remember that ...")."""
_WH = frozenset(["when", "what", "where", "who", "whom", "how", "whether", "if", "why", "which"])


_OBJECTS = ("this", "that", "it", "these", "those")
"""Pronouns a phrasal store verb takes between its words."""


def asks_to_store(goal: str, verbs: Sequence[str]) -> bool:
    """The goal tells the agent to store something: a clause of a sentence that is not a
    question starts with one of ``verbs`` (the store tool's own, :attr:`Tool.stores`), matched
    by stem ("Please note that ...", "..., then save the result"), and is not followed by a
    question word ("Remember when ...?" asks, it does not order)."""
    phrases = [en.words(v) for v in verbs if en.words(v)]
    if not phrases:
        return False
    # a phrasal verb takes its object between its words: "jot this down", "keep that in mind"
    phrases += [[p[0], o, *p[1:]] for p in phrases if len(p) > 1 for o in _OBJECTS]
    stemmed = [(p[0], [en.stem(w) for w in p[1:]]) for p in phrases]
    for sentence in _SENTENCES.findall(goal):
        if sentence.strip().endswith("?"):
            continue
        for whole, tokens in _clauses(sentence):
            for words in (tokens, whole):  # whole: an opener that starts with such a word ("just so you know")
                stems = [en.stem(t) for t in words]
                for first, rest in stemmed:
                    # the order's verb as written (an imperative: "log this", not "logs show"),
                    # the words after it by stem
                    n = 1 + len(rest)
                    if (words[:1] == [first] and stems[1:n] == rest
                            and not (words[n:][:1] and words[n] in _WH)):
                        return True
    return False


def _clauses(sentence: str) -> Iterator[tuple[list[str], list[str]]]:
    """Each clause's words, as they stand and without the words that open an order ("please",
    "and then", "I'd like you to")."""
    for clause in _CLAUSES.split(sentence):
        whole = tokens = en.words(clause)
        while tokens and tokens[0] in _LEADING:
            tokens = tokens[1:]
        for frame in _REQUEST_FRAMES:
            if tokens[: len(frame)] == frame:
                tokens = tokens[len(frame):]
                break
        yield whole, tokens


def asks_besides_storing(goal: str, verbs: Sequence[str]) -> bool:
    """Besides a clause that stores (:func:`asks_to_store`), the goal asks something: a sentence
    that is a question, or a clause with a question word or "tell me" ("Note that my garden
    is 52 square metres, then tell me how many square feet that is"). "Remember that my code is 4411."
    asks nothing besides."""
    phrases = [[en.stem(w) for w in en.words(v)] for v in verbs if en.words(v)]
    for sentence in _SENTENCES.findall(goal):
        if sentence.strip().endswith("?") and not _POLITE.match(sentence.strip()):
            return True
        for _, tokens in _clauses(sentence):
            stems = [en.stem(t) for t in tokens]
            if any(stems[: len(p)] == p for p in phrases):
                continue
            if any(t in _WH for t in tokens) or tokens[:2] == ["tell", "me"] or tokens[:1] == ["compute"]:
                return True
    return False


_POLITE = re.compile(r"^\W*(?:can|could|would|will)\s+you\s+(?:please\s+|kindly\s+)?(.*)$", re.I | re.S)
"""A question that is a request: "Could you (please) note that ...?"."""


def only_asks(goal: str, verbs: Sequence[str]) -> bool:
    """Every sentence of ``goal`` is a question and none is a polite request to store in
    ``verbs`` ("Could you note that the gate code is 5521?" orders, it does not ask)."""
    sentences = [s.strip() for s in _SENTENCES.findall(goal) if s.strip()]
    if not sentences or not all(s.endswith("?") for s in sentences):
        return False
    for sentence in sentences:
        if (polite := _POLITE.match(sentence)) and asks_to_store(polite.group(1).rstrip("?") + ".", verbs):
            return False
    return True


def single_request(goal: str, *, plan: Literal["auto", "always"], human_in_the_loop: bool) -> bool:
    """A goal that is one short request with nothing to sequence (one sentence, no "then", no
    list): planning it would cost a model call and tell the planner nothing the goal does not.
    Runs that may ask a human always plan, since the plan is where the question comes from."""
    if plan != "auto" or human_in_the_loop:
        return False
    goal = goal.strip()
    return len(goal) <= SINGLE_REQUEST_CHARS and not _MULTI_STEP.search(goal) and not _SENTENCE_END.search(goal)


def echoes(question: str, goal: str) -> bool:
    """The question repeats the goal (or is empty): it settles nothing."""
    q, g = set(question.lower().split()), set(goal.lower().split())
    return not q or len(q & g) / len(q | g) >= ECHO_OVERLAP


def answer_directly(step: str) -> bool:
    return bool(_DIRECT.match(step))


def finds_nothing(answer: str) -> bool:
    return bool(en.NOTHING.search(answer))


def says_absent(answer: str) -> bool:
    """Nothing found, or a thing reported absent ("No cat was found in the video."): an answer
    that must rest on a look at the user's sources, not on none."""
    return finds_nothing(answer) or bool(en.ABSENT.search(answer))
