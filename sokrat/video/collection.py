"""A day (or days) of clips as one memory: a collection of video logs on one wall-clock timeline.

Each clip keeps its own log (built once by :meth:`VideoQA.index`, keyed by content, reused
when the same file is added again). A collection stores, in Redis, per owner and name:

- ``clips``: a hash ``log_id -> {source, clock_start, duration_s}``;
- ``timeline``: a sorted set of shot refs ``log_id#index`` scored by the shot's wall-clock
  start (epoch seconds), so all shots of all clips read as one day in order. Clips whose
  clock times overlap stay apart (the member names its clip) and are still ordered.

Questions (:meth:`Collection.ask`) read the clock words first (:mod:`sokrat.video.clock`),
narrow the timeline to that period, then reuse :meth:`VideoQA.ask_log` per clip in scope and
merge the answers by clock time. A question about what happened in a part of the day is answered from the diary
(:mod:`sokrat.video.diary`), "what am I likely to do next?" from the routine across days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sokrat.errors import ConfigError, InvalidInput, SokratError
from sokrat.types import Evidence, Result, StepRecord, Usage
from sokrat.video.clock import ClockSpec, parse_clock
from sokrat.video.qa import fmt_span, match_entries
from sokrat.video.question import parse_question

if TYPE_CHECKING:
    from sokrat.memory.base import LogEntry
    from sokrat.video.qa import VideoQA

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
MAX_CLIPS_ASKED = 6
"""Clips asked per question when nothing narrows them (each may cost a chat-model call)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def parse_iso(text: str) -> datetime:
    """``2026-11-20T12:40:00Z`` (or with an offset, or naive = UTC) -> an aware datetime."""
    try:
        dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidInput(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-20T08:30:00Z)") from e
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def iso(dt: datetime) -> str:
    """ISO 8601 to the second (media seconds carry the precision): ``2026-11-20T12:40:08Z``."""
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


def clip_start(path: Path, start: datetime | None = None) -> tuple[datetime, str]:
    """The clip's wall-clock start and where it came from: the container's ``creation_time``
    (PyAV metadata), else ``start``, else the file's modification time."""
    import av

    try:
        with av.open(str(path)) as container:
            tags = dict(container.metadata)
            for stream in container.streams:
                tags.update({k: v for k, v in stream.metadata.items() if k not in tags})
    except (OSError, av.error.FFmpegError):  # unreadable: the indexer reports it properly
        tags = {}
    created = tags.get("creation_time")
    if created:
        try:
            return parse_iso(created), "creation_time"
        except InvalidInput:
            pass
    if start is not None:
        return start, "--start"
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC), "mtime"


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, folders as their video files (sorted)."""
    out: list[Path] = []
    for p in paths:
        p = p.expanduser()
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in VIDEO_SUFFIXES and f.is_file()))
        else:
            out.append(p)
    return out


@dataclass(frozen=True)
class ClipInfo:
    log_id: str
    source: str
    clock_start: datetime
    duration_s: float

    @property
    def clip_id(self) -> str:
        """The clip in its collection: its content and its file name (the same file added again
        moves; the same content under another name, e.g. a routine shot on two days, is another clip)."""
        return f"{self.log_id}/{self.source}"

    @property
    def clock_end(self) -> datetime:
        return self.clock_start + timedelta(seconds=self.duration_s)

    def clock(self, t: float) -> datetime:
        return self.clock_start + timedelta(seconds=t)

    def to_json(self) -> dict[str, Any]:
        return {"log_id": self.log_id, "source": self.source, "clock_start": iso(self.clock_start),
                "clock_end": iso(self.clock_end), "duration_s": self.duration_s}


@dataclass(frozen=True)
class AddReport:
    """One clip added, or why it was not."""

    path: str
    ok: bool
    clip: ClipInfo | None = None
    start_from: str = ""
    reused: bool = False
    error: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "ok": self.ok}
        if self.clip:
            out.update(self.clip.to_json(), start_from=self.start_from, reused=self.reused)
        if self.error:
            out["error"] = self.error
        return out


@dataclass(frozen=True)
class Shot:
    """One shot on the collection's timeline."""

    clip: ClipInfo
    entry: LogEntry

    @property
    def clock_start(self) -> datetime:
        return self.clip.clock(self.entry.t_start)

    @property
    def clock_end(self) -> datetime:
        return self.clip.clock(self.entry.t_end)


