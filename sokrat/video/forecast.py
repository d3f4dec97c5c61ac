"""What comes next, from the routine across days: which activity usually follows the current one.

Each clip's activity is its most seen place / activity label, else its most seen thing (counted
over its shots). Per day the clips in clock order make a sequence; the forecast counts what
followed the current activity on the other days, and answers with the most frequent successor,
its basis (days and times) and a confidence (the share of those days it followed). With no
earlier occurrence to go on, it says so (``no_answer``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from sokrat.perception.words import parse_labels
from sokrat.types import Result, StepRecord
from sokrat.video.clock import PERIODS
from sokrat.video.qa import match_entries
from sokrat.video.question import content_words

if TYPE_CHECKING:
    from sokrat.video.clock import ClockSpec
    from sokrat.video.collection import ClipInfo, Collection

TOP_THINGS = 2
"""Things that name a clip's activity when no place or activity label does."""
MIN_DAYS = 2
"""Days a successor must be seen on before it is called a routine."""


def activity(coll: Collection, clip: ClipInfo) -> str:
    """The clip's activity: its most seen place / activity label, else its two most seen things."""
    places: Counter[str] = Counter()
    things: Counter[str] = Counter()
    for e in coll.qa.log(clip.log_id).entries:
        for item in parse_labels(e.seen):
            if item.kind in ("place", "activity"):
                places[item.word] += 1
            elif item.kind == "object":
                things[item.word] += 1
    if places:
        return places.most_common(1)[0][0]
    # Two things, not one: a single image label is often wrong, two name the scene more surely.
    top = [w for w, _ in things.most_common(TOP_THINGS)]
    return " and ".join(top) if top else "(nothing named)"


def forecast(coll: Collection, spec: ClockSpec, *, now: datetime | None = None,
             steps: list[StepRecord]) -> Result:
    from sokrat.video.collection import hhmm

    clips = coll.clips()
    acts = {c.clip_id: activity(coll, c) for c in clips}
    days: dict[str, list[ClipInfo]] = {}
    for c in clips:
        days.setdefault(c.clock_start.date().isoformat(), []).append(c)
    today = (now or max(c.clock_start for c in clips)).date().isoformat()
    words = content_words(spec.after_words) if spec.after_words else ()
    if spec.after_words in PERIODS:  # "after lunch": per day, the last clip of that part of the day
        lo, hi = PERIODS[spec.after_words]
        current = [[c for c in seq if lo <= c.clock_start.hour + c.clock_start.minute / 60 < hi][-1]
                   for seq in days.values() if any(lo <= c.clock_start.hour + c.clock_start.minute / 60 < hi
                                                   for c in seq)]
        what = spec.after_words
    elif words:  # "after the gym": the clips that show or mention it are "the current one"
        current = [c for c in clips if match_entries(words, coll.qa.log(c.log_id).entries)
                   or spec.after_words in acts[c.clip_id]]
        what = spec.after_words
    else:
        latest = days.get(today) or days[max(days)]
        current = [c for c in clips if acts[c.clip_id] == acts[latest[-1].clip_id]]
        what = acts[latest[-1].clip_id]
    followed: Counter[str] = Counter()
    basis: dict[str, list[str]] = {}
    seen_days: set[str] = set()
    for c in current:
        day = c.clock_start.date().isoformat()
        seq = days[day]
        i = seq.index(c)
        if i + 1 < len(seq) and day not in seen_days:
            nxt = seq[i + 1]
            seen_days.add(day)
            followed[acts[nxt.clip_id]] += 1
            basis.setdefault(acts[nxt.clip_id], []).append(f"{day} {hhmm(c.clock_start)}->{hhmm(nxt.clock_start)} "
                                                          f"({nxt.source})")
    steps.append(StepRecord(index=len(steps), tool="routine", arguments={"after": what},
                            observation=f"activities: {sorted(set(acts.values()))}; after {what}: {dict(followed)}"))
    if not current:
        return Result(answer=f"I have no routine to go on: nothing in the collection shows {what}.", steps=steps,
                      status="no_answer", reason="the current activity is not in the collection")
    if not followed or followed.most_common(1)[0][1] < MIN_DAYS:
        n = sum(followed.values())
        return Result(answer=f"I have no routine to go on: {what} is followed by something on {n} day(s) of "
                             f"{len(days)}, fewer than {MIN_DAYS}.", steps=steps, status="no_answer",
                      reason="no activity repeats after this one across days")
    best, count = followed.most_common(1)[0]
    total = sum(followed.values())
    confidence = count / total
    text = (f"Probably {best} next (confidence {confidence:.0%}): after {what}, {best} followed on {count} of "
            f"{total} day(s) ({'; '.join(basis[best])}).")
    from sokrat.video.collection import evidence_of

    evidence = []
    for c in clips:
        if acts[c.clip_id] == best:
            entries = coll.qa.log(c.log_id).entries
            if entries:
                evidence.append(evidence_of(c, entries[0]))
    return Result(answer=text, evidence=evidence[:3], steps=steps)


__all__ = ["activity", "forecast"]
