"""Reading a goal, a plan step or an answer by rule (no model call).

- :func:`single_request`: a goal that is one short request is its own one-step plan;
- :func:`echoes`: small models often "ask" the goal back as their clarifying question;
- :func:`answer_directly`: a plan step that only says to answer (it invites premature answers
  when real steps follow);
- :func:`finds_nothing`: an answer saying the sources hold nothing (the run ends ``no_answer``);
- :func:`says_absent`: that, or a thing reported absent (it must rest on a look at the sources);
- :func:`echoes_instruction`: an "answer" that only repeats the prompt's instruction;
- :func:`asks_to_store`: the goal orders something stored (a final answer before that is premature);
- :func:`general_knowledge`: a question about the world, not about the user's things or a
  computation (no tool could check its answer, which then rests on the model's knowledge).
"""

from __future__ import annotations

import re
from typing import Literal

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
_NOTHING = re.compile(
    r"\b(?:no (?:information|answer|record|mention|data)|"
    r"not (?:found|mentioned|available|known|specified|stated|given|provided|recorded|stored)|"
    r"(?:does|do|did)(?: not|n't) (?:say|mention|specify|state|contain)|"
    r"(?:cannot|can't|could not|couldn't|unable to) (?:\w+ )?(?:find|determine|tell|answer|provide|compute|calculate|give)|"
    r"nothing (?:found|about))\b",
    re.I,
)


_PERSONAL = re.compile(
    r"\b(?:i|me|my|mine|myself|we|us|our|ours|i'm|i've|i'd)\b|"
    r"\b(?:remember|recall|memory|stored?|saved?|documents?|files?|notes?|videos?|clips?|photos?|images?|"
    r"recordings?|audio|calculate|compute|count|convert|sum|average|random)\b|"
    # not timeless: the model's knowledge of these is stale or guessed
    r"\b(?:today|tomorrow|yesterday|now|current(?:ly)?|latest|recent(?:ly)?|this (?:week|month|year)|"
    r"what time|date|weather|price)\b",
    re.I,
)


_QUOTED = re.compile(r"(?:^|\s)['\"“‘][^'\"”’]+['\"”’](?!\w)")
_ON_TEXT = re.compile(r"\b(?:how many|count|number of|letters?|characters?|vowels?|reverse[ds]?|sort(?:ed)?)\b", re.I)
"""Quoted text with a question about its letters or counts is data to compute on (a real 1.5B
"knew" the r's in 'strawberry raspberry', wrongly); "what does 'carpe diem' mean?" is not."""


def general_knowledge(goal: str, *, has_media: bool) -> bool:
    """A question about the world ("How long is a marathon?"): no media, no number or quoted
    text to compute from, and nothing about the user's own things, files, memories or a
    computation. No tool here can check such an answer, so its values rest on the model's own
    knowledge (and are reported as such) instead of failing the run."""
    return not has_media and not re.search(r"\d", goal) and not (_QUOTED.search(goal) and _ON_TEXT.search(goal)) \
        and not _PERSONAL.search(goal)


_WORDS = re.compile(r"[a-z0-9_']+")


def echoes_instruction(answer: str, instruction: str) -> bool:
    """An "answer" made of the prompt's own instruction ("The plan is done."): the 1.5B
    sometimes copies the tail of its prompt instead of answering."""
    words = _WORDS.findall(answer.lower())
    if len(words) < 2 or not instruction:
        return False
    said = set(_WORDS.findall(instruction.lower()))
    return sum(w in said for w in words) / len(words) >= 0.8


_STORE = re.compile(
    r"(?:^|[.;:!,]\s*|\b(?:then|and|please|also)\s+)(?:remember|store|save|memori[sz]e|note down|keep in mind)\b"
    r"(?!\s+(?:when|what|where|who|how|whether|if)\b)",
    re.I,
)


def asks_to_store(goal: str) -> bool:
    """The goal tells the agent to store something ("Remember that ...", "..., then save the
    result"), as opposed to asking what it remembers ("Do you remember ...?")."""
    return bool(_STORE.search(goal.strip()))


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
    return bool(_NOTHING.search(answer))


_ABSENT = re.compile(
    r"\bno\s+(?:\w+\s+){0,2}(?:was|were|is|are)\s+(?:found|seen|visible|present|shown|mentioned|detected)\b|"
    r"\b(?:did not|didn't|could not|couldn't|cannot|can't)\s+(?:see|find|spot|detect)\b",
    re.I,
)


def says_absent(answer: str) -> bool:
    """Nothing found, or a thing reported absent ("No cat was found in the video."): an answer
    that must rest on a look at the user's sources, not on none."""
    return finds_nothing(answer) or bool(_ABSENT.search(answer))
