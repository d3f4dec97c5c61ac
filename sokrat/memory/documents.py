"""Document chunks in Redis: full-text (BM25) and vector fields, searched by hybrid fusion.

Layout, under the memory's key prefix ``P``:

- ``P:dsrc:<id>``: HASH, one indexed document: namespace, source (its path), sha256, title,
  kind, chunks, chars, indexed_at. ``<id>`` is a hash of (namespace, source).
- ``P:dchk:<id>:<n>``: HASH, chunk ``n``: text, namespace, source, title, start, end, page,
  chunk and ``embedding`` (float32). Index ``P:idx:doc``: TEXT ``text`` (BM25) and
  ``title``, TAG ``namespace``/``source``, NUMERIC ``start``, VECTOR ``embedding`` (HNSW,
  cosine, the embedder's dim).

Re-indexing a source replaces its chunks in one MULTI/EXEC transaction; an unchanged file
(same SHA-256) is skipped before anything is extracted or embedded. Every read is filtered by
namespace, the owner a run is scoped to (None reads every namespace).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sokrat.errors import InvalidInput
from sokrat.memory.fusion import rrf_fuse
from sokrat.memory.redis import _s, _tag_clause, _translate_errors, _vec_bytes, text_terms

if TYPE_CHECKING:
    import numpy as np

    from sokrat.memory.redis import RedisMemory

_CHUNK_FIELDS = ("text", "namespace", "source", "title", "start", "end", "page", "chunk")
SEARCH_DEPTH = 30
"""Candidates each retriever (vector, BM25) hands to the fusion, at least."""


@dataclass(frozen=True)
class DocumentMeta:
    """What is stored about one indexed document."""

    source: str
    namespace: str
    sha256: str
    title: str = ""
    kind: str = ""
    chunks: int = 0
    chars: int = 0
    indexed_at: float = 0.0


@dataclass(frozen=True)
class ChunkRow:
    """One chunk to store: ``text == document_text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    page: int | None = None


@dataclass(frozen=True)
class DocumentHit:
    """A search result: where it is (source, character offsets, page) and what it says."""

    source: str
    start: int
    end: int
    text: str
    score: float
    title: str = ""
    chunk: int = 0
    page: int | None = None
    namespace: str = "default"


