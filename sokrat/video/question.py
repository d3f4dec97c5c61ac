"""What a question about a video asks, read before any retrieval: its type, the thing it is
about, and the time it points at.

Types: ``yes_no`` ("was there a rabbit?"), ``when`` ("when did I see the rocket?"), ``count``
("how many times ..."), ``said`` ("what did I say about ...") and ``what`` (what / where /
who / which, answered from the evidence). Time forms: the beginning, end, middle, first or
second half; the first / last time something appears; before, after, right before, right
after and between things or times; "at 1:30", "at 90 seconds", "in the second minute",
"in the first / last 20 seconds". Rules, not a model: they run in microseconds and say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sokrat.text import either_or

QuestionKind = Literal["yes_no", "when", "count", "said", "what"]
TimeKind = Literal["window", "beginning", "end", "middle", "first_half", "second_half", "first_time", "last_time",
                   "before", "after", "right_before", "right_after", "between"]


@dataclass(frozen=True)
class TimeSpec:
    """The temporal part of a question."""

    kind: TimeKind
    start: float | None = None
    """``window``: media seconds it starts at (None: the start); ``end`` below likewise."""
    end: float | None = None
    from_end: bool = False
    """``window`` measured back from the video's end ("in the last 20 seconds")."""
    anchors: tuple[str, ...] = ()
    """What ``before``/``after``/``between`` refer to, when they name things, not times."""
    phrase: str = ""
    """The words that said it ("right after the cat"), for the answer."""


@dataclass(frozen=True)
class Question:
    text: str
    kind: QuestionKind
    target: str
    """The thing asked about, question words and time removed ("rabbit", "keys")."""
    time: TimeSpec | None = None
    modality: Literal["any", "seen", "said"] = "any"
    """``said``: the question is about speech ("did I mention ..."); ``seen``: about pictures."""
    perception_verb: bool = False
    """It asks when something was seen / heard / shown, not about a fact that was said."""
    words: tuple[str, ...] = field(default=())
    """Content words of the target, lower case (its main verb left out when something else is
    left: "where did I leave my mug?" is about the mug)."""
    verbs: tuple[str, ...] = ()
    """Lemmas of the words read as verbs ("leave")."""
    options: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    """The two options of an either-or question ("on the left or the right?"), else None."""


_NUM = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_T = r"(\d+:\d{1,2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:s\b|sec\b|secs\b|seconds?\b)|\d+(?:\.\d+)?\s*(?:min\b|mins\b|minutes?\b))"
_ART = r"(?:the |a |an |my |some |that |this )?"
_THING = r"([a-z][a-z' -]*?)"
_STOPPERS = r"(?=\s*(?:\?|,|\.|;|$|\band\b|\bat the\b|\bin the (?:first|second|last|middle|end|beginning)\b|\bwhile\b|\bwhen\b))"

_SAID_VERBS = r"\b(say|says|said|mention|mentions|mentioned|tell|told|talk|talked|talking|speak|spoke|hear|heard|narrat\w*|voice)\b"
_SEEN_VERBS = r"\b(see|saw|seen|show|shows|shown|showed|appear|appears|appeared|visible|film|filmed|spot|spotted|notice|noticed|watch|watched|look|looked)\b"
_PERCEPTION = _SEEN_VERBS[:-3] + r"|hear|heard|say|said|mention|mentioned)\b"
_TALKING_INTO = re.compile(r"\b(?:talk|talks|talking|talked|speak|speaks|speaking|spoke)\s+(?:on|into)\s+(?:(?:a|an|the|"
                           r"his|her|their|my|your|its)\s+)?(?:\w+\s+)?(?:phone|telephone|cellphone|mobile|radio|"
                           r"microphone|walkie-talkie)s?\b")
"""Talking on a phone or into a microphone is something seen someone do, not speech asked about."""

_FILLER = set(["a", "an", "the", "this", "that", "these", "those", "there", "here", "it", "its", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had", "can", "could", "will", "would", "should", "shall", "may", "might", "must", "i", "me", "my", "mine", "myself", "you", "your", "we", "our", "us", "he", "she", "him", "her", "his", "they", "them", "their", "what", "when", "where", "who", "whom", "whose", "which", "why", "how", "kind", "sort", "type", "of", "in", "on", "at", "to", "for", "with", "by", "from", "about", "as", "any", "some", "anything", "something", "everything", "thing", "things", "please", "video", "clip", "one", "ones", "get", "got", "go", "went", "see", "saw", "seen", "show", "shows", "shown", "showed", "appear", "appears", "appeared", "visible", "look", "looked", "watch", "watched", "notice", "noticed", "spot", "spotted", "film", "filmed", "say", "says", "said", "mention", "mentioned", "tell", "told", "talk", "talked", "speak", "spoke", "hear", "heard", "time", "times", "many", "much", "often", "number", "count", "did", "does", "kind", "point", "moment", "also", "else", "again", "just", "really", "actually", "ever",
               # "what is happening on Friday?" asks for the event; the day names it
               "happen", "happens", "happening", "happened", "going"])


