"""The video log in the real embedded Redis: shots, reuse, resume, fingerprint, clean failure."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sokrat.errors import MediaError
from sokrat.memory.base import LogEntry
from sokrat.perception.base import Label
from sokrat.perception.log import (
    VideoIndexer,
    VideoLogOptions,
    describe_shot,
    log_id_for,
    summarise,
)
from sokrat.perception.registry import Perceivers, get_perceivers
from sokrat.perception.sampling import SamplingOptions
from sokrat.perception.scene import SceneOptions
from tests.perception.conftest import ColourTagger

# 40 s video (a cut at 21 s), shots capped at 5 s, stored about every 10 s: chunks to interrupt between.
OPTIONS = VideoLogOptions(max_shot_s=5.0, chunk_s=10.0, sampling=SamplingOptions(sample_fps=0.5))


def test_entries_are_shots_that_cover_the_video_in_time_order(memory, silent_video: Path) -> None:
    tagger = ColourTagger()
    vlog = VideoIndexer(memory, Perceivers(taggers=[tagger]), options=OPTIONS).index(silent_video)
    entries = memory.video_entries(vlog.meta.log_id)
    assert vlog.meta.status == "complete" and not vlog.reused
    assert entries[0].t_start == 0.0 and entries[-1].t_end == 40.0
    assert all(a.t_end == b.t_start for a, b in zip(entries, entries[1:], strict=False))  # no gap, no overlap
    assert 21.0 in {e.t_start for e in entries}  # the cut starts a shot, exactly
    assert all(OPTIONS.min_shot_s <= e.t_end - e.t_start <= OPTIONS.max_shot_s + 1e-6 for e in entries)
    assert [e.index for e in entries] == list(range(len(entries)))
    assert all(e.seen and e.text_embedding is not None and "colour-tagger" in e.models for e in entries)
    assert all(e.said == "" for e in entries)  # no audio track: speech is skipped, not an error
    assert vlog.meta.summary.startswith(f"40 s video, {len(entries)} shots")


def test_second_index_reuses_the_log(memory, silent_video: Path) -> None:
    a = VideoIndexer(memory, Perceivers(taggers=[ColourTagger()]), options=OPTIONS).index(silent_video)
    again = ColourTagger()
    b = VideoIndexer(memory, Perceivers(taggers=[again]), options=OPTIONS).index(silent_video)
    assert b.reused and b.meta.log_id == a.meta.log_id and again.calls == 0
    # Another model set is another log.
    other = Perceivers(taggers=[ColourTagger()], ocr=get_perceivers(memory.settings).ocr)
    assert VideoIndexer(memory, other, options=OPTIONS).log_id(silent_video) != a.meta.log_id


def test_a_copy_under_another_name_reuses_the_log_under_its_own_name(memory, silent_video: Path,
                                                                       tmp_path: Path) -> None:
    first = VideoIndexer(memory, Perceivers(taggers=[ColourTagger()]), options=OPTIONS).index(silent_video)
    copy = tmp_path / "0123abcd.mp4"  # e.g. an upload stored under its hash
    copy.write_bytes(silent_video.read_bytes())
    again = VideoIndexer(memory, Perceivers(taggers=[ColourTagger()]), options=OPTIONS).index(copy)
    assert again.reused and again.meta.log_id == first.meta.log_id
    assert again.meta.source == "0123abcd.mp4" and first.meta.source == silent_video.name


def test_interrupted_index_resumes_where_it_stopped(memory, silent_video: Path) -> None:
    interrupted = ColourTagger(fail_after=2)  # two chunks stored, Ctrl-C during the third
    indexer = VideoIndexer(memory, Perceivers(taggers=[interrupted]), options=OPTIONS)
    with pytest.raises(KeyboardInterrupt):
        indexer.index(silent_video)
    log_id = indexer.log_id(silent_video)
    partial = memory.video_log(log_id)
    assert partial.status == "partial" and 0 < partial.resume_at_s < 40 and partial.entries > 0
    stored = memory.video_entries(log_id)
    assert stored[-1].t_end == partial.resume_at_s

    resumed = ColourTagger()
    indexer.perceivers.taggers = [resumed]
    vlog = indexer.index(silent_video)
    assert vlog.meta.status == "complete"
    full = ColourTagger()
    fresh = VideoIndexer(memory, Perceivers(taggers=[full]), options=dataclasses.replace(OPTIONS, ocr=False))
    fresh_log = fresh.index(silent_video)
    assert 0 < resumed.images < full.images  # only the rest was decoded and tagged again
    entries = memory.video_entries(log_id)
    assert [e.index for e in entries] == list(range(len(entries)))
    assert [(e.t_start, e.t_end) for e in entries] == [(e.t_start, e.t_end)
                                                        for e in memory.video_entries(fresh_log.meta.log_id)]


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
    indexer = VideoIndexer(memory, Perceivers(taggers=[ColourTagger()]), options=OPTIONS, settings=settings)
    with pytest.raises(MediaError) as err:
        indexer.index(path)
    assert "\n" not in str(err.value)
    keys = [k for k in memory.client.scan_iter(match=f"{memory.prefix}:*")
            if b":vlog:" in k or b":vent:" in k or b":vset:" in k]
    assert keys == []


def _changed(value: object) -> object:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if value is None:
        return 1
    raise TypeError(type(value))


def test_every_option_is_in_the_log_id() -> None:
    base = log_id_for("ab" * 32, ["m1", "m2"], OPTIONS)
    assert base == log_id_for("ab" * 32, ["m2", "m1"], OPTIONS)
    assert base != log_id_for("cd" * 32, ["m1", "m2"], OPTIONS)
    assert base != log_id_for("ab" * 32, ["m1"], OPTIONS)
    seen = {base}
    for f in dataclasses.fields(VideoLogOptions):
        if f.name in ("sampling", "scene"):
            nested = getattr(OPTIONS, f.name)
            for g in dataclasses.fields(nested):
                changed = dataclasses.replace(nested, **{g.name: _changed(getattr(nested, g.name))})
                seen.add(log_id_for("ab" * 32, ["m1", "m2"], dataclasses.replace(OPTIONS, **{f.name: changed})))
            continue
        options = dataclasses.replace(OPTIONS, **{f.name: _changed(getattr(OPTIONS, f.name))})
        seen.add(log_id_for("ab" * 32, ["m1", "m2"], options))
    assert len(seen) == (1 + len(dataclasses.fields(VideoLogOptions)) - 2 + len(dataclasses.fields(SamplingOptions))
                         + len(dataclasses.fields(SceneOptions)))


def test_one_noisy_frame_does_not_name_a_shot() -> None:
    opts = VideoLogOptions()
    cat = [Label("tabby cat", 0.5), Label("tiger cat", 0.3)]
    frames = [cat, cat, cat, [Label("airliner", 0.5)]]
    assert describe_shot(frames, opts) == "cat (tabby cat) [animal]"  # 0.8 x 3/4 = 0.6; the airliner 0.5 / 4 = 0.125 ...
    lasting = [*frames, [Label("airliner", 0.5)], [Label("airliner", 0.5)]]
    assert "airplane (airliner) [aircraft, vehicle]" in describe_shot(lasting, opts)  # ... unless it lasts (1.5 / 6)
    weak = [[Label("moped", 0.08)]] * 3
    assert describe_shot(weak, opts) == "maybe: motorcycle (moped) [vehicle]"
    colours = [[Label("red", 0.5, kind="colour")]] * 2 + [[Label("blue", 0.6, kind="colour")]]
    assert describe_shot(colours, opts) == "colour: red"


def test_clip_adds_zero_shot_labels_and_frame_vectors(memory, silent_video: Path, tiny_clip_dir: Path) -> None:
    from sokrat.perception.backends.clip import HFClip
    from sokrat.video.qa import VideoQA

    clip = HFClip(tiny_clip_dir)
    perceivers = Perceivers(taggers=[ColourTagger()], clip=clip)
    vlog = VideoIndexer(memory, perceivers, options=OPTIONS).index(silent_video)
    entries = memory.video_entries(vlog.meta.log_id)
    assert all(len(e.image_embedding) == 16 and "place: " in e.seen and "activity: " in e.seen for e in entries)
    assert clip.model_id in vlog.meta.models
    hits = memory.search_video(vlog.meta.log_id, clip.embed_texts(["a cat"])[0].tolist(), field="image", k=3)
    assert len(hits) == 3
    qa = VideoQA(settings=memory.settings, memory=memory, perceivers=perceivers)
    assert len(qa.search(silent_video, "a photo of a cat", k=4)) == 4


def test_a_corrupt_frame_is_skipped_and_the_log_says_what_ran(memory, tmp_path: Path, story_video: Path) -> None:
    data = bytearray(story_video.read_bytes())
    n = len(data)
    for k in range(30):  # zero out small pieces of the middle third: damaged frames, not a broken file
        i = n // 3 + k * (n // 3) // 30
        data[i : i + 16] = bytes(16)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    perceivers = Perceivers(taggers=[ColourTagger()], missing={"detector": "ssd-mobilenet-v2-coco: pack not installed"})
    vlog = VideoIndexer(memory, perceivers, options=OPTIONS).index(damaged)
    assert vlog.meta.status == "complete"
    entries = memory.video_entries(vlog.meta.log_id)
    assert entries and entries[-1].t_end >= 14.0  # the shots after the damage are there
    assert vlog.meta.metadata["missing"] == {"detector": "ssd-mobilenet-v2-coco: pack not installed"}
    assert vlog.meta.models == ("colour-tagger",)


def test_summary_ties_go_to_what_the_detector_located() -> None:
    shots = ["vase [container]; count: 1 vase; where: vase centre near",
             "switch [device], lighter [device]",
             "kite, bicycle [vehicle]; count: 1 bicycle; where: bicycle right near",
             "person; count: 1 person; where: person left"] + ["person"] * 3
    entries = [LogEntry(i, float(i), i + 1.0, seen=s) for i, s in enumerate(shots)]
    summary = summarise(entries, 7.0)
    assert "Seen most: person (4), vase (1), bicycle (1), switch (1), lighter (1), kite (1)." in summary
    # without boxes, the order is the order first seen
    plain = [LogEntry(0, 0.0, 1.0, seen="switch [device], kite"), LogEntry(1, 1.0, 2.0, seen="kite")]
    assert "Seen most: kite (2), switch (1)." in summarise(plain, 2.0)
