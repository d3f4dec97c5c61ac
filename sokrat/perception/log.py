"""The Socratic video log: perception models turn a video into timestamped language, shot by shot.

:class:`VideoIndexer` streams a video once. The sampler marks scene cuts; each *shot* (cut to
cut, split when longer than ``max_shot_s``, merged when shorter than ``min_shot_s``) becomes
one :class:`~sokrat.memory.base.LogEntry` with its exact start and end: what is seen (tagger
labels aggregated over the shot's frames, in plain words with their categories), what is said,
and the text on screen, with embeddings. Entries are stored about once a minute of media.
The log is keyed by the file's content hash plus the models and every option that changes its
content, so indexing again is free; an interrupted run resumes from ``resume_at_s``; a bad
input leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sokrat.errors import MediaError
from sokrat.memory.base import LogEntry, VideoLogMeta
from sokrat.perception.decode import AudioReader, MediaInfo, content_hash, probe, thumbnail_gray
from sokrat.perception.sampling import (
    DecodeState,
    SampledFrame,
    SamplingOptions,
    sample_frames,
    scene_score,
)
from sokrat.perception.scene import INDOORS, Scene, SceneOptions, format_scene, pool, with_colours
from sokrat.perception.words import Concept, format_labels, lexicon, parse_labels

if TYPE_CHECKING:
    import numpy as np

    from sokrat.memory.base import Embedder, VideoLogStore
    from sokrat.perception.base import Detection, Label, SpeechSegment
    from sokrat.perception.registry import Perceivers
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

SAME_SCENE = 0.5
"""Colour-histogram change (0..1) under which two pieces of video look like one scene."""

LOG_FORMAT = 6
"""Bumped when the entry format changes, so old logs are not reused (3: shots, plain words;
4: detector counts, positions and relations, basic-level words, scene words; 5: each place once
per word, and the summary ranks what the detector located first; 6: each thing's colour,
``looks: green car``, and things in containers, ``orange in bowl``)."""


@dataclass(frozen=True)
class VideoLogOptions:
    """How a video is turned into a log. Every field is part of the log's fingerprint."""

    max_shot_s: float = 10.0
    """Longest entry (media seconds): a longer shot is cut into pieces this long."""
    min_shot_s: float = 1.0
    """Shortest entry: a shorter shot (a flash, a dissolve, motion) joins the neighbour it looks like."""
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    chunk_s: float = 60.0
    """Media seconds stored per write; an interrupted run loses at most this much work."""
    labels_per_frame: int = 10
    """Labels asked of each tagger per frame (summed per plain word before thresholds)."""
    min_label_score: float = 0.15
    """A word names a shot when its probability, averaged over the shot's frames, reaches this."""
    maybe_label_score: float = 0.06
    """A shot no word names gets its best word as ``maybe:`` when it reaches this."""
    labels_per_entry: int = 4
    """Tagger words per entry (the detector's kept classes come on top of these)."""
    scene: SceneOptions = field(default_factory=SceneOptions)
    """How the detector's boxes are pooled over a shot."""
    ocr: bool = True
    speech: bool = True
    captions: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> VideoLogOptions:
        return cls(max_shot_s=settings.segment_s, sampling=SamplingOptions.from_settings(settings))

    def fingerprint(self) -> str:
        """Every option, as canonical JSON, plus the entry format version."""
        return json.dumps({"format": LOG_FORMAT, **dataclasses.asdict(self)}, sort_keys=True)


@dataclass
class StageTimes:
    """Wall seconds spent per stage (for bench/ingest.py)."""

    decode: float = 0.0
    tagger: float = 0.0
    detector: float = 0.0
    clip: float = 0.0
    captioner: float = 0.0
    ocr: float = 0.0
    speech: float = 0.0
    embedding: float = 0.0
    store: float = 0.0
    frames: int = 0
    """Frames kept by the sampler."""


@dataclass(frozen=True)
class VideoLog:
    """An indexed video: its header and, on request, its entries."""

    meta: VideoLogMeta
    path: Path
    reused: bool = False
    """True when the log was already complete (nothing was indexed)."""
    times: StageTimes | None = None