def hhmm(dt: datetime) -> str:
    return dt.strftime("%H:%M")


def evidence_of(clip: ClipInfo, entry: LogEntry | Evidence) -> Evidence:
    t0, t1 = entry.t_start or 0.0, entry.t_end or 0.0
    return Evidence(source=clip.source, t_start=t0, t_end=t1, text=entry.text,
                    clock_start=iso(clip.clock(t0)), clock_end=iso(clip.clock(t1)))


class Collection:
    """The clips of one owner's collection, on one wall-clock timeline in Redis."""

    def __init__(self, qa: VideoQA, name: str, *, owner: str = "default") -> None:
        if not _NAME.match(name or ""):
            raise InvalidInput(f"bad collection name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
        client, prefix = _redis_of(qa)
        self.qa, self.name, self.owner = qa, name, owner
        self.client = client
        self.key = f"{prefix}:coll:{owner}:{name}"
        self._index = _index_key(prefix, owner)

    # --- membership ---------------------------------------------------------------------------
    def exists(self) -> bool:
        return bool(self.client.exists(self.key + ":clips") or self.client.exists(self.key + ":made"))

    def create(self) -> None:
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.key + ":made", iso(datetime.now(UTC)), nx=True)
        pipe.sadd(self._index, self.name)
        pipe.execute()

    @staticmethod
    def names(qa: VideoQA | Any, *, owner: str = "default") -> list[str]:
        """The owner's collections, from a set kept beside them. Collections made before that
        set existed are found once by a SCAN and added to it (with no collection at all, each
        call scans: there is nothing to remember). ``qa`` may also be the Redis memory itself."""
        client, prefix = _redis_of(qa)
        index = _index_key(prefix, owner)
        if not client.exists(index):
            head = f"{prefix}:coll:{owner}:"
            found = set()
            for key in client.scan_iter(match=_glob_escape(head) + "*", count=1000):
                name, _, part = (key.decode() if isinstance(key, bytes) else key)[len(head):].partition(":")
                if part in ("clips", "made") and _NAME.match(name):
                    found.add(name)
            if found:
                client.sadd(index, *found)
        return sorted(n.decode() if isinstance(n, bytes) else n for n in client.smembers(index))

    def clips(self) -> list[ClipInfo]:
        raw = self.client.hgetall(self.key + ":clips")
        out = []
        for doc in raw.values():
            d = json.loads(doc)
            out.append(ClipInfo(d["log_id"], d["source"], parse_iso(d["clock_start"]), float(d["duration_s"])))
        return sorted(out, key=lambda c: (c.clock_start, c.source))

    def add_log(self, log_id: str, source: str, clock_start: datetime, *, duration_s: float | None = None) -> ClipInfo:
        """Put an indexed log on the timeline (again: its shots move to the new start)."""
        entries = self.qa.log(log_id).entries
        if not entries:
            raise InvalidInput(f"the log {log_id} has no entries (is it indexed?)")
        meta = self.qa.memory.video_log(log_id)
        dur = duration_s if duration_s is not None else (meta.duration_s if meta else entries[-1].t_end)
        clip = ClipInfo(log_id, source, clock_start, float(dur))
        base = clock_start.timestamp()
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self.key + ":made", iso(datetime.now(UTC)), nx=True)  # it exists until deleted, even emptied
        pipe.sadd(self._index, self.name)
        pipe.hset(self.key + ":clips", clip.clip_id, json.dumps({"log_id": log_id, "source": source,
                                                                 "clock_start": iso(clock_start),
                                                                 "duration_s": clip.duration_s}))
        # ZADD of an existing member updates its score: a re-added clip moves, never doubles
        pipe.zadd(self.key + ":timeline", {f"{clip.clip_id}#{e.index}": base + e.t_start for e in entries})
        pipe.execute()
        return clip

    def add(self, paths: Sequence[Path], *, start: datetime | None = None, progress: bool = False) -> list[AddReport]:
        """Index (or reuse) each clip and put it on the timeline; a clip that fails is reported and
        the others are still added. With ``start`` and several clips lacking metadata, each next
        clip starts where the previous one ended."""
        return self.add_named([(p, p.name) for p in expand_paths(paths)], start=start, progress=progress)

    def add_named(self, clips: Sequence[tuple[Path, str]], *, start: datetime | None = None,
                  progress: bool = False) -> list[AddReport]:
        """:meth:`add` for files whose name in the collection is not their file name (uploads)."""
        reports: list[AddReport] = []
        cursor = start
        for path, source in clips:
            try:
                clock, how = clip_start(path, cursor)
                vlog = self.qa.index(path, progress=progress)
                clip = self.add_log(vlog.meta.log_id, source, clock, duration_s=vlog.meta.duration_s)
                if how == "--start":
                    cursor = clip.clock_end
                reports.append(AddReport(source, True, clip, how, vlog.reused))
            except SokratError as e:
                reports.append(AddReport(source, False, error=str(e)))
        return reports

    def matching(self, ref: str) -> list[ClipInfo]:
        """The clips ``ref`` names: a clip id (``log_id/source``), a log id or a file name."""
        return [c for c in self.clips() if ref in (c.log_id, c.source, c.clip_id)]

    def remove(self, ref: str) -> ClipInfo | None:
        """Drop a clip (by clip id, log id or file name) and all its shots from the timeline; the
        clip's log stays (other clips and collections may share it). None when nothing matches;
        a ref that names several clips (one content added under two names) is refused, not guessed."""
        found = self.matching(ref)
        if not found:
            return None
        if len(found) > 1:
            raise InvalidInput(f"{ref!r} names {len(found)} clips of {self.name!r}; give one clip id: "
                               + ", ".join(c.clip_id for c in found))
        clip = found[0]
        # the members are read from the timeline itself, not from the log, so shots of a log
        # that was since rebuilt or deleted are removed too
        pattern = _glob_escape(clip.clip_id) + "#*"
        members = [m for m, _ in self.client.zscan_iter(self.key + ":timeline", match=pattern)]
        pipe = self.client.pipeline(transaction=True)
        if members:
            pipe.zrem(self.key + ":timeline", *members)
        pipe.hdel(self.key + ":clips", clip.clip_id)
        pipe.execute()
        return clip

    def delete(self) -> bool:
        """Remove the collection: its clips, timeline and cached diary (the clips' logs stay).
        False when there was nothing to delete. SCAN on the memory's client: on a Redis Cluster
        every key of the memory shares one hash slot (its prefix is a hash tag), so it is one node."""
        keys = list(self.client.scan_iter(match=_glob_escape(self.key) + ":*"))
        pipe = self.client.pipeline(transaction=True)
        if keys:
            pipe.delete(*keys)
        pipe.srem(self._index, self.name)
        was_listed = pipe.execute()[-1]
        return bool(keys) or bool(was_listed)

    def content_key(self) -> str:
        """A hash of what the collection holds (its clips and their starts): caches key on it."""
        import hashlib

        text = "|".join(f"{c.clip_id}@{iso(c.clock_start)}" for c in self.clips())
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    # --- the timeline ---------------------------------------------------------------------------
    def shots(self, start: datetime | None = None, end: datetime | None = None) -> list[Shot]:
        """Shots whose wall-clock start is in [start, end), in clock order (all shots without bounds)."""
        lo = start.timestamp() if start else "-inf"
        hi = f"({end.timestamp()}" if end else "+inf"
        refs = [r.decode() if isinstance(r, bytes) else r
                for r in self.client.zrangebyscore(self.key + ":timeline", lo, hi)]
        clips = {c.clip_id: c for c in self.clips()}
        out = []
        for ref in refs:
            clip_id, _, idx = ref.rpartition("#")
            clip = clips.get(clip_id)
            if clip is None:
                continue
            entry = self.qa.log(clip.log_id).by_index.get(int(idx))
            if entry is not None:
                out.append(Shot(clip, entry))
        return out

    def in_scope(self, spec: ClockSpec, now: datetime | None = None) -> list[Shot]:
        shots = self.shots()
        if not shots:
            return []
        ref = now or max(s.clock_start for s in shots)
        scope = [s for s in shots if spec.contains(s.clock_start, ref)]
        if spec.latest_day:  # "around 4 pm": the latest day (up to today) with clips at that time
            days = {s.clock_start.date() for s in scope if s.clock_start.date() <= ref.date()}
            scope = [s for s in scope if s.clock_start.date() == max(days)] if days else []
        return scope

    # --- questions -------------------------------------------------------------------------------
    def ask(self, question: str, *, now: datetime | None = None) -> Result:
        """Answer over every clip, with clock times. ``now`` is "today" (default: the latest clip's day)."""
        if not question.strip():
            raise InvalidInput("the question is empty; ask something about the collection")
        if not self.clips():
            raise InvalidInput(f"the collection {self.name!r} has no clips; add some with `sokrat index PATH "
                               f"--collection {self.name}`")
        from sokrat.video import diary, forecast

        spec = parse_clock(question)
        step = StepRecord(index=0, tool="read_clock", arguments={"question": question},
                          observation=f"period {spec.phrase or '(any)'}; asks {spec.intent}; rest: {spec.rest!r}")
        if spec.intent == "forecast":
            return forecast.forecast(self, spec, now=now, steps=[step])
        scope = self.in_scope(spec, now)
        if not scope:
            return Result(answer=f"I have no clip from that time ({spec.phrase or 'the period asked'}).", evidence=[],
                          steps=[step], status="no_answer", reason="no clip covers that period")
        note = ""
        if spec.latest_day:  # say which day was taken, in the answer and in the trace
            day = scope[0].clock_start
            note = f"on {day:%A} {day.date()}, the latest day with clips {spec.phrase}"
            step = step.model_copy(update={"observation": f"{step.observation}; no day named: {note}"})
        if spec.intent == "diary":
            result = diary.answer(self, spec, scope, steps=[step])
        else:
            result = self._ask_clips(spec, scope, step)
        if note and result.status == "succeeded":
            result = result.model_copy(update={"answer": f"{result.answer} ({note[0].upper()}{note[1:]}.)"})
        return result

    def _ask_clips(self, spec: ClockSpec, scope: list[Shot], step: StepRecord) -> Result:
        q = parse_question(spec.rest or spec.text)
        by_clip: dict[str, list[Shot]] = {}
        for s in scope:
            by_clip.setdefault(s.clip.clip_id, []).append(s)
        steps = [step]
        n_clips = len(by_clip)
        if q.kind == "count" and q.words:
            return self._count(q.words, q.target, scope, steps)
        # Only clips whose shots in the period show or mention the thing are asked (a clip
        # without it would cost a chat-model call to say so); with no such clip, a yes/no is "no"
        # and a when is nowhere, while what/said questions ask every clip (up to MAX_CLIPS_ASKED).
        if q.words:
            matched = {s.clip.clip_id for s in scope
                       if match_entries(q.words, [s.entry], modality=q.modality)}
            if matched or q.kind in ("yes_no", "when"):
                by_clip = {k: v for k, v in by_clip.items() if k in matched}
        by_clip = dict(list(by_clip.items())[:MAX_CLIPS_ASKED])
        found: list[tuple[datetime, ClipInfo, Result]] = []
        usage = Usage()
        for shots in by_clip.values():
            clip = shots[0].clip
            log_id = clip.log_id
            allowed = {s.entry.index for s in shots}
            r = self.qa.ask_log(log_id, clip.source, spec.rest or spec.text)
            usage = usage + r.usage
            ev = [e for e in r.evidence if _index_of(self.qa, log_id, e) in allowed]
            steps.append(StepRecord(index=len(steps), tool="video_qa", arguments={"clip": clip.source},
                                    observation=f"{r.status}: {r.answer} ({len(ev)} of {len(r.evidence)} evidence "
                                                f"in the period)"))
            if r.status == "succeeded" and (ev or not r.evidence):
                r = r.model_copy(update={"evidence": [evidence_of(clip, e) for e in ev]})
                when = clip.clock(ev[0].t_start or 0.0) if ev else clip.clock_start
                found.append((when, clip, r))
        found.sort(key=lambda f: f[0])
        if q.kind == "yes_no":
            yes = [f for f in found if f[2].answer.lower().startswith("yes")]
            if not yes:
                return Result(answer=f"No: not {spec.phrase or 'in the collection'} ({_extent(scope)}, "
                                     f"{n_clips} clip(s)).",
                              evidence=[], steps=steps, usage=usage)
            found = yes
        found = [f for f in found if f[2].evidence] or found
        if not found:
            return Result(answer=f"Nothing in the clips {spec.phrase or ''} answers that.".replace("  ", " "),
                          evidence=[], steps=steps, usage=usage, status="no_answer",
                          reason="no clip's log answers this")
        if spec.order == "first" or q.kind in ("what", "said", "yes_no"):
            chosen = found[:1] if spec.order != "last" else found[-1:]
        elif spec.order == "last":
            chosen = found[-1:]
        else:
            chosen = found
        parts = [_with_clock(clip, r) for _, clip, r in chosen]
        evidence = [e for _, _, r in chosen for e in r.evidence]
        return Result(answer=" ".join(parts), evidence=evidence, steps=steps, usage=usage)

    def _count(self, words: Sequence[str], target: str, scope: list[Shot], steps: list[StepRecord]) -> Result:
        """Appearances across the period: consecutive matching shots (in clock order, same clip) are one."""
        entries = [s.entry for s in scope]
        hits = {id(m.entry) for m in match_entries(words, entries) if m.score >= 0.9}
        groups: list[list[Shot]] = []
        prev: Shot | None = None
        for s in scope:
            if id(s.entry) in hits:
                if groups and prev is not None and id(prev.entry) in hits and prev.clip.clip_id == s.clip.clip_id:
                    groups[-1].append(s)
                else:
                    groups.append([s])
            prev = s
        steps.append(StepRecord(index=len(steps), tool="match_labels", arguments={"about": target},
                                observation=f"{len(groups)} appearance(s) in {len(scope)} shots"))
        if not groups:
            return Result(answer=f"None: I did not see {target} in the collection.", evidence=[], steps=steps)
        n = len(groups)
        times = {1: "Once", 2: "Twice"}.get(n, f"{n} times")
        where = ", ".join(f"at {hhmm(g[0].clock_start)} ({g[0].clip.source} "
                          f"{fmt_span(g[0].entry.t_start, g[-1].entry.t_end)})" for g in groups[:6])
        return Result(answer=f"{times}: {target} {where}.", steps=steps,
                      evidence=[evidence_of(s.clip, s.entry) for g in groups for s in g])


