"""The Socratic video log: perception models turn a video into timestamped language.

:class:`VideoIndexer` streams a video once, in chunks of a few segments: sampled frames go
to the tagger / CLIP / captioner / OCR, the soundtrack to speech recognition, and each
``segment_s`` of media becomes one :class:`~sokrat.memory.base.LogEntry` (seen, said, text
on screen, with embeddings), appended to memory chunk by chunk. The log is keyed by the
file's content hash plus the model set, so indexing again is free; an interrupted run
resumes from ``resume_at_s``; a bad input leaves nothing behind.
"""

from __future__ import annotations

import hashlib
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
from sokrat.perception.decode import AudioReader, MediaInfo, content_hash, probe
from sokrat.perception.sampling import (
    DecodeState,
    SampledFrame,
    SamplingOptions,
    sample_frames,
    scene_score,
)

if TYPE_CHECKING:
    import numpy as np

    from sokrat.memory.base import Embedder, Memory
    from sokrat.perception.base import ImageTextEmbedder, Label, SpeechSegment
    from sokrat.perception.clip import ZeroShotTagger
    from sokrat.perception.registry import Perceivers
    from sokrat.settings import Settings

log = logging.getLogger(__name__)

LOG_FORMAT = 2
"""Bumped when the entry format changes, so old logs are not reused."""


@dataclass(frozen=True)
class IndexOptions:
    """How a video is turned into a log."""

    segment_s: float = 10.0
    """Length of one log entry (media seconds)."""
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    chunk_segments: int = 6
    """Entries stored per write; an interrupted run loses at most one chunk of work."""
    labels_per_frame: int = 3
    min_label_score: float = 0.08
    """Tagger labels less likely than this are left out of the log."""
    labels_per_entry: int = 5
    min_entries: int = 5
    """Short videos get shorter entries (down to 1 s) so that at least this many exist."""
    ocr: bool = True
    speech: bool = True
    captions: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> IndexOptions:
        return cls(segment_s=settings.segment_s, sampling=SamplingOptions.from_settings(settings))

    def segment_for(self, duration_s: float) -> float:
        """Entry length for a video of ``duration_s``: ``segment_s``, shorter for short clips."""
        return max(1.0, min(self.segment_s, duration_s / max(self.min_entries, 1)))

    def fingerprint(self) -> str:
        s = self.sampling
        return (f"v{LOG_FORMAT}|seg={self.segment_s}|fps={s.sample_fps}|scene={s.scene_threshold}"
                f"|cap={s.max_frames_per_minute}|ocr={self.ocr}|speech={self.speech}|cap={self.captions}")


@dataclass
class StageTimes:
    """Wall seconds spent per stage (for bench/ingest.py)."""

    decode: float = 0.0
    tagger: float = 0.0
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


def log_id_for(digest: str, model_ids: Sequence[str], options: IndexOptions) -> str:
    """``<content hash>-<hash of the models and options>``: same file + same models = same log."""
    models = hashlib.sha256(("|".join(sorted(model_ids)) + "|" + options.fingerprint()).encode()).hexdigest()
    return f"{digest[:32]}-{models[:10]}"