def parse_time_value(text: str) -> float:
    """``1:30`` -> 90, ``45 s`` -> 45, ``2 minutes`` -> 120."""
    text = text.strip()
    if ":" in text:
        m, s = text.split(":", 1)
        return int(m) * 60 + float(s)
    number = float(re.match(r"[\d.]+", text).group(0))  # type: ignore[union-attr]
    return number * 60 if re.search(r"min", text) else number


def _num(word: str) -> int | None:
    return int(word) if word.isdigit() else _NUM.get(word)


def _time_spec(q: str) -> tuple[TimeSpec | None, str]:
    """The first time expression found, and the question with it removed."""
    rules: list[tuple[str, object]] = [
        (rf"\bbetween {_T} and {_T}",
         lambda m: TimeSpec("window", parse_time_value(m[1]), parse_time_value(m[2]))),
        (r"\b(?:in|during) the (first|last) (\d+|\w+) (seconds?|minutes?)\b",
         lambda m: TimeSpec("window", 0.0, (_num(m[2]) or 1) * (60 if m[3].startswith("min") else 1),
                            from_end=m[1] == "last")),
        (r"\b(?:in|during) the (first|last|final|opening|closing) (seconds?|minute|moments?)\b",
         lambda m: TimeSpec("window", 0.0, 60.0 if m[2] == "minute" else 10.0,
                            from_end=m[1] in ("last", "final", "closing"))),
        (r"\b(?:in|during) the (\w+) minute\b",
         lambda m: TimeSpec("window", 60.0 * ((_num(m[1]) or 1) - 1), 60.0 * (_num(m[1]) or 1))),
        (rf"\b(?:at|around|near|about) (?:the )?(?:time |mark )?{_T}(?: mark)?",
         lambda m: TimeSpec("window", parse_time_value(m[1]), parse_time_value(m[1]))),
        (r"\b(?:at|around) (?:second|minute) (\d+(?:\.\d+)?)",
         lambda m: TimeSpec("window", float(m[1]), float(m[1]))),
        (rf"\b(before|after|until|since|from) {_T}",
         lambda m: TimeSpec("window", parse_time_value(m[2]), None) if m[1] in ("after", "since", "from")
         else TimeSpec("window", None, parse_time_value(m[2]))),
        (rf"\bbetween {_ART}{_THING} and {_ART}{_THING}{_STOPPERS}",
         lambda m: TimeSpec("between", anchors=(m[1].strip(), m[2].strip()))),
        (rf"\b(?:right|just|immediately|directly|straight) (after|before) {_ART}{_THING}{_STOPPERS}",
         lambda m: TimeSpec("right_after" if m[1] == "after" else "right_before", anchors=(m[2].strip(),))),
        (rf"\b(?:after|following) {_ART}{_THING}{_STOPPERS}",
         lambda m: TimeSpec("after", anchors=(m[1].strip(),))),
        (rf"\b(?:before|prior to) {_ART}{_THING}{_STOPPERS}",
         lambda m: TimeSpec("before", anchors=(m[1].strip(),))),
        (r"\b(?:for the )?(first) time\b|\b(?:did i |do i |was |were )?(first) (?=see|saw|spot|notice|appear|show|hear|mention)",
         lambda m: TimeSpec("first_time")),
        (r"\b(?:for the )?(last) time\b|\b(?:did i |do i |was |were )?(last) (?=see|saw|spot|notice|appear|show|hear|mention)",
         lambda m: TimeSpec("last_time")),
        (r"\b(?:at|in) the (?:very )?(?:beginning|start)\b|\bat first\b|\binitially\b|\bto (?:begin|start) with\b"
         r"|\bfirst thing\b|\bopening (?:shot|scene)\b|\b(?:see|saw|show|shown|appear|appeared|say|said|tell|told|mention|mentioned"
         r"|hear|heard) first\b|\bfirst (?:shot|scene)\b",
         lambda m: TimeSpec("beginning")),
        (r"\b(?:at|in) the (?:very )?end\b|\bfinally\b|\bat last\b|\blast thing\b|\bclosing (?:shot|scene)\b"
         r"|\bending\b|\b(?:see|saw|show|shown|appear|appeared|say|said|tell|told|mention|mentioned|hear|heard) last\b"
         r"|\blast (?:shot|scene)\b",
         lambda m: TimeSpec("end")),
        (r"\bin the (?:very )?middle\b|\bhalfway\b", lambda m: TimeSpec("middle")),
        (r"\b(?:in|during) the first half\b", lambda m: TimeSpec("first_half")),
        (r"\b(?:in|during) the second half\b", lambda m: TimeSpec("second_half")),
    ]
    for pattern, make in rules:
        m = re.search(pattern, q)
        if m:
            spec: TimeSpec = make(m)  # type: ignore[operator]
            spec = TimeSpec(spec.kind, spec.start, spec.end, spec.from_end, spec.anchors, m.group(0).strip())
            return spec, (q[: m.start()] + " " + q[m.end():]).strip()
    return None, q