def _redis_of(qa: VideoQA | Any) -> tuple[Any, str]:
    """The memory's Redis client and key root: on a Redis Cluster the root is the memory's hash
    tag, so a collection's keys share one slot (its transactions and SCANs stay on one node)."""
    memory = getattr(qa, "memory", qa)
    client, root = getattr(memory, "client", None), getattr(memory, "key_root", None)
    if client is None or root is None:
        raise ConfigError("collections need the Redis memory (SOKRAT_MEMORY=redis)")
    return client, root


def _index_key(prefix: str, owner: str) -> str:
    return f"{prefix}:colls:{owner}"


def _glob_escape(text: str) -> str:
    """``text`` matched literally in a Redis SCAN/ZSCAN pattern (file names may hold ``*?[]``)."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def _extent(scope: Sequence[Shot]) -> str:
    """``08:00-12:40`` within a day, ``3 days`` across days."""
    days = {s.clock_start.date() for s in scope}
    if len(days) > 1:
        return f"{len(days)} days"
    return f"{hhmm(scope[0].clock_start)}-{hhmm(scope[-1].clock_end)}"


def _index_of(qa: VideoQA, log_id: str, ev: Evidence) -> int | None:
    for e in qa.log(log_id).entries:
        if e.t_start == ev.t_start and e.t_end == ev.t_end:
            return e.index
    return None


def _with_clock(clip: ClipInfo, r: Result) -> str:
    """The clip's answer with its clock time first: "At 12:40, in noon.mp4: Yes: a cat at 0:08-0:13."."""
    at = clip.clock(r.evidence[0].t_start or 0.0) if r.evidence else clip.clock_start
    return f"At {hhmm(at)}, in {clip.source}: {r.answer}"


__all__ = ["AddReport", "ClipInfo", "Collection", "Shot", "clip_start", "evidence_of", "expand_paths", "hhmm",
           "iso", "parse_iso"]