@dataclass
class Shot:
    """A stretch of video between two cuts (or a piece of a long one), with its sampled frames."""

    t_start: float
    t_end: float
    frames: list[SampledFrame] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.t_end - self.t_start

    def absorb(self, other: Shot) -> Shot:
        first, second = (self, other) if self.t_start <= other.t_start else (other, self)
        return Shot(first.t_start, second.t_end, first.frames + second.frames)


def log_id_for(digest: str, model_ids: Sequence[str], options: VideoLogOptions) -> str:
    """``<content hash>-<hash of the models and options>``: same file + same models = same log."""
    models = hashlib.sha256(("|".join(sorted(model_ids)) + "|" + options.fingerprint()).encode()).hexdigest()
    return f"{digest[:32]}-{models[:10]}"


class VideoIndexer:
    """Builds (or finds) the log of a video in ``memory`` with the given perceivers."""

    def __init__(self, memory: VideoLogStore, perceivers: Perceivers, *, embedder: Embedder | None = None,
                 options: VideoLogOptions | None = None, settings: Settings | None = None) -> None:
        self.memory = memory
        self.perceivers = perceivers
        if embedder is None:
            embedder = getattr(memory, "embedder", None)
            if embedder is None:
                raise TypeError("VideoIndexer needs an embedder (the memory has none)")
        self.embedder: Embedder = embedder
        self.options = options or VideoLogOptions()
        self.settings = settings
        self._ocr_last: tuple[np.ndarray, str] | None = None

    def log_id(self, path: str | Path) -> str:
        return log_id_for(content_hash(path), self.perceivers.model_ids(), self.options)

    def index(self, path: str | Path, *, progress: bool = False) -> VideoLog:
        """Index ``path`` unless its log is complete already; resume a partial one."""
        info = probe(path, self.settings)
        if not info.has_video:
            raise MediaError(f"{info.path.name}: has no video stream (audio only?); `transcribe` handles audio")
        log_id = self.log_id(info.path)
        existing = self.memory.video_log(log_id)
        if existing is not None and existing.status == "complete":
            # The log is keyed by content: the same video under another name (an upload stored
            # by hash, a copy) reuses it, and is reported under the name it was given now.
            return VideoLog(dataclasses.replace(existing, source=info.path.name), info.path, reused=True)
        meta = self.memory.begin_video_log(VideoLogMeta(
            log_id=log_id, source=info.path.name, duration_s=info.duration_s,
            models=self.perceivers.model_ids(),
            metadata={"width": info.width, "height": info.height, "fps": info.fps, "has_audio": info.has_audio,
                      "path": str(info.path.resolve()), "options": self.options.fingerprint(),
                      # Which roles had no backend, and why (a pack not installed): the log says
                      # what it was built without; `models` says what ran.
                      "missing": dict(self.perceivers.missing)},
        ))
        times = StageTimes()
        try:
            meta = self._run(info, meta, times, progress=progress)
        except MediaError:
            self.memory.delete_video_log(log_id)  # bad input: leave nothing half-written
            raise
        # Anything else (Ctrl-C, a dead Redis) keeps the partial log so the next run resumes.
        return VideoLog(meta, info.path, times=times)

    # --- the streaming loop -----------------------------------------------------------------
    def _run(self, info: MediaInfo, meta: VideoLogMeta, times: StageTimes, *, progress: bool) -> VideoLogMeta:
        opts = self.options
        start, index, duration = meta.resume_at_s, meta.entries, info.duration_s
        if duration <= 0:
            raise MediaError(f"{info.path.name}: the video has no duration (empty or truncated file)")
        use_speech = opts.speech and info.has_audio and self.perceivers.speech is not None
        audio = AudioReader(info.path, start_s=start) if use_speech else None
        decoded = DecodeState()
        frames = sample_frames(info.path, opts.sampling, start_s=start, state=decoded)
        bar = _Progress(info.path.name, duration, start) if progress else None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sokrat-speech")
        try:
            for batch in self._shot_batches(frames, start, duration, times):
                if not any(s.frames for s in batch) and batch[0].t_start == 0.0 and decoded.decoded == 0:
                    raise MediaError(f"{info.path.name}: no video frame could be decoded (empty or truncated file)")
                end = batch[-1].t_end
                speech: Future[list[SpeechSegment]] | None = None
                if audio is not None:
                    # Speech runs in a worker thread while the frames are looked at: CTranslate2
                    # and torch both release the GIL, so the two cores are kept busy.
                    speech = pool.submit(self._transcribe, audio.read_until(end), batch[0].t_start, times)
                entries = self._entries(batch, speech, index, times)
                t = time.perf_counter()
                self.memory.append_video_entries(meta.log_id, entries, resume_at_s=end)
                times.store += time.perf_counter() - t
                index += len(entries)
                if bar is not None:
                    bar.advance(end)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if audio is not None:
                audio.close()
            if bar is not None:
                bar.close()
        last = decoded.last_t
        if last >= 0 and last < duration - max(2 * opts.max_shot_s, 0.25 * duration):
            raise MediaError(
                f"{info.path.name}: frames stop at {last:.1f} s of {duration:.1f} s; the file looks truncated"
            )
        entries_all = self.memory.video_entries(meta.log_id)
        return self.memory.finish_video_log(meta.log_id, summary=summarise(entries_all, duration))

    def _shot_batches(self, frames: Iterator[SampledFrame], start: float, duration: float,
                      times: StageTimes) -> Iterator[list[Shot]]:
        """Shots in time order, about ``chunk_s`` of media per batch. The last closed shot is
        held back until the next one closes, so a short shot can still be merged into it."""
        opts = self.options
        pending: list[Shot] = []

        def close(shot: Shot) -> None:
            # A short shot is held open and absorbs what follows until it is long enough: a
            # flash joins the next shot, a burst of cuts (fast motion) becomes one shot.
            if pending and pending[-1].duration < opts.min_shot_s:
                short = pending.pop()
                # It joins the neighbour it looks like: a burst of motion cuts before a hard cut
                # belongs to the shot before; the first moments of a new scene to the one after.
                # Unlike both (a quick montage), it stays a shot of its own.
                before = _change(pending[-1], short) if pending else 1.0
                after = _change(short, shot)
                if min(before, after) > SAME_SCENE and short.frames:
                    pending.extend([short, shot])
                elif before < after:
                    pending[-1] = pending[-1].absorb(short)
                    pending.append(shot)
                else:
                    pending.append(short.absorb(shot))
            else:
                pending.append(shot)

        current = Shot(start, start)
        t = time.perf_counter()
        for f in frames:
            times.decode += time.perf_counter() - t
            times.frames += 1
            if f.reason == "scene" and f.t > current.t_start:
                current.t_end = f.t
                close(current)
                current = Shot(f.t, f.t)
            while f.t - current.t_start >= opts.max_shot_s:
                cut = current.t_start + opts.max_shot_s
                current.t_end = cut
                close(current)
                current = Shot(cut, cut)
            current.frames.append(f)
            if len(pending) > 1 and pending[-2].t_end - pending[0].t_start >= opts.chunk_s:
                yield pending[:-1]
                del pending[:-1]
            t = time.perf_counter()
        times.decode += time.perf_counter() - t
        current.t_end = max(duration, current.t_start)
        if current.duration > 0 or current.frames or not pending:
            close(current)
        if len(pending) > 1 and pending[-1].duration < opts.min_shot_s:  # a short last shot joins the one before
            pending[-2:] = [pending[-2].absorb(pending[-1])]
        if pending:
            yield pending

    def _transcribe(self, samples: np.ndarray, offset_s: float, times: StageTimes) -> list[SpeechSegment]:
        t = time.perf_counter()
        try:
            return self.perceivers.speech.transcribe(samples, offset_s=offset_s)  # type: ignore[union-attr]
        finally:
            times.speech += time.perf_counter() - t

    # --- one batch of shots -> entries, phase by phase --------------------------------------------
    def _entries(self, shots: list[Shot], speech: Future[list[SpeechSegment]] | None, first_index: int,
                 times: StageTimes) -> list[LogEntry]:
        frames = [f for s in shots for f in s.frames]
        labels, boxes, clip_vectors = self._look(frames, times)
        reps = [_middle(s.frames) for s in shots]
        captions = self._captions(reps, times)
        ocr = self._read_text(reps, times)
        said = _said_per_shot(speech.result() if speech is not None else [], shots)
        models = self._models_used()
        entries, k = [], 0
        for i, shot in enumerate(shots):
            n = len(shot.frames)
            seen = describe_shot(labels[k : k + n], self.options, caption=captions[i],
                                 detections=boxes[k : k + n] if boxes is not None else None)
            image_vec = _mean_vector(clip_vectors[k : k + n]) if clip_vectors is not None and n else None
            k += n
            entries.append(LogEntry(index=first_index + i, t_start=round(shot.t_start, 3), t_end=round(shot.t_end, 3),
                                    seen=seen, said=" ".join(said[i]), ocr=ocr[i], models=models,
                                    image_embedding=image_vec))
        return self._embed(entries, times)

    def _look(self, frames: list[SampledFrame], times: StageTimes
              ) -> tuple[list[list[Label]], list[list[Detection]] | None, np.ndarray | None]:
        """Every tagger's labels per frame, the detector's boxes per frame (None: no detector),
        and CLIP zero-shot labels and frame vectors."""
        p, opts = self.perceivers, self.options
        images = [f.image for f in frames]
        labels: list[list[Label]] = [[] for _ in frames]
        if not images:
            return labels, [] if p.detector is not None else None, None
        t = time.perf_counter()
        for tagger in p.taggers:
            for mine, more in zip(labels, tagger.tag(images, top_k=opts.labels_per_frame), strict=True):
                mine.extend(more)
        times.tagger += time.perf_counter() - t
        boxes = None
        if p.detector is not None:
            t = time.perf_counter()
            boxes = p.detector.detect(images, min_score=min(opts.scene.min_score, opts.scene.maybe_score))
            boxes = [with_colours(image, found, opts.scene.min_score) for image, found in zip(images, boxes, strict=True)]
            times.detector += time.perf_counter() - t
        clip_vectors = None
        if p.clip is not None:
            t = time.perf_counter()
            clip_vectors = p.clip.embed_images(images)  # (F, D)
            zero_shot = p.zero_shot().tag_vectors(clip_vectors, top_k=3)
            for mine, more in zip(labels, zero_shot, strict=True):
                mine.extend(more)
            times.clip += time.perf_counter() - t
        return labels, boxes, clip_vectors

    def _captions(self, reps: list[SampledFrame | None], times: StageTimes) -> list[str]:
        out = [""] * len(reps)
        p = self.perceivers
        todo = [i for i, r in enumerate(reps) if r is not None]
        if p.captioner is None or not self.options.captions or not todo:
            return out
        t = time.perf_counter()
        for i, text in zip(todo, p.captioner.caption([reps[i].image for i in todo]), strict=True):  # type: ignore[union-attr]
            out[i] = text
        times.captioner += time.perf_counter() - t
        return out

    def _read_text(self, reps: list[SampledFrame | None], times: StageTimes) -> list[str]:
        out = [""] * len(reps)
        ocr = self.perceivers.ocr
        if ocr is None or not self.options.ocr:
            return out
        t = time.perf_counter()
        for i, rep in enumerate(reps):
            if rep is None:
                continue
            thumb = thumbnail_gray(rep.image)
            # The same picture as the last one read (a static shot): reuse its text.
            if self._ocr_last is not None and scene_score(self._ocr_last[0], thumb, pixel_delta=0.1) < 0.05:
                out[i] = self._ocr_last[1]
                continue
            out[i] = ocr.read([rep.image])[0]
            self._ocr_last = (thumb, out[i])
        times.ocr += time.perf_counter() - t
        return out

    def _embed(self, entries: list[LogEntry], times: StageTimes) -> list[LogEntry]:
        t = time.perf_counter()
        vectors = self.embedder.embed([e.text for e in entries])  # (E, D)
        times.embedding += time.perf_counter() - t
        return [dataclasses.replace(e, text_embedding=v.astype("float32").tolist())
                for e, v in zip(entries, vectors, strict=True)]

    def _models_used(self) -> tuple[str, ...]:
        names = list(self.perceivers.model_ids())
        names.append(getattr(self.embedder, "name", "embedder"))
        return tuple(names)


