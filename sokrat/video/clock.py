"""The wall-clock part of a question about a collection: which day, which part of the day, and
whether it asks for the first / last time, a diary of the period or a forecast.

Rules, not a model (microseconds, and they say why). Days: "today", "this ...", "yesterday",
"on Tuesday". Parts of the day: morning (05-12), afternoon (12-18), evening / tonight (18-24),
noon / lunch (11:30-13:30), "around 8" / "at 8:30 am" (half an hour each side), "between 12
and 1 pm". A clock time with no day means the latest day with clips at that time. The words
that said it are removed; the rest goes to :mod:`sokrat.video.question`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Intent = Literal["ask", "diary", "forecast"]

PERIODS: dict[str, tuple[float, float]] = {
    "morning": (5.0, 12.0), "afternoon": (12.0, 18.0), "evening": (18.0, 24.0), "night": (18.0, 24.0),
    "noon": (11.5, 13.5), "lunch": (11.5, 13.5),
}
"""Hours of the day (start, end) each word covers."""
AROUND_H = 0.5
"""Half-width, in hours, of "around 8" / "at 8:30"."""
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_DIARY = re.compile(r"\bwhat (?:did|have) i (?:do|done|been doing)\b|\bwhat happened\b|\bhow did i spend\b"
                    r"|\bsummar(?:y|i[sz]e)\b|\bdiary\b|\bmy day\b")
_FORECAST = re.compile(r"\b(?:likely|probably|usually|next|will i|am i going to|going to)\b")
_HOUR = r"(\d{1,2})(?::(\d\d))?\s*(am|pm|a\.m\.|p\.m\.)?"


@dataclass(frozen=True)
class ClockSpec:
    text: str
    rest: str
    """The question without its clock words (for the per-clip reader)."""
    phrase: str = ""
    """The clock words, for the answer ("this morning")."""
    intent: Intent = "ask"
    order: Literal["", "first", "last"] = ""
    day: Literal["", "today", "yesterday"] = ""
    weekday: int | None = None
    hours: tuple[float, float] | None = None
    """Part of the day, in hours since midnight [start, end)."""
    after_words: str = ""
    """Forecast: "after lunch" -> "lunch" (the activity to predict from)."""
    latest_day: bool = False
    """A clock time ("around 4 pm", "at 8:30", "between 9 and 10 am") with no day and no
    first/last: it means that time on the latest day that has clips then, not every day's."""

    def contains(self, t: datetime, ref: datetime) -> bool:
        """Whether wall-clock time ``t`` is in the period; ``ref`` is "now" (its day is "today")."""
        day = t.date()
        if self.day == "today" and day != ref.date():
            return False
        if self.day == "yesterday" and day != (ref - timedelta(days=1)).date():
            return False
        if self.weekday is not None and t.weekday() != self.weekday:
            return False
        if self.hours is not None:
            h = t.hour + t.minute / 60 + t.second / 3600
            return self.hours[0] <= h < self.hours[1]
        return True


def _hour(h: str, m: str | None, suffix: str | None, *, pm_hint: bool = False) -> float:
    hour = int(h) % 24
    if hour > 23 or (m is not None and int(m) > 59):
        raise ValueError(h)
    if suffix and suffix.startswith("p") and hour < 12:
        hour += 12
    elif suffix and suffix.startswith("a") and hour == 12:
        hour = 0
    elif not suffix and pm_hint and hour < 12:
        hour += 12
    return hour + (int(m) / 60 if m else 0.0)


def _between(m: re.Match[str]) -> tuple[float, float]:
    end = _hour(m[4], m[5], m[6])
    start = _hour(m[1], m[2], m[3])
    if not m[3] and m[6]:  # "between 11 and 1 pm": the first hour is the reading not after the second
        options = [start, start + 12] if start < 12 else [start]
        start = max((o for o in options if o <= end), default=start)
    if end <= start:
        end += 12 if end + 12 > start and end < 12 else 24
    return start, min(end, 24.0)


def _around(m: re.Match[str]) -> tuple[float, float]:
    hour = int(m[1])
    h = _hour(m[1], m[2], m[3], pm_hint=not m[3] and 1 <= hour <= 6)  # "around 3": the afternoon
    return max(h - AROUND_H, 0.0), min(h + AROUND_H, 24.0)


def parse_clock(text: str) -> ClockSpec:
    """Read the clock words of ``text`` (never fails: no clock words is the whole collection)."""
    q = " ".join(text.lower().replace("’", "'").split())
    phrases: list[str] = []
    rest = q

    def take(pattern: str) -> re.Match[str] | None:
        nonlocal rest
        m = re.search(pattern, rest)
        if m:
            phrases.append(m.group(0).strip())
            rest = (rest[: m.start()] + " " + rest[m.end():]).strip()
        return m

    intent: Intent = "forecast" if _FORECAST.search(q) else "diary" if _DIARY.search(q) else "ask"
    after_words = ""
    if intent == "forecast":
        m = re.search(r"\bafter (?:the |my )?([a-z]+)", q)
        after_words = m[1] if m else ""
    day: Literal["", "today", "yesterday"] = ""
    weekday = None
    hours: tuple[float, float] | None = None
    if take(r"\byesterday\b"):
        day = "yesterday"
    elif take(r"\btoday\b") or re.search(r"\bthis (?:morning|afternoon|evening)\b|\btonight\b", rest):
        day = "today"
    m = take(r"\bon (" + "|".join(WEEKDAYS) + r")\b")
    if m:
        weekday = WEEKDAYS.index(m[1])
    clock_time = False
    if (m := take(rf"\bbetween {_HOUR} and {_HOUR}")) is not None:
        try:
            hours, clock_time = _between(m), True
        except ValueError:
            hours = None
    elif (m := take(rf"\b(?:around|about|at|near) {_HOUR}(?= |\?|$|,|\.)")) is not None and (m[2] or m[3] or
                                                                                             int(m[1]) <= 12):
        try:
            hours, clock_time = _around(m), True
        except ValueError:
            hours = None
    elif intent != "forecast" and (m := take(r"\b(?:(?:this|in the|at|during the|around|over) )?"
                                             r"(morning|afternoon|evening|night|noon|lunch(?:time)?)\b|\btonight\b")):
        hours = PERIODS["night" if m.group(0) == "tonight" else m[1].replace("time", "")]
    order: Literal["", "first", "last"] = ""
    if re.search(r"\bfirst\b", q):
        order = "first"
    elif re.search(r"\b(?:last|latest|most recent)\b", q) and not re.search(r"\blast (?:night|week)\b", q):
        order = "last"
    # a part of the day ("in the evening") still spans the days: it names no one moment
    latest = clock_time and intent != "forecast" and not day and weekday is None and not order
    return ClockSpec(text=text, rest=rest, phrase=" ".join(phrases), intent=intent, order=order, day=day,
                     weekday=weekday, hours=hours, after_words=after_words, latest_day=latest)


__all__ = ["ClockSpec", "PERIODS", "parse_clock"]
