"""What a task is and how its answer is checked: shared by the dev and held-out task lists.

A check is a plain predicate over the agent's answer text: exact numbers (with a tolerance),
a number inside a range, accepted words (regexes), yes/no polarity, and "this and not that"
for questions about one field of a record that has several (the answer must not carry the
value of a neighbouring field instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Check = Callable[[str], bool]
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def _numbers(text: str) -> list[float]:
    return [float(n) for n in _NUM.findall(re.sub(r"(?<=\d),(?=\d{3})", "", text))]


def number(expected: float, tol: float = 1e-6) -> Check:
    return lambda answer: any(abs(n - expected) <= tol * max(1.0, abs(expected)) for n in _numbers(answer))


def number_in(lo: float, hi: float) -> Check:
    return lambda answer: any(lo <= n <= hi for n in _numbers(answer))


def words(*alternatives: str) -> Check:
    """Any of the alternatives (regexes, case-insensitive)."""
    return lambda answer: any(re.search(a, answer, re.I) for a in alternatives)


def but_not(check: Check, *wrong: str) -> Check:
    """``check`` passes and none of the ``wrong`` regexes (case-insensitive) occur: the value of
    another field of the same record does not count as the asked one."""
    return lambda answer: check(answer) and not any(re.search(w, answer, re.I) for w in wrong)


def either(*checks: Check) -> Check:
    return lambda answer: any(c(answer) for c in checks)

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december")


def date_patterns(month: str, day: int, year: int | None = None) -> tuple[str, ...]:
    """Regexes for one date written in the usual ways (month names, ISO, day/month/year)."""
    m, mm = month[:3], _MONTHS.index(month) + 1
    out = [rf"\b{m}[a-z]*\.?\s+{day}(st|nd|rd|th)?\b", rf"\b{day}(st|nd|rd|th)?\s+(of\s+)?{m}[a-z]*\b"]
    if year is None:
        out.append(rf"-{mm:02d}-{day:02d}\b")
    else:
        out += [rf"\b{year}-{mm:02d}-{day:02d}\b", rf"\b0?{day}[./]0?{mm}[./]{year}\b",
                rf"\b0?{mm}/0?{day}/{year}\b"]
    return tuple(out)


def date(month: str, day: int, year: int | None = None) -> Check:
    """One date, in any of the usual ways to write it."""
    return words(*date_patterns(month, day, year))



def yes(answer: str) -> bool:
    return bool(re.search(r"\byes\b", answer, re.I)) and not re.search(r"\bno\b", answer, re.I)


def no(answer: str) -> bool:
    return bool(re.search(r"\b(no|not|none|never)\b", answer, re.I)) and not re.search(r"\byes\b", answer, re.I)


@dataclass(frozen=True)
class Task:
    id: str
    group: str
    goal: str
    check: Check
    media: tuple[str, ...] = ()
    """Media names resolved by the world (``bikes.mp4``, ``day.mp4``)."""
    before: tuple[str, ...] = ()
    """Goals run first, as separate runs of the same agent (remember then recall)."""
    memory_check: str = ""
    """A text the long-term memory must hold after the run (the task stored something)."""
    documents: bool = False
    """The run searches the split's indexed documents."""
