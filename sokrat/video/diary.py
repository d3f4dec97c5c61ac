"""A collection read as a diary: per day and part of the day, what was seen, where, and said.

Each period's summary is built from its shots' labels (counted over shots, so a thing seen
for long ranks first) and the speech heard, never from the whole log in one prompt, and is
cached in Redis under the collection's content key (adding or removing a clip changes the
key, so a stale summary is never read).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sokrat.perception.words import parse_labels
from sokrat.types import Result, StepRecord
from sokrat.video.clock import PERIODS

if TYPE_CHECKING:
    from sokrat.video.clock import ClockSpec
    from sokrat.video.collection import Collection, Shot

TOP_THINGS = 4
"""Things named per period (the most seen first)."""
SAID_SNIPPETS = 2
DIARY_PERIODS = ("night", "morning", "afternoon", "evening")
CACHE_TTL_S = 7 * 24 * 3600


def period_of(hour: float) -> str:
    for name in ("morning", "afternoon", "evening"):
        lo, hi = PERIODS[name]
        if lo <= hour < hi:
            return name
    return "night"


@dataclass(frozen=True)
class Period:
    day: str
    """ISO date."""
    name: str
    start: str
    """HH:MM of its first shot."""
    end: str
    clips: tuple[str, ...]
    things: tuple[str, ...]
    places: tuple[str, ...]
    said: tuple[str, ...]

    def sentence(self) -> str:
        seen = ", ".join(self.things) or "nothing the models could name"
        where = f" at {' / '.join(self.places)}" if self.places else ""
        text = f"{self.day} {self.name} ({self.start}-{self.end}, {', '.join(self.clips)}): saw {seen}{where}"
        if self.said:
            text += "; heard " + " ".join(f'"{s}"' for s in self.said)
        return text + "."

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day, "period": self.name, "start": self.start, "end": self.end,
                "clips": list(self.clips), "things": list(self.things), "places": list(self.places),
                "said": list(self.said), "summary": self.sentence()}


def summarize(shots: list[Shot]) -> Period:
    """One period's summary from its shots (already in clock order)."""
    from sokrat.video.collection import hhmm

    things: Counter[str] = Counter()
    places: Counter[str] = Counter()
    said: list[str] = []
    for s in shots:
        for item in parse_labels(s.entry.seen):
            if item.kind == "object":
                things[item.word] += 1
            elif item.kind in ("place", "activity"):
                places[item.word] += 1
        if s.entry.said and len(said) < SAID_SNIPPETS:
            text = " ".join(s.entry.said.split())
            said.append(text if len(text) <= 90 else text[:89].rsplit(" ", 1)[0] + "…")
    first = shots[0]
    return Period(first.clock_start.date().isoformat(), period_of(first.clock_start.hour), hhmm(first.clock_start),
                  hhmm(shots[-1].clock_end), tuple(dict.fromkeys(s.clip.source for s in shots)),
                  tuple(w for w, _ in things.most_common(TOP_THINGS)), tuple(w for w, _ in places.most_common(2)),
                  tuple(said))


def periods(coll: Collection, shots: list[Shot] | None = None) -> list[Period]:
    """The diary of ``shots`` (default: the whole collection), one entry per day and period, cached."""
    shots = coll.shots() if shots is None else shots
    groups: dict[tuple[str, str], list[Shot]] = {}
    for s in shots:
        groups.setdefault((s.clock_start.date().isoformat(), period_of(s.clock_start.hour)), []).append(s)
    out = []
    content = coll.content_key()
    for (day, name), group in sorted(groups.items(), key=lambda kv: kv[1][0].clock_start):
        key = f"{coll.key}:diary:{content}:{day}:{name}:{len(group)}"
        cached = coll.client.get(key)
        if cached:
            d = json.loads(cached)
            out.append(Period(d["day"], d["period"], d["start"], d["end"], tuple(d["clips"]), tuple(d["things"]),
                              tuple(d["places"]), tuple(d["said"])))
            continue
        p = summarize(group)
        coll.client.set(key, json.dumps(p.to_json()), ex=CACHE_TTL_S)
        out.append(p)
    return out


def answer(coll: Collection, spec: ClockSpec, scope: list[Shot], *, steps: list[StepRecord]) -> Result:
    """A question about a part of the day: the period's diary, with a few evidence shots per period."""
    from sokrat.video.collection import evidence_of

    ps = periods(coll, scope)
    steps.append(StepRecord(index=len(steps), tool="diary", arguments={"period": spec.phrase or "(all)"},
                            observation=f"{len(ps)} period(s) from {len(scope)} shots"))
    evidence = []
    for p in ps:  # the shot that shows the period's most seen thing, per clip
        for clip in p.clips:
            shots = [s for s in scope if s.clip.source == clip and s.clock_start.date().isoformat() == p.day]
            best = next((s for s in shots if p.things and p.things[0] in s.entry.seen), shots[0] if shots else None)
            if best is not None:
                evidence.append(evidence_of(best.clip, best.entry))
    text = " ".join(p.sentence() for p in ps)
    return Result(answer=text[0].upper() + text[1:], evidence=evidence, steps=steps)


__all__ = ["Period", "answer", "period_of", "periods", "summarize"]