def _change(before: Shot, after: Shot) -> float:
    """How different the end of ``before`` looks from the start of ``after``: half the L1
    distance of their colour histograms (0 same, 1 disjoint; 1 when either has no frame).
    Histograms ignore motion, so a fast pan reads as the same scene and a cut does not."""
    if not before.frames or not after.frames:
        return 1.0
    import numpy as np

    a, b = _histogram(before.frames[-1].image), _histogram(after.frames[0].image)
    return float(np.abs(a - b).sum()) / 2


def _histogram(image: np.ndarray) -> np.ndarray:
    import numpy as np
    from PIL import Image

    hsv = np.asarray(Image.fromarray(image).resize((64, 36)).convert("HSV"), dtype=np.int32)
    bins = (hsv[..., 0] * 8 // 256) * 4 + hsv[..., 2] * 4 // 256  # (H, W): 8 hues x 4 values
    counts = np.bincount(bins.ravel(), minlength=32).astype(np.float64)
    return counts / counts.sum()


def _middle(frames: Sequence[SampledFrame]) -> SampledFrame | None:
    """A shot's frame for captions and OCR: the middle one (clear of the cut's blend)."""
    return frames[len(frames) // 2] if frames else None


def _mean_vector(vectors: np.ndarray) -> list[float]:
    import numpy as np

    v = vectors.mean(axis=0)
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32).tolist()


def _said_per_shot(segments: Sequence[SpeechSegment], shots: Sequence[Shot]) -> list[list[str]]:
    """Each speech segment goes to the shot it overlaps most."""
    said: list[list[str]] = [[] for _ in shots]
    for s in segments:
        overlaps = [min(s.t_end, sh.t_end) - max(s.t_start, sh.t_start) for sh in shots]
        best = max(range(len(shots)), key=lambda i: (overlaps[i], -abs(shots[i].t_start - s.t_start)))
        said[best].append(s.text)
    return said


def describe_shot(frame_labels: Sequence[Sequence[Label]], opts: VideoLogOptions, *, caption: str = "",
                  detections: Sequence[Sequence[Detection]] | None = None) -> str:
    """A shot's labels as one line of plain words: ``person, car (sports car) [vehicle]; count:
    2 people, 1 car; where: person left near, ...; relation: person riding bicycle; colour:
    orange; place: outdoors, sky; caption: ...``.

    Tagger labels are mapped to basic-level words first (tabby cat, tiger cat -> cat) and their
    probabilities summed per word in each frame; a word names the shot when its mean over the
    shot's frames reaches ``min_label_score``, so one noisy frame does not name it. The
    detector's boxes are pooled over the frames (:func:`sokrat.perception.scene.pool`): its
    kept classes name the shot first, with counts, positions and relations. A shot nothing
    names still gets its best guesses as ``maybe:`` and its scene words.
    """
    n = len(frame_labels)
    if not n and not caption:
        return ""
    lex = lexicon()
    words: dict[str, float] = defaultdict(float)
    specific: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    concepts: dict[str, Concept] = {}
    other: dict[str, Counter[str]] = defaultdict(Counter)
    for labels in frame_labels:
        for lab in labels:
            if lab.kind == "object":
                c = lex.concept(lab.name)
                concepts.setdefault(c.word, c)
                words[c.word] += lab.score / n
                if c.specific:
                    specific[c.word][c.specific] += lab.score
            else:  # colour, place, activity: how many frames agree
                other[lab.kind][lab.name] += 1
    scene = pool(detections, opts.scene) if detections else Scene()
    ranked = sorted(words, key=lambda w: (-words[w], w))
    detected = [lex.concept(t.word) for t in scene.things]
    tagged = [concepts[w] for w in ranked if words[w] >= opts.min_label_score][: opts.labels_per_entry]
    named = list({c.word: c for c in [*detected, *(_with_specific(c, specific[c.word]) for c in tagged)]}.values())
    parts = []
    if named:
        parts.append(format_labels(named))
    else:
        guesses = [_with_specific(concepts[w], specific[w]) for w in ranked[:1] if words[w] >= opts.maybe_label_score]
        guesses += [lex.concept(w) for w in scene.maybe[:1]]
        if guesses:
            parts.append("maybe: " + format_labels(list({c.word: c for c in guesses}.values())))
    parts.extend(format_scene(scene))
    agreed = {kind: [name for name, c in other[kind].most_common(3 if kind == "place" else 2) if c * 2 >= n]
              for kind in ("colour", "place", "activity")}
    if "outdoors" not in agreed["place"] and any(t.word in INDOORS for t in scene.things):
        agreed["place"].insert(0, "indoors")
    parts.extend(f"{kind}: {', '.join(names)}" for kind, names in agreed.items() if names)
    if caption:
        found = [c for c in lex.concepts_in(caption) if c.word not in words][:3]
        parts.append(f"caption: {caption}" + (f" [{format_labels(found)}]" if found else ""))
    return "; ".join(parts)


def _with_specific(c: Concept, seen: dict[str, float]) -> Concept:
    """The concept with the finer word the frames gave most (summed score), if any."""
    if not seen:
        return dataclasses.replace(c, specific="")
    return dataclasses.replace(c, specific=max(seen, key=lambda w: (seen[w], w)))


def summarise(entries: Sequence[LogEntry], duration_s: float) -> str:
    """A short, model-free summary: what is seen most, what is said, what is written."""
    seen: Counter[str] = Counter()
    located: Counter[str] = Counter()
    places: Counter[str] = Counter()
    for e in entries:
        items = parse_labels(e.seen)
        where = [i.word for i in items if i.kind == "where"]
        for item in items:
            if item.kind == "object":
                seen[item.word] += 1
                # the detector placed it (a box past its threshold), not only a whole-frame tag
                located[item.word] += any(w.startswith(item.word + " ") for w in where)
            elif item.kind == "place":
                places[item.word] += 1
    said = " ".join(e.said for e in entries if e.said)
    written = " ".join(e.ocr for e in entries if e.ocr)
    lines = [f"{duration_s:.0f} s video, {len(entries)} shots."]
    if seen:
        # ties in shots go to what the detector located: "bicycle" before an ImageNet guess
        most = sorted(seen, key=lambda w: (-seen[w], -located[w]))[:6]  # stable: first seen first
        lines.append("Seen most: " + ", ".join(f"{w} ({seen[w]})" for w in most) + ".")
    if places:
        lines.append("Places: " + ", ".join(p for p, _ in places.most_common(3)) + ".")
    lines.append(f"Speech: {_clip_text(said, 240)}" if said else "No speech detected.")
    if written:
        lines.append(f"Text on screen: {_clip_text(written, 120)}")
    return " ".join(lines)


def _clip_text(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


class _Progress:
    """A rich progress bar on stderr, in media seconds."""

    def __init__(self, name: str, total: float, done: float) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("indexing {task.description}"), BarColumn(),
            TextColumn("{task.completed:.0f}/{task.total:.0f} s"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._task = self._progress.add_task(name, total=max(total, 1e-3), completed=done)  # type: ignore[arg-type]
        self._progress.start()

    def advance(self, t: float) -> None:
        self._progress.update(self._task, completed=t)

    def close(self) -> None:
        self._progress.stop()
