"""The video Q&A benchmark's splits (bench/video_qa.py): each held-out split's media are its
own, and every question's evidence window and every narration fall inside its day."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import video_qa  # noqa: E402

KINDS = {"yes_no", "when", "count", "what", "said"}


def _media(days: tuple[video_qa.Day, ...]) -> set[str]:
    return {scene.name for day in days for scene in day.scenes}


def test_the_blind_held_out_splits_share_no_media_with_any_other_split() -> None:
    for name in ("heldout2", "heldout3", "heldout4", "heldout5"):
        own = _media(video_qa.SPLITS[name])
        others = set().union(
            *(_media(days) for other, days in video_qa.SPLITS.items() if other != name)
        )
        assert not own & others, name


def test_every_split_is_reachable_and_names_what_it_needs() -> None:
    assert set(video_qa.SPLITS) == {
        "dev",
        "heldout",
        "heldout2",
        "heldout3",
        "heldout4",
        "heldout5",
        "heldout6",
    }
    assert set(video_qa.NEEDS) == set(video_qa.SPLITS) - {"dev"}
    names = [day.name for days in video_qa.SPLITS.values() for day in days]
    assert len(names) == len(set(names))  # each day caches its own video


@pytest.mark.parametrize("split", sorted(video_qa.SPLITS))
def test_windows_and_narration_fall_inside_each_day(split: str) -> None:
    """(Failures name a day and an item's index, never its question: held-out splits stay blind.)"""
    for day in video_qa.SPLITS[split]:
        length = sum(scene.seconds for scene in day.scenes)
        assert all(0 <= line.t < length for line in day.narration), day.name
        for i, item in enumerate(day.items):
            where = f"{day.name}[{i}]"
            assert item.kind in KINDS, where
            if item.unanswerable:
                assert item.window is None and not item.accept, where
                continue
            assert item.kind == "when" or item.accept, where
            if item.kind == "when":
                assert item.window is not None, where
            if item.window is not None:
                start, end = item.window
                assert 0 <= start < end <= length, where
