"""Memories stored with ``defer_embedding`` (the planner's episode of each run): found by words at
once, embedded by the next search by meaning, never lost or re-created. Real embedded Redis; a
counting stand-in embedder (what is under test is when it is called, not what it means)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from tests.memory.fakes import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self, fail: bool = False) -> None:
        super().__init__("counting")
        self.calls: list[int] = []
        self.fail = fail

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        if self.fail:
            raise RuntimeError("the embedding model is gone")
        return super().embed(texts)


def test_a_deferred_memory_is_found_by_words_without_any_embedding(memory) -> None:
    memory._embedder = emb = CountingEmbedder()
    mid = memory.remember("Goal: the plumber's phone number\nAnswer: 555 0142", kind="episode", defer_embedding=True)
    assert emb.calls == []  # stored without loading the model
    hits = memory.recall("plumber phone", k=3, semantic=False)
    assert [h.id for h in hits] == [mid] and emb.calls == []
    assert memory.recall("weather", k=3, semantic=False) == []  # no shared word: nothing


def test_the_next_search_by_meaning_embeds_what_was_deferred(memory) -> None:
    memory._embedder = emb = CountingEmbedder()
    now = memory.remember("The spare key is under the blue pot.")  # embedded at once
    assert emb.calls == [1]
    later = [memory.remember(f"Episode {i}: nothing else", kind="episode", defer_embedding=True) for i in range(3)]
    gone = memory.remember("Episode 9: deleted before any search", kind="episode", defer_embedding=True)
    assert memory.delete(gone)
    emb.calls.clear()
    hits = memory.recall("Episode 1: nothing else", k=5, hybrid=False)
    # the three live pending ones, in one batch, before the query (the text itself: its own vector is nearest)
    assert emb.calls[0] == 3
    assert hits[0].id == later[1] and {h.id for h in hits} >= {now, *later}
    assert memory.get(gone) is None  # the deleted one was not re-created by its embedding
    emb.calls.clear()
    memory.recall("anything", k=2, hybrid=False)
    assert emb.calls == [1]  # nothing left pending: only the query


def test_a_failed_embedding_keeps_the_memories_pending(memory) -> None:
    memory._embedder = CountingEmbedder(fail=True)
    mid = memory.remember("Goal: x\nAnswer: y", kind="episode", defer_embedding=True)
    with pytest.raises(RuntimeError, match="gone"):
        memory.recall("x", k=1)
    memory._embedder = ok = CountingEmbedder()
    assert memory.embed_pending() == 1 and ok.calls == [1]
    assert memory.get(mid) is not None
