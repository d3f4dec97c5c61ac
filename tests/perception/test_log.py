"""The video log in the real embedded Redis: build, reuse, resume, and clean failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from sokrat.errors import MediaError
from sokrat.perception.log import IndexOptions, VideoIndexer, log_id_for
from sokrat.perception.registry import Perceivers, get_perceivers
from sokrat.perception.sampling import SamplingOptions
from tests.perception.conftest import ColourTagger

# 40 s video, 5 s entries, 2 entries per chunk: four chunks to interrupt between.
OPTIONS = IndexOptions(segment_s=5.0, chunk_segments=2, sampling=SamplingOptions(sample_fps=0.5))


def test_log_entries_cover_the_video_in_time_order(memory, silent_video: Path) -> None:
    tagger = ColourTagger()
    vlog = VideoIndexer(memory, Perceivers(tagger=tagger), options=OPTIONS).index(silent_video)
    entries = memory.video_entries(vlog.meta.log_id)
    assert vlog.meta.status == "complete" and not vlog.reused
    assert [(e.t_start, e.t_end) for e in entries] == [(5.0 * i, 5.0 * (i + 1)) for i in range(8)]
    assert [e.index for e in entries] == list(range(8))
    assert all(e.seen and e.text_embedding is not None and "colour-tagger" in e.models for e in entries)
    assert all(e.said == "" for e in entries)  # no audio track: speech is skipped, not an error
    assert vlog.meta.summary.startswith("40 s video, 8 segments")


def test_second_index_reuses_the_log(memory, silent_video: Path) -> None:
    first = ColourTagger()
    a = VideoIndexer(memory, Perceivers(tagger=first), options=OPTIONS).index(silent_video)
    again = ColourTagger()
    b = VideoIndexer(memory, Perceivers(tagger=again), options=OPTIONS).index(silent_video)
    assert b.reused and b.meta.log_id == a.meta.log_id and again.calls == 0
    # Another model set is another log.
    other = Perceivers(tagger=ColourTagger(), ocr=get_perceivers(memory.settings).ocr)
    assert VideoIndexer(memory, other, options=OPTIONS).log_id(silent_video) != a.meta.log_id


def test_interrupted_index_resumes_where_it_stopped(memory, silent_video: Path) -> None:
    interrupted = ColourTagger(fail_after=2)  # two chunks stored, Ctrl-C during the third
    indexer = VideoIndexer(memory, Perceivers(tagger=interrupted), options=OPTIONS)
    with pytest.raises(KeyboardInterrupt):
        indexer.index(silent_video)
    log_id = indexer.log_id(silent_video)
    partial = memory.video_log(log_id)
    assert partial.status == "partial" and partial.resume_at_s == 20.0 and partial.entries == 4

    resumed = ColourTagger()
    indexer.perceivers.tagger = resumed
    vlog = indexer.index(silent_video)
    assert vlog.meta.status == "complete" and vlog.meta.entries == 8
    full = ColourTagger()
    VideoIndexer(memory, Perceivers(tagger=full), options=IndexOptions(
        segment_s=5.0, chunk_segments=2, sampling=SamplingOptions(sample_fps=0.5), ocr=False)).index(silent_video)
    assert 0 < resumed.images < full.images  # only the second half was decoded and tagged again
    assert [e.index for e in memory.video_entries(log_id)] == list(range(8))


@pytest.mark.parametrize("case", ["not_video", "truncated_tail", "audio_only", "huge"])
def test_failed_index_leaves_nothing_behind(case: str, memory, tmp_path: Path, story_video: Path,
                                            speech_clip: Path) -> None:
    from sokrat.settings import Settings
    from tests.perception.media import ffmpeg

    settings = None
    if case == "not_video":
        path = tmp_path / "x.mp4"
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 1000)
    elif case == "truncated_tail":  # moov first: it opens, then the frames stop early
        fast = tmp_path / "fast.mp4"
        ffmpeg("-i", str(story_video), "-c", "copy", "-movflags", "+faststart", str(fast))
        path = tmp_path / "cut.mp4"
        path.write_bytes(fast.read_bytes()[: fast.stat().st_size // 3])
    elif case == "audio_only":
        path = speech_clip
    else:
        path, settings = story_video, Settings(max_video_pixels=1000)
    indexer = VideoIndexer(memory, Perceivers(tagger=ColourTagger()), options=OPTIONS, settings=settings)
    with pytest.raises(MediaError) as err:
        indexer.index(path)
    assert "\n" not in str(err.value)
    keys = [k for k in memory.client.scan_iter(match=f"{memory.prefix}:*")
            if b":vlog:" in k or b":vent:" in k or b":vset:" in k]
    assert keys == []


def test_log_id_depends_on_content_models_and_options() -> None:
    base = log_id_for("ab" * 32, ["m1", "m2"], OPTIONS)
    assert base == log_id_for("ab" * 32, ["m2", "m1"], OPTIONS)
    assert base != log_id_for("cd" * 32, ["m1", "m2"], OPTIONS)
    assert base != log_id_for("ab" * 32, ["m1"], OPTIONS)
    assert base != log_id_for("ab" * 32, ["m1", "m2"], IndexOptions(segment_s=7.0))


def test_clip_adds_zero_shot_labels_and_frame_vectors(memory, silent_video: Path, tiny_clip_dir: Path) -> None:
    from sokrat.perception.clip import HFClip
    from sokrat.perception.qa import VideoQA

    clip = HFClip(tiny_clip_dir)
    perceivers = Perceivers(tagger=ColourTagger(), clip=clip)
    vlog = VideoIndexer(memory, perceivers, options=OPTIONS).index(silent_video)
    entries = memory.video_entries(vlog.meta.log_id)
    assert all(len(e.image_embedding) == 16 and "place: " in e.seen and "activity: " in e.seen for e in entries)
    assert clip.model_id in vlog.meta.models
    hits = memory.search_video(vlog.meta.log_id, clip.embed_texts(["a cat"])[0].tolist(), field="image", k=3)
    assert len(hits) == 3
    qa = VideoQA(settings=memory.settings, memory=memory, perceivers=perceivers)
    assert len(qa.search(silent_video, "a photo of a cat", k=4)) == 4
