"""Shared English vocabulary for reading goals, answers and tool outputs by rule (layer 0).

One home for what the planner's checks and the tool choice both need: stop words (NLTK's
English list, as bm25s ships it), content words, a stemmer (Snowball's English stemmer, from
``snowballstemmer``), and the patterns of an answer that says nothing is known. Both lists come
from libraries rather than hand lists, so no rule here is shaped to one goal.
"""

from __future__ import annotations

import re
import zlib
from functools import cache

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@cache
def stop_words() -> frozenset[str]:
    """English function words (NLTK's list of 179, shipped by bm25s)."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


@cache
def _stemmer() -> object:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@cache
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one lower-case word: ``stored``/``storing`` -> ``store``."""
    return str(_stemmer().stemWord(word.lower()))  # type: ignore[attr-defined]


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters and digits; an apostrophe suffix stays on its word)."""
    return _WORD.findall(text.lower())


def content_words(text: str) -> set[str]:
    """Lower-case words of 3+ characters that are not stop words (numbers count)."""
    stop = stop_words()
    return {w for w in words(text) if (len(w) >= 3 or w.isdigit()) and w not in stop}


def content_stems(text: str) -> set[str]:
    """The stems of :func:`content_words` (``appears`` and ``appeared`` match)."""
    return {stem(w) for w in content_words(text)}


_QUESTION = re.compile(r"[^.!?\n]*\?")
def questions(text: str) -> list[str]:
    """The sentences of ``text`` that end with a question mark."""
    return _QUESTION.findall(text)


_AUXILIARY = re.compile(r"(?:^|[:;])\W*(?:is|are|was|were|am|do|does|did|has|have|had|can|could|will|would|should|shall|"
                        r"may|might|must)\b", re.I)
_SAYS_YES_NO = re.compile(r"\b(?:answer|reply|say)(?: with)? (?:yes or no|yes/no)\b", re.I)


def yes_no_question(text: str) -> bool:
    """``text`` asks a yes/no question: a question that opens with an auxiliary verb ("Is 91
    prime?", "Tell me: does it ...?") and offers no two options ("is it red or blue?" is not), or it says "answer yes or
    no"."""
    if _SAYS_YES_NO.search(text):
        return True
    return any(_AUXILIARY.search(q) and either_or(q) is None for q in questions(text))


_ARTICLES = frozenset(["a", "an", "the", "some", "my", "your", "his", "her", "their", "our"])


def either_or(text: str) -> tuple[list[str], list[str]] | None:
    """The two options of an either-or question ("is it on the left or the right of the sink?"
    -> ``["left"], ["right"]``): the content words after "or" (articles skipped) up to the next
    stop word, and as many before it. None when ``text`` asks no such question: no "?", an option that
    is a function word ("before or after the bus?" is not read: which thing is unclear), or
    "... or not?"."""
    stop = stop_words()
    for question in questions(text):
        tokens = re.findall(r"[\w'-]+|[^\w\s]", question.lower())
        if "or" not in tokens:
            continue
        i = tokens.index("or")

        def phrase(side: list[str], most: int = 3) -> list[str]:
            while side and side[0] in _ARTICLES:
                side = side[1:]
            taken: list[str] = []
            for t in side[:most]:
                if t in stop or not t[0].isalnum():
                    break
                taken.append(t)
            return taken

        # coordinated phrases are parallel: the left option is as long as the right one
        right = phrase(tokens[i + 1:])
        left = phrase(tokens[:i][::-1], len(right))[::-1]
        if left and right:
            return left, right
    return None


NOTHING = re.compile(
    r"\b(?:no (?:information|answer|record|mention|data)|"
    r"not (?:found|mentioned|available|known|specified|stated|given|provided|recorded|stored)|"
    r"(?:does|do|did)(?: not|n't) (?:say|mention|specify|state|contain)|"
    r"(?:cannot|can't|could not|couldn't|unable to|am not able to) (?:\w+ )?(?:find|determine|tell|answer|provide|compute|"
    r"calculate|give|help with|assist with)|"
    r"(?:cannot|can't|could not|couldn't) be (?:found|determined|told|answered|computed|calculated)|"
    r"nothing (?:found|about))\b",
    re.I,
)
"""An answer saying the sources hold nothing that answers, or that the model cannot answer."""

ABSENT = re.compile(
    r"\bno\s+(?:\w+\s+){0,2}(?:was|were|is|are)\s+(?:found|seen|visible|present|shown|mentioned|detected)\b|"
    r"\b(?:did not|didn't|could not|couldn't|cannot|can't)\s+(?:see|find|spot|detect)\b",
    re.I,
)
"""An answer reporting a thing absent ("No cat was seen")."""

_YES = re.compile(r"^\W*yes\b|\byes\b[,.]", re.I)
_NO = re.compile(r"^\W*no\b|\bno\b[,.]|\b(?:not|never|no \w+ (?:was|were|is|are)|(?:is|are|was|were) no)\b|"
                 r"\bdid(?: not|n't)\b|\bdoes(?: not|n't)\b", re.I)


def polarity(text: str) -> bool | None:
    """True for a yes-answer, False for a no-answer, None when it is neither or both."""
    yes, no = bool(_YES.search(text)), bool(_NO.search(text))
    return None if yes == no else yes

NUMBER_WORDS = frozenset(
    ["zero", "none", "no", "once", "twice", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
     "ten", "eleven", "twelve", "dozen", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million",
     "billion", "half", "quarter"])
"""English words that state an amount without digits."""


COMPRESSION_RATIO_THRESHOLD = 2.4
"""whisper's threshold: text that zlib shrinks more than this is a decoding loop."""


def repetitive(text: str) -> bool:
    """``text`` is a decoding loop ("\\b\\b\\b...", one phrase over and over): whisper's
    compression-ratio test, on texts of 100 bytes or more."""
    data = text.encode()
    return len(data) >= 100 and len(data) / len(zlib.compress(data)) > COMPRESSION_RATIO_THRESHOLD
