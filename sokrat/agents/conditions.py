"""Conditions a goal puts on the number it asks for, read by rule and tested on the answer.

"Find the smallest number greater than 500 that is divisible by 4 and 9" asks for ONE number
and says what it must satisfy: each condition can be tested on the answer without knowing the
answer. A number that fails one is wrong whatever code printed it (a wrong program run is still
wrong, and a second program from the same model may repeat its mistake), so the verifier's
``breaks_condition`` check sends such an answer back.

Read only from goals that ask for a single number ("the smallest number ...", "a multiple of 12
..."): not "how many numbers ..." (a count), "the number of days" (a quantity), "numbers" (many),
or a yes/no question about a given number ("is 91 a multiple of 7?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUM = r"(-?\d[\d,]*(?:\.\d+)?)"
_LIST = r"(\d+(?:\s*(?:,|,?\s*and|,?\s*or)\s*\d+)*)"
"""Divisors: "7", "7 and 9", "3, 4, and 5" (thousands are written without commas there)."""

_ASKS_ONE_NUMBER = re.compile(
    r"\b(?:the|a|an|which|what|one)\s+(?:(?:smallest|largest|lowest|highest|biggest|greatest|least|first|next|"
    r"only|single)\s+)?(?:(?:positive|negative|whole|natural|odd|even|prime|\d+-digit|[a-z]+-digit)\s+)*"
    r"(?:number|integer|multiple|prime)\b(?!s)(?!\s+of\s+(?!\d))",
    re.I,
)
"""The goal asks for one number: "the smallest number", "a multiple of 12", "which integer"
(not "the number of days", "numbers")."""
_YES_NO = re.compile(r"^\W*(?:is|are|does|do|can|could|would|will|was|were)\b", re.I)
_COUNT = re.compile(r"\bhow\s+(?:many|much|often)\b", re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+|\n")

_ABOVE = re.compile(r"(?<!no )(?<!not )\b(?:greater|larger|bigger|higher|more)\s+than\s+" + _NUM + r"|\b(?:above|exceeding|exceeds)\s+"
                    + _NUM, re.I)
_BELOW = re.compile(r"(?<!no )(?<!not )\b(?:less|smaller|lower|fewer)\s+than\s+" + _NUM + r"|\b(?:below|under)\s+" + _NUM, re.I)
_AT_LEAST = re.compile(r"\b(?:at\s+least|no\s+less\s+than|not\s+less\s+than)\s+" + _NUM, re.I)
_AT_MOST = re.compile(r"\b(?:at\s+most|no\s+more\s+than|not\s+more\s+than)\s+" + _NUM, re.I)
_DIVISIBLE = re.compile(r"\b(?:divisible\s+by|multiple\s+of|multiples\s+of|divided\s+evenly\s+by)\s+" + _LIST, re.I)
_PARITY = re.compile(r"\b(odd|even)\b", re.I)
_PRIME = re.compile(r"\bprime\b", re.I)
_NEGATED = re.compile(r"\bnot\s+(?:be\s+)?$", re.I)


@dataclass(frozen=True)
class Condition:
    """One condition on the asked number: ``kind`` is ``>``, ``<``, ``>=``, ``<=``, ``divisible``,
    ``odd``, ``even`` or ``prime``; ``value`` the bound or divisor (0 for the rest)."""

    kind: str
    value: float = 0.0

    def holds(self, x: float) -> bool:
        if self.kind == ">":
            return x > self.value
        if self.kind == "<":
            return x < self.value
        if self.kind == ">=":
            return x >= self.value
        if self.kind == "<=":
            return x <= self.value
        if not float(x).is_integer():
            return False  # divisibility, parity and primality are about whole numbers
        n = int(x)
        if self.kind == "divisible":
            return self.value != 0 and n % int(self.value) == 0
        if self.kind in ("odd", "even"):
            return (n % 2 == 1) == (self.kind == "odd")
        return _is_prime(n)

    def __str__(self) -> str:
        words = {">": "greater than", "<": "less than", ">=": "at least", "<=": "at most",
                 "divisible": "divisible by"}
        if self.kind in words:
            return f"{words[self.kind]} {self.value:g}"
        return self.kind


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    i = 2
    while i * i <= n and i < 10**6:  # trial division: goals ask about small numbers
        if n % i == 0:
            return False
        i += 1
    return True


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _unnegated(sentence: str, m: re.Match[str]) -> bool:
    return not _NEGATED.search(sentence[:m.start()])


def read(goal: str) -> list[Condition]:
    """The conditions on the one number the goal asks for, from the sentence that asks for it
    (after the words that ask: "the smallest number greater than 500 that is divisible by 4 and
    9" -> greater than 500, divisible by 4, divisible by 9). Empty when the goal asks for no
    single number, or puts no condition on it."""
    if _YES_NO.search(goal) or _COUNT.search(goal):
        return []
    for sentence in _SENTENCE_BREAK.split(goal):
        asked = _ASKS_ONE_NUMBER.search(sentence)
        if asked is None:
            continue
        rest = sentence[asked.start():]
        found: list[Condition] = []
        for pattern, kind in ((_ABOVE, ">"), (_BELOW, "<"), (_AT_LEAST, ">="), (_AT_MOST, "<=")):
            found += [Condition(kind, _number(m.group(m.lastindex or 1))) for m in pattern.finditer(rest)
                      if _unnegated(rest, m)]
        for m in _DIVISIBLE.finditer(rest):
            if _unnegated(rest, m):
                found += [Condition("divisible", _number(d)) for d in re.findall(r"\d+", m.group(1))
                          if _number(d) != 0]
        found += [Condition(m.group(1).lower()) for m in _PARITY.finditer(rest) if _unnegated(rest, m)]
        found += [Condition("prime") for m in _PRIME.finditer(rest) if _unnegated(rest, m)]
        return list(dict.fromkeys(found))
    return []


def unmet(goal: str, numbers: list[float]) -> list[Condition]:
    """The goal's conditions that no number of the answer meets all of: empty when one number
    meets every condition (or the goal states none, or the answer has no number). Returns the
    conditions the best candidate (the one meeting most) fails."""
    conditions = read(goal)
    if not conditions or not numbers:
        return []
    best = min(numbers, key=lambda x: sum(not c.holds(x) for c in conditions))
    return [c for c in conditions if not c.holds(best)]