class RedisDocuments:
    """Document chunks next to a :class:`~sokrat.memory.redis.RedisMemory` (same server, prefix, embedder)."""

    def __init__(self, memory: RedisMemory) -> None:
        self.memory = memory
        self.client = memory.client
        self.index = memory._k("idx", "doc")

    # --- plumbing (the error wrapper expects these three attributes) ---------------------------
    @property
    def embedded(self) -> bool:
        return self.memory.embedded

    @property
    def settings(self) -> Any:
        return self.memory.settings

    @property
    def url(self) -> str:
        return self.memory.url

    def _src_id(self, namespace: str, source: str) -> str:
        return hashlib.sha256(f"{namespace}\0{source}".encode()).hexdigest()[:32]

    def _ensure(self) -> int:
        from redis.commands.search.field import NumericField, TagField, TextField

        dim = self.memory.embedder.dim
        self.memory._ensure_index(
            self.index, "embedding", dim,
            [TextField("text"), TextField("title", weight=2.0), TagField("namespace"), TagField("source"),
             NumericField("start")],
            self.memory._k("dchk", ""))
        return dim

    # --- writing -------------------------------------------------------------------------------
    @_translate_errors
    def document(self, source: str, *, namespace: str = "default") -> DocumentMeta | None:
        raw = self.client.hgetall(self.memory._k("dsrc", self._src_id(namespace, source)))
        if not raw:
            return None
        f = {_s(k): _s(v) for k, v in raw.items()}
        return DocumentMeta(source=f["source"], namespace=f["namespace"], sha256=f["sha256"], title=f.get("title", ""),
                            kind=f.get("kind", ""), chunks=int(f.get("chunks", 0)), chars=int(f.get("chars", 0)),
                            indexed_at=float(f.get("indexed_at", 0)))

    @_translate_errors
    def replace(self, meta: DocumentMeta, chunks: Sequence[ChunkRow], vectors: np.ndarray) -> None:
        """Store ``chunks`` (with their ``(N, D)`` embeddings) as the document's only chunks."""
        if len(chunks) != len(vectors):
            raise InvalidInput(f"{len(chunks)} chunks but {len(vectors)} vectors")
        dim = self._ensure()
        src_id = self._src_id(meta.namespace, meta.source)
        header = self.memory._k("dsrc", src_id)
        rows = []
        for c, vec in zip(chunks, vectors, strict=True):
            rows.append((self.memory._k("dchk", src_id, f"{c.index:06d}"), {
                "text": c.text, "namespace": meta.namespace, "source": meta.source, "title": meta.title,
                "start": c.start, "end": c.end, "page": c.page if c.page is not None else "", "chunk": c.index,
                "embedding": _vec_bytes(vec, dim, what="a chunk embedding"),
            }))
        stale_pattern = self.memory._k("dchk", src_id, "*")

        def txn(pipe: Any) -> None:
            stale = [_s(k) for k in pipe.scan_iter(match=stale_pattern, count=1000)]
            pipe.multi()
            for i in range(0, len(stale), 1000):
                pipe.delete(*stale[i:i + 1000])
            for key, row in rows:
                pipe.hset(key, mapping=cast(Any, row))
            pipe.hset(header, mapping=cast(Any, {
                "source": meta.source, "namespace": meta.namespace, "sha256": meta.sha256, "title": meta.title,
                "kind": meta.kind, "chunks": len(rows), "chars": meta.chars, "indexed_at": time.time()}))

        self.client.transaction(txn, header)

    @_translate_errors
    def delete(self, source: str, *, namespace: str = "default") -> bool:
        src_id = self._src_id(namespace, source)
        keys = [_s(k) for k in self.client.scan_iter(match=self.memory._k("dchk", src_id, "*"), count=1000)]
        pipe = self.client.pipeline(transaction=True)
        for i in range(0, len(keys), 1000):
            pipe.delete(*keys[i:i + 1000])
        pipe.delete(self.memory._k("dsrc", src_id))
        return bool(pipe.execute()[-1])

    # --- reading -------------------------------------------------------------------------------
    @_translate_errors
    def search(self, query: str, *, k: int = 5, namespace: str | None = "default",
               vector: Sequence[float] | None = None) -> list[DocumentHit]:
        """Best ``k`` chunks for ``query``: BM25 and vector rankings fused by RRF."""
        from redis.commands.search.query import Query

        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("search needs a non-empty query")
        if k < 1:
            raise InvalidInput(f"k must be >= 1, got {k}")
        dim = self._ensure()
        flt = _tag_clause("namespace", [namespace]) if namespace is not None else ""
        qvec = self.memory.embedder.embed([query])[0] if vector is None else vector
        depth = max(SEARCH_DEPTH, 3 * k)
        vec_hits = self.memory._knn(self.index, "embedding", _vec_bytes(qvec, dim, what="the query embedding"),
                                    depth, flt, _CHUNK_FIELDS, batches=True)
        terms = text_terms(query)
        text_hits: list[Any] = []
        if terms:
            q = (Query(f"(@text|title:({terms})) {flt}".strip()).scorer("BM25").return_fields(*_CHUNK_FIELDS)
                 .paging(0, depth).dialect(2))
            text_hits = self.client.ft(self.index).search(q).docs
        docs: dict[str, Any] = {d.id: d for d, _ in vec_hits}
        for d in text_hits:
            docs.setdefault(d.id, d)
        fused = rrf_fuse([[d.id for d, _ in vec_hits], [d.id for d in text_hits]], limit=k)
        return [self._hit(docs[key], score) for key, score in fused]

    @staticmethod
    def _hit(doc: Any, score: float) -> DocumentHit:
        page = _s(getattr(doc, "page", ""))
        return DocumentHit(
            source=_s(getattr(doc, "source", "")), start=int(_s(doc.start)), end=int(_s(doc.end)),
            text=_s(getattr(doc, "text", "")), score=score, title=_s(getattr(doc, "title", "")),
            chunk=int(_s(getattr(doc, "chunk", "0")) or 0), page=int(page) if page else None,
            namespace=_s(getattr(doc, "namespace", "default")))

    @_translate_errors
    def count(self) -> int:
        """Chunks in the index (0 before the first document)."""
        import redis

        try:
            return int(self.client.ft(self.index).info()["num_docs"])
        except redis.ResponseError:
            return 0

    def clear(self) -> None:
        """Drop the index and every document key of this prefix (tests, resets)."""
        import redis

        with contextlib.suppress(redis.ResponseError):  # no index yet
            self.client.ft(self.index).dropindex(delete_documents=False)
        for pattern in ("dchk", "dsrc"):
            keys = list(self.client.scan_iter(match=self.memory._k(pattern, "*"), count=1000))
            for i in range(0, len(keys), 1000):
                self.client.delete(*keys[i:i + 1000])
        self.memory._ready.discard(self.index)
        self.memory._dims.pop(self.index, None)