_POSSESSIVE = re.compile(r"'s$|(?<=s)'$")
"""A possessive ending ("dog's", "Charles'"): the word is the thing ("dog"), as the log writes it."""


def content_words(text: str) -> tuple[str, ...]:
    """The words of ``text`` that name things, lower case, possessives as their noun ("my dog's
    name" -> dog, name)."""
    words = (_POSSESSIVE.sub("", w) for w in re.findall(r"[a-z0-9][a-z0-9'-]*", text.lower().replace("’", "'")))
    return tuple(w for w in words if w and w not in _FILLER)


_AUX = frozenset(["do", "does", "did", "will", "would", "can", "could", "should", "shall", "may", "might", "must"])
_BE = frozenset(["am", "is", "are", "was", "were"])
_SUBJECT = frozenset(["i", "you", "he", "she", "we", "they", "it", "someone", "somebody", "anyone", "anybody"])
_ADVERB = frozenset(["first", "last", "just", "ever", "never", "also", "really", "actually", "still", "finally"])


def verbs_in(text: str) -> dict[str, str]:
    """Words of a question in a verb's place, with their lemmas: ``{"left": "leave"}``.

    No part-of-speech tagger installs offline here (NLTK's and spaCy's taggers need data
    downloads), so this is a small rule over an English question's syntax, backed by WordNet's
    verb lexicon: the word after an auxiliary and its subject ("did I *leave*", "will you
    *park*"; adverbs like "first" skipped), a "-ing" word after a form of "be" and its subject
    ("was I *sitting*"), and a verb after "to" that follows one ("forget to *buy*"). Such a
    word is a verb when WordNet has it as one, even if it is also a noun (leave, park, mug)."""
    from sokrat.perception.words import verb_lemma

    tokens = re.findall(r"[a-z][a-z'-]*", text.lower().replace("’", "'"))
    found: dict[str, str] = {}
    for i, tok in enumerate(tokens[:-2]):
        if tokens[i + 1] not in _SUBJECT or (tok not in _AUX and tok not in _BE):
            continue
        j = i + 2
        while j < len(tokens) and tokens[j] in _ADVERB:
            j += 1
        if j >= len(tokens) or (tok in _BE and not tokens[j].endswith("ing")):
            continue
        lemma = verb_lemma(tokens[j])
        if lemma is None:
            continue
        found[tokens[j]] = lemma
        if j + 2 < len(tokens) and tokens[j + 1] == "to" and (nxt := verb_lemma(tokens[j + 2])) is not None:
            found[tokens[j + 2]] = nxt
    return found


def parse_question(text: str) -> Question:
    """Read ``text`` into a :class:`Question` (never fails: unknown shapes are ``what``)."""
    q = " ".join(text.lower().replace("’", "'").split())
    time, rest = _time_spec(q)
    said_verb = re.search(_SAID_VERBS, _TALKING_INTO.sub(" ", q)) is not None
    seen_verb = re.search(_SEEN_VERBS, q) is not None
    kind: QuestionKind
    if re.match(r"(how many|how often|how much times)\b|.*\bnumber of\b", q):
        kind = "count"
    elif re.match(r"(when|at what time|what time|at which point|at what point|how far into)\b", q):
        kind = "when"
    elif re.match(r"(is|are|was|were|do|does|did|have|has|had|can|could|will|would|should|shall)\b", q):
        kind = "yes_no"
    elif said_verb and re.match(r"(what|who|which|tell me what)\b", q):
        kind = "said"
    else:
        kind = "what"
    modality: Literal["any", "seen", "said"] = "said" if said_verb and not seen_verb else (
        "seen" if seen_verb and not said_verb else "any")
    verbs = verbs_in(q)
    words = content_words(rest)
    things = tuple(w for w in words if w not in verbs)
    words = things or words
    either = either_or(q) if kind in ("yes_no", "what", "said") else None
    options = (tuple(either[0]), tuple(either[1])) if either else None
    return Question(text=text, kind=kind, target=" ".join(words), time=time, modality=modality,
                    perception_verb=re.search(_PERCEPTION, q) is not None, words=words,
                    verbs=tuple(dict.fromkeys(verbs.values())), options=options)
