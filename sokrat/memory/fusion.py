"""Reciprocal Rank Fusion: the one place rankings from different retrievers are combined.

RRF (Cormack, Clarke & Buettcher, SIGIR 2009) scores an item ``sum(1 / (k + rank))`` over
the rankings it appears in (rank 1 is best). It needs no calibration between retrievers whose
scores live on unrelated scales (cosine similarity vs BM25), which is why hybrid recall,
document search and video search all use it.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

RRF_K = 60
"""The damping constant of the original paper; larger values flatten the head of each ranking."""


def rrf_fuse(rankings: Sequence[Sequence[K]], *, k: int = RRF_K, limit: int | None = None) -> list[tuple[K, float]]:
    """Fuse best-first rankings of item keys into one, best first, as ``(key, rrf score)``.

    A key repeated within one ranking counts at its best rank only. Ties keep the order in
    which keys were first seen (the earlier ranking wins).
    """
    scores: dict[K, float] = {}
    for ranking in rankings:
        seen: set[K] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            scores[key] = scores.get(key, 0.0) + 1.0 / (k + rank)
    fused = sorted(scores.items(), key=lambda item: item[1], reverse=True)  # stable: ties keep first-seen order
    return fused if limit is None else fused[:limit]
