"""Document indexes remember their embedder: vectors of another model are refused with the fix,
even at the same vector size (real embedded Redis; hash-seeded vectors, the identity is under test)."""

from __future__ import annotations

import uuid

import pytest

from sokrat.errors import DimensionMismatch
from sokrat.memory.base import Embedder
from sokrat.memory.documents import ChunkRow, DocumentMeta, RedisDocuments
from sokrat.memory.redis import RedisMemory
from tests.memory.fakes import HashEmbedder


def _store(settings, prefix: str, embedder: Embedder) -> RedisDocuments:  # type: ignore[no-untyped-def]
    return RedisDocuments(RedisMemory(settings=settings, prefix=prefix, embedder=embedder))


def _index(docs: RedisDocuments) -> None:
    text = "The kettle is in the left cupboard."
    docs.replace(DocumentMeta(source="notes.txt", namespace="default", sha256="x"),
                 [ChunkRow(0, 0, len(text), text)], docs.memory.embedder.embed([text]))


def test_same_embedder_reads_its_index(settings) -> None:  # type: ignore[no-untyped-def]
    prefix = f"t{uuid.uuid4().hex[:10]}"
    first = _store(settings, prefix, HashEmbedder("model-a"))
    try:
        _index(first)
        again = _store(settings, prefix, HashEmbedder("model-a"))  # another process, same model
        assert [h.source for h in again.search("kettle", k=1)] == ["notes.txt"]
    finally:
        first.memory.clear()
        first.clear()


def test_other_embedder_of_the_same_size_is_refused_with_the_fix(settings) -> None:  # type: ignore[no-untyped-def]
    prefix = f"t{uuid.uuid4().hex[:10]}"
    first = _store(settings, prefix, HashEmbedder("model-a"))
    try:
        _index(first)
        other = _store(settings, prefix, HashEmbedder("model-b"))
        with pytest.raises(DimensionMismatch) as e:
            other.search("kettle", k=1)
        assert "'model-a'" in str(e.value) and "'model-b'" in str(e.value) and "SOKRAT_EMBEDDER" in str(e.value)
        with pytest.raises(DimensionMismatch):  # writing with it is refused too: nothing is mixed
            _index(other)
        assert first.count() == 1
        other.clear()  # the documented way out: drop, then index again with the new model
        _index(other)
        assert [h.source for h in other.search("kettle", k=1)] == ["notes.txt"]
    finally:
        first.memory.clear()