class VideoIndexer:
    """Builds (or finds) the log of a video in ``memory`` with the given perceivers."""

    def __init__(self, memory: Memory, perceivers: Perceivers, *, embedder: Embedder | None = None,
                 options: IndexOptions | None = None, settings: Settings | None = None) -> None:
        self.memory = memory
        self.perceivers = perceivers
        self.embedder = embedder or memory.embedder
        self.options = options or IndexOptions()
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
            return VideoLog(existing, info.path, reused=True)
        meta = self.memory.begin_video_log(VideoLogMeta(
            log_id=log_id, source=info.path.name, duration_s=info.duration_s,
            models=self.perceivers.model_ids(),
            metadata={"width": info.width, "height": info.height, "fps": info.fps, "has_audio": info.has_audio,
                      "path": str(info.path.resolve()), "options": self.options.fingerprint()},
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
        seg = opts.segment_for(info.duration_s)
        chunk_s = seg * opts.chunk_segments
        start = meta.resume_at_s
        index = meta.entries
        duration = info.duration_s
        if duration <= 0:
            raise MediaError(f"{info.path.name}: the video has no duration (empty or truncated file)")
        use_speech = opts.speech and info.has_audio and self.perceivers.speech is not None
        audio = AudioReader(info.path, start_s=start) if use_speech else None
        decoded = DecodeState()
        frames = _Peekable(sample_frames(info.path, opts.sampling, start_s=start, state=decoded))
        bar = _Progress(info.path.name, duration, start) if progress else None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sokrat-speech")
        try:
            c0 = start
            while c0 < duration:
                c1 = min(c0 + chunk_s, duration)
                t = time.perf_counter()
                chunk: list[SampledFrame] = []
                while (f := frames.peek()) is not None and f.t < c1:
                    chunk.append(next(frames))
                times.decode += time.perf_counter() - t
                times.frames += len(chunk)
                if not chunk and c0 == 0.0 and decoded.decoded == 0:
                    raise MediaError(f"{info.path.name}: no video frame could be decoded (empty or truncated file)")
                speech: Future[list[SpeechSegment]] | None = None
                if audio is not None:
                    # Speech runs in a worker thread while the frames are looked at: CTranslate2
                    # and torch both release the GIL, so the two cores are kept busy.
                    speech = pool.submit(self._transcribe, audio.read_until(c1), c0, times)
                entries = self._entries(chunk, speech, c0, c1, seg, index, times)
                t = time.perf_counter()
                self.memory.append_video_entries(meta.log_id, entries, resume_at_s=c1)
                times.store += time.perf_counter() - t
                index += len(entries)
                if bar is not None:
                    bar.advance(c1)
                c0 = c1
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if audio is not None:
                audio.close()
            if bar is not None:
                bar.close()
        last = decoded.last_t
        if last >= 0 and last < duration - max(2 * seg, 0.25 * duration):
            raise MediaError(
                f"{info.path.name}: frames stop at {last:.1f} s of {duration:.1f} s; the file looks truncated"
            )
        entries_all = self.memory.video_entries(meta.log_id)
        return self.memory.finish_video_log(meta.log_id, summary=summarise(entries_all, duration))

    def _transcribe(self, samples: np.ndarray, offset_s: float, times: StageTimes) -> list[SpeechSegment]:
        t = time.perf_counter()
        try:
            return self.perceivers.speech.transcribe(samples, offset_s=offset_s)  # type: ignore[union-attr]
        finally:
            times.speech += time.perf_counter() - t

    def _entries(self, frames: list[SampledFrame], speech: Future[list[SpeechSegment]] | None, c0: float, c1: float,
                 seg: float, first_index: int, times: StageTimes) -> list[LogEntry]:
        import numpy as np

        p, opts = self.perceivers, self.options
        images = [f.image for f in frames]
        tags: list[list[Label]] = [[] for _ in frames]
        if p.tagger is not None and images:
            t = time.perf_counter()
            tags = p.tagger.tag(images, top_k=opts.labels_per_frame)
            times.tagger += time.perf_counter() - t
        clip_vectors: np.ndarray | None = None
        if p.clip is not None and images:
            t = time.perf_counter()
            clip_vectors = p.clip.embed_images(images)  # (F, D)
            zero_shot = _zero_shot(p.clip).tag_vectors(clip_vectors, top_k=opts.labels_per_frame)
            tags = [a + b for a, b in zip(tags, zero_shot, strict=True)]
            times.clip += time.perf_counter() - t

        # One representative frame per segment for the expensive per-frame models.
        bounds = []
        s0 = c0
        while s0 < c1 - 1e-6:
            bounds.append((s0, min(s0 + seg, c1)))
            s0 += seg
        members: dict[int, list[int]] = defaultdict(list)
        for i, f in enumerate(frames):
            members[min(int((f.t - c0) // seg), len(bounds) - 1)].append(i)
        reps = {k: _representative(frames, v) for k, v in members.items()}
        captions: dict[int, str] = {}
        if p.captioner is not None and opts.captions and reps:
            t = time.perf_counter()
            keys = sorted(reps)
            for k, text in zip(keys, p.captioner.caption([frames[reps[k]].image for k in keys]), strict=True):
                captions[k] = text
            times.captioner += time.perf_counter() - t
        ocr: dict[int, str] = {}
        if p.ocr is not None and opts.ocr and reps:
            t = time.perf_counter()
            for k in sorted(reps):
                image = frames[reps[k]].image
                thumb = _thumb(image)
                # The same picture as the last OCR'd one (a static shot): reuse its text.
                if self._ocr_last is not None and scene_score(self._ocr_last[0], thumb, pixel_delta=0.1) < 0.05:
                    ocr[k] = self._ocr_last[1]
                    continue
                ocr[k] = p.ocr.read([image])[0]
                self._ocr_last = (thumb, ocr[k])
            times.ocr += time.perf_counter() - t

        said: dict[int, list[str]] = defaultdict(list)
        for s in speech.result() if speech is not None else ():
            mid = (s.t_start + s.t_end) / 2
            said[min(max(int((mid - c0) // seg), 0), len(bounds) - 1)].append(s.text)

        models = self._models_used()
        entries = []
        for k, (s0, s1) in enumerate(bounds):
            idx = members.get(k, [])
            seen = _describe([tags[i] for i in idx], [frames[i].t for i in idx], opts)
            if k in captions and captions[k]:
                seen = f"{captions[k]}; {seen}" if seen else captions[k]
            image_vec = None
            if clip_vectors is not None and idx:
                v = clip_vectors[idx].mean(axis=0)
                image_vec = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32).tolist()
            entries.append(LogEntry(index=first_index + k, t_start=round(s0, 3), t_end=round(s1, 3), seen=seen,
                                    said=" ".join(said.get(k, [])), ocr=ocr.get(k, ""), models=models,
                                    image_embedding=image_vec))
        t = time.perf_counter()
        vectors = self.embedder.embed([e.text for e in entries])  # (E, D)
        times.embedding += time.perf_counter() - t
        return [_with_text_vector(e, v) for e, v in zip(entries, vectors, strict=True)]

    def _models_used(self) -> tuple[str, ...]:
        names = list(self.perceivers.model_ids())
        names.append(getattr(self.embedder, "name", "embedder"))
        return tuple(names)


def _thumb(image: np.ndarray) -> np.ndarray:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.fromarray(image).convert("L").resize((32, 18)), dtype=np.float32) / 255.0


def _with_text_vector(entry: LogEntry, vector: np.ndarray) -> LogEntry:
    from dataclasses import replace

    return replace(entry, text_embedding=vector.astype("float32").tolist())


_zero_shot_cache: dict[int, ZeroShotTagger] = {}


def _zero_shot(clip: ImageTextEmbedder) -> ZeroShotTagger:
    """One zero-shot tagger per CLIP backend (its vocabulary vectors are computed once)."""
    from sokrat.perception.clip import ZeroShotTagger

    key = id(clip)
    if key not in _zero_shot_cache:
        _zero_shot_cache[key] = ZeroShotTagger(clip)
    return _zero_shot_cache[key]


def _representative(frames: Sequence[SampledFrame], idx: list[int]) -> int:
    """The segment's frame for captions/OCR: its strongest scene cut, else its middle frame."""
    scene = [i for i in idx if frames[i].reason == "scene"]
    if scene:
        return max(scene, key=lambda i: frames[i].scene_score)
    return idx[len(idx) // 2]


def _describe(frame_tags: list[list[Label]], frame_times: list[float], opts: IndexOptions) -> str:
    """Labels of a segment's frames as one line: the most confident first, kind-prefixed for CLIP."""
    if not frame_tags:
        return ""
    best: dict[tuple[str, str], float] = {}
    count: Counter[tuple[str, str]] = Counter()
    groups: set[str] = set()
    for labels in frame_tags:
        for lab in labels:
            if lab.score < opts.min_label_score and lab.kind == "object":
                continue
            key = ("object" if lab.kind == "group" else lab.kind, lab.name)
            if lab.kind == "group":
                groups.add(lab.name)
            best[key] = max(best.get(key, 0.0), lab.score)
            count[key] += 1
    # Coarse group names ("bicycle") first, then by how often and how surely a label was seen.
    ranked = sorted(best, key=lambda k: (k[1] not in groups, -(count[k] * best[k]), k[1]))
    parts: dict[str, list[str]] = defaultdict(list)
    for kind, name in ranked:
        if len(parts[kind]) < (opts.labels_per_entry if kind == "object" else 1):
            parts[kind].append(name)
    out = []
    if parts.get("place"):
        out.append("place: " + parts["place"][0])
    if parts.get("activity"):
        out.append("activity: " + parts["activity"][0])
    if parts.get("object"):
        out.append(", ".join(parts["object"]))
    return "; ".join(out)


def summarise(entries: Sequence[LogEntry], duration_s: float) -> str:
    """A short, model-free summary: what is seen most, what is said, what is written."""
    seen: Counter[str] = Counter()
    for e in entries:
        for part in e.seen.split(";"):
            for name in part.split(","):
                name = name.split(":")[-1].strip()
                if name:
                    seen[name] += 1
    said = " ".join(e.said for e in entries if e.said)
    written = " ".join(e.ocr for e in entries if e.ocr)
    lines = [f"{duration_s:.0f} s video, {len(entries)} segments."]
    if seen:
        lines.append("Seen most: " + ", ".join(f"{n} ({c})" for n, c in seen.most_common(6)) + ".")
    lines.append(f"Speech: {_clip_text(said, 240)}" if said else "No speech detected.")
    if written:
        lines.append(f"Text on screen: {_clip_text(written, 120)}")
    return " ".join(lines)


def _clip_text(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


class _Peekable:
    def __init__(self, it: Iterator[SampledFrame]) -> None:
        self._it = it
        self._next: SampledFrame | None = None
        self._done = False

    def peek(self) -> SampledFrame | None:
        if self._next is None and not self._done:
            try:
                self._next = next(self._it)
            except StopIteration:
                self._done = True
        return self._next

    def __next__(self) -> SampledFrame:
        item = self.peek()
        if item is None:
            raise StopIteration
        self._next = None
        return item


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
