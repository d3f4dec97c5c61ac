"""Semantic/episodic memory against the real embedded Redis and the real MiniLM embedder."""

from __future__ import annotations

import time

import numpy as np
import pytest

from sokrat.errors import DimensionMismatch, InvalidInput
from sokrat.memory import Embedder, RedisMemory

pytestmark = pytest.mark.slow  # loads the all-MiniLM-L6-v2 offline pack

FACTS = [
    ("The cat sleeps on the red sofa in the living room.", ["home", "pets"], "kitchen.mp4"),
    ("The espresso machine is on the kitchen counter next to the sink.", ["home"], "kitchen.mp4"),
    ("Quarterly revenue grew by twelve percent.", ["work"], "report.pdf"),
    ("The replacement part number for the dishwasher pump is XJ-9000.", ["home", "repairs"], None),
    ("Football practice is on Tuesday evenings.", ["family"], None),
]


@pytest.fixture
def filled(memory: RedisMemory) -> tuple[RedisMemory, list[str]]:
    ids = [memory.remember(t, tags=tags, source=src) for t, tags, src in FACTS]
    return memory, ids


def test_remember_get_roundtrip(memory: RedisMemory) -> None:
    before = time.time()
    mid = memory.remember("Alice prefers green tea.", kind="episode", namespace="alice", tags=["prefs", "tea"],
                          source="chat", t_start=1.5, t_end=3.0, metadata={"turn": 4})
    rec = memory.get(mid)
    assert rec is not None
    assert (rec.id, rec.text, rec.kind, rec.namespace, rec.source) == (mid, "Alice prefers green tea.", "episode", "alice", "chat")
    assert rec.tags == ("prefs", "tea") and (rec.t_start, rec.t_end) == (1.5, 3.0)
    assert rec.metadata == {"turn": 4} and rec.created_at >= before - 1
    assert memory.get("does-not-exist") is None


def test_vector_recall_ranks_by_meaning(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    hits = memory.recall("where does the kitty nap?", k=3, hybrid=False)
    assert hits[0].id == ids[0]
    assert all(h.score is not None for h in hits)
    assert hits[0].score > hits[1].score  # cosine similarity, best first
    hits = memory.recall("coffee maker location", k=1, hybrid=False)
    assert hits[0].id == ids[1]


def test_filters(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    other = memory.remember("The cat sleeps on the red sofa.", kind="episode", namespace="bob", tags=["pets"])
    assert {h.id for h in memory.recall("cat", k=10, tags=["work"])} == {ids[2]}
    assert {h.id for h in memory.recall("cat", k=10, tags=["repairs", "family"])} == {ids[3], ids[4]}
    assert {h.id for h in memory.recall("cat", k=10, source="kitchen.mp4")} == {ids[0], ids[1]}
    assert {h.id for h in memory.recall("cat", k=10, namespace="bob")} == {other}
    assert {h.id for h in memory.recall("cat", k=10, kinds=["episode"])} == {other}
    assert other not in {h.id for h in memory.recall("cat", k=10, namespace="default")}
    # created_at range
    cutoff = time.time()
    time.sleep(0.01)
    late = memory.remember("A late note about the cat.")
    assert {h.id for h in memory.recall("cat", k=10, since=cutoff)} == {late}
    assert late not in {h.id for h in memory.recall("cat", k=10, until=cutoff)}


def test_hybrid_finds_exact_tokens_vectors_miss(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    for i in range(20):  # distractors about pumps and parts, without the code
        memory.remember(f"Note {i}: the garden pump needs a new filter part soon.", tags=["noise"])
    vector_only = [h.id for h in memory.recall("XJ-9000", k=3, hybrid=False)]
    hybrid = [h.id for h in memory.recall("XJ-9000", k=3, hybrid=True)]
    assert hybrid[0] == ids[3]
    assert ids[3] in hybrid
    # The fused ranking should not be worse than the vector one for the exact token.
    rank_v = vector_only.index(ids[3]) if ids[3] in vector_only else 99
    assert hybrid.index(ids[3]) <= rank_v


def test_hybrid_respects_filters(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    hits = memory.recall("XJ-9000 dishwasher", k=5, tags=["work"])
    assert [h.id for h in hits] == [ids[2]]


def test_ttl_expiry(memory: RedisMemory) -> None:
    short = memory.remember("This note expires quickly.", ttl_s=3)
    keep = memory.remember("This note stays.")
    assert memory.get(short) is not None
    deadline = time.monotonic() + 30
    while memory.get(short) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert memory.get(short) is None
    assert memory.get(keep) is not None
    assert short not in {h.id for h in memory.recall("note", k=10)}


def test_delete(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    assert memory.delete(ids[0]) is True
    assert memory.delete(ids[0]) is False
    assert memory.get(ids[0]) is None
    assert ids[0] not in {h.id for h in memory.recall("cat on the sofa", k=10)}


def test_bad_input_is_refused_and_loses_nothing(filled: tuple[RedisMemory, list[str]]) -> None:
    memory, ids = filled
    with pytest.raises(InvalidInput):
        memory.remember("   ")
    with pytest.raises(InvalidInput):
        memory.remember("x", ttl_s=0)
    with pytest.raises(InvalidInput):
        memory.remember("x", metadata={"f": object()})
    with pytest.raises(InvalidInput):
        memory.recall("")
    with pytest.raises(InvalidInput):
        memory.recall("cat", k=0)
    assert all(memory.get(i) is not None for i in ids)


def test_tag_values_with_punctuation(memory: RedisMemory) -> None:
    mid = memory.remember("Meeting notes.", tags=["proj:alpha-1", "a b"], source="notes/2024 q1.md")
    assert [h.id for h in memory.recall("meeting", tags=["proj:alpha-1"])] == [mid]
    assert [h.id for h in memory.recall("meeting", tags=["a b"])] == [mid]
    assert [h.id for h in memory.recall("meeting", source="notes/2024 q1.md")] == [mid]
    assert memory.recall("meeting", tags=["proj"]) == []


class _TinyEmbedder(Embedder):
    """A fixed 8-d embedder: only here to build an index of another dimension."""

    name = "tiny-8d"

    @property
    def dim(self) -> int:
        return 8

    def embed(self, texts):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), 8), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def test_dimension_mismatch_is_reported_not_reindexed(settings, memory: RedisMemory) -> None:  # type: ignore[no-untyped-def]
    memory.remember("Built with the real 384-d embedder.")
    other = RedisMemory(settings=settings, prefix=memory.prefix, embedder=_TinyEmbedder())
    try:
        with pytest.raises(DimensionMismatch, match=r"384-d.*8-d"):
            other.remember("eight dims")
        with pytest.raises(DimensionMismatch):
            other.recall("eight dims")
    finally:
        other.close()
    assert len(memory.recall("real embedder", k=5)) == 1  # the old index is intact
