"""rrf_fuse: the one reciprocal-rank fusion."""

from __future__ import annotations

import pytest

from sokrat.memory.fusion import RRF_K, rrf_fuse


def test_items_in_both_rankings_win() -> None:
    fused = rrf_fuse([["a", "b", "c"], ["c", "d", "a"]])
    assert [key for key, _ in fused] == ["a", "c", "b", "d"]
    assert fused[0][1] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 3))


def test_limit_duplicates_and_empty() -> None:
    assert rrf_fuse([["x", "x", "y"]], limit=1) == [("x", pytest.approx(1 / (RRF_K + 1)))]
    assert rrf_fuse([[], []]) == []
    assert rrf_fuse([["p", "q"], ["r", "q"]], k=1)[0][0] == "q"  # two second places beat one first
    assert rrf_fuse([["p"], ["q", "r", "s", "t", "p"]], k=0)[0][0] == "p"
