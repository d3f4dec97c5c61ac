"""Document chunks in Redis: full-text (BM25) and vector fields, searched by hybrid fusion.

Layout, under the memory's key prefix ``P``:

- ``P:dsrc:<id>``: HASH, one indexed document: namespace, source (its path), sha256, title,
  kind, chunks, chars, indexed_at. ``<id>`` is a hash of (namespace, source).
- ``P:dchk:<id>:<n>``: HASH, chunk ``n``: text, namespace, source, title, start, end, page,
  chunk and ``embedding`` (float32). Index ``P:idx:doc``: TEXT ``text`` (BM25) and
  ``title``, TAG ``namespace``/``source``, NUMERIC ``start``, VECTOR ``embedding`` (HNSW,
  cosine, the embedder's dim).
- ``P:dkeys:<id>``: SET, the chunk keys of that document, so replacing or deleting it finds them
  without ``SCAN`` (a cluster pipeline refuses ``SCAN``, and a scan reads the whole keyspace).

- ``P:dembedder``: STRING, the name of the embedder the chunk vectors were made with. An
  index built with another embedder is refused (:class:`~sokrat.errors.DimensionMismatch`
  naming both models and the fix), even when the two give vectors of the same size.
- ``P:ddf``: HASH, query term -> the number of chunks holding it, capped at
  :data:`BM25_POSTINGS` + 1 (a cache for the BM25 leg's planning, see :meth:`RedisDocuments.search`;
  dropped on every write, expires after :data:`DF_CACHE_TTL_S`).

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

from sokrat.errors import DimensionMismatch, InvalidInput
from sokrat.memory.fusion import rrf_fuse
from sokrat.memory.redis import _s, _tag_clause, _translate_errors, _vec_bytes, text_term_list

if TYPE_CHECKING:
    import numpy as np

    from sokrat.memory.redis import RedisMemory

_CHUNK_FIELDS = ("text", "namespace", "source", "title", "start", "end", "page", "chunk")
SEARCH_DEPTH = 30
"""Candidates each retriever (vector, BM25) hands to the fusion, at least."""
BM25_POSTINGS = 10_000
"""Work bound of the BM25 leg. Its candidates come from the rarest query terms whose chunk
counts add up to at most this many; the other (more common) terms only add their BM25 scores to
those candidates (RediSearch's optional ``~`` operator), the idea of Lucene's CommonTermsQuery
and Elasticsearch's ``cutoff_frequency``. Below this size nothing is left out; at 100k chunks an
OR of every term scored half the index (bench/tools.py). A query made only of terms more common
than this finds the chunks that hold all of them."""
DF_CACHE_TTL_S = 3600
"""How long a term's chunk count is kept in ``P:ddf`` (every write also drops it)."""


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
        self._embedder_checked = False

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

    @property
    def _df_key(self) -> str:
        return self.memory._k("ddf")

    def _src_id(self, namespace: str, source: str) -> str:
        return hashlib.sha256(f"{namespace}\0{source}".encode()).hexdigest()[:32]

    @property
    def _embedder_key(self) -> str:
        return self.memory._k("dembedder")

    def _check_embedder(self) -> None:
        """Record the embedder on first use; refuse vectors of another one (once per instance)."""
        if self._embedder_checked:
            return
        name = self.memory.embedder.name
        self.client.set(self._embedder_key, name, nx=True)
        built = _s(self.client.get(self._embedder_key))
        if built != name:
            raise DimensionMismatch(
                f"the documents under {self.memory.prefix!r} were indexed with the embedder {built!r}, but the "
                f"embedder in effect is {name!r}: their vectors cannot be compared. Set SOKRAT_EMBEDDER={built} "
                "to use them, or drop them (RedisDocuments.clear()) and index the files again")
        self._embedder_checked = True

    def _ensure(self) -> int:
        from redis.commands.search.field import NumericField, TagField, TextField

        self._check_embedder()
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
        members = self._members_key(src_id)

        def txn(pipe: Any) -> None:
            stale = self._chunk_keys(pipe, src_id)  # pipe is in WATCH mode: reads run now
            pipe.multi()
            for i in range(0, len(stale), 1000):
                pipe.delete(*stale[i:i + 1000])
            pipe.delete(members)
            for key, row in rows:
                pipe.hset(key, mapping=cast(Any, row))
            for i in range(0, len(rows), 1000):
                pipe.sadd(members, *(key for key, _ in rows[i:i + 1000]))
            pipe.hset(header, mapping=cast(Any, {
                "source": meta.source, "namespace": meta.namespace, "sha256": meta.sha256, "title": meta.title,
                "kind": meta.kind, "chunks": len(rows), "chars": meta.chars, "indexed_at": time.time()}))
            pipe.delete(self._df_key)

        # Both watched keys (and every key written) carry the memory's hash tag on a cluster:
        # one slot, so the transaction runs on one node.
        self.client.transaction(txn, header, members)

    @_translate_errors
    def delete(self, source: str, *, namespace: str = "default") -> bool:
        src_id = self._src_id(namespace, source)
        header, members = self.memory._k("dsrc", src_id), self._members_key(src_id)

        def txn(pipe: Any) -> None:
            keys = self._chunk_keys(pipe, src_id)
            pipe.multi()
            for i in range(0, len(keys), 1000):
                pipe.delete(*keys[i:i + 1000])
            pipe.delete(self._df_key, members)
            pipe.delete(header)

        replies = cast(list[Any], self.client.transaction(txn, header, members))
        return bool(replies[-1])

    def _members_key(self, src_id: str) -> str:
        return self.memory._k("dkeys", src_id)

    def _chunk_keys(self, pipe: Any, src_id: str) -> list[str]:
        """The chunk keys of a document: its ``P:dkeys:<id>`` set. A document indexed before
        that set existed (single Redis only: on a cluster ``replace`` could not run then) has
        none; its keys are found once by a ``SCAN`` of the client, outside the pipeline."""
        keys = [_s(k) for k in pipe.smembers(self._members_key(src_id))]
        if not keys and pipe.exists(self.memory._k("dsrc", src_id)):
            keys = [_s(k) for k in self.client.scan_iter(match=self.memory._k("dchk", src_id, "*"), count=1000)]
        return keys

    # --- reading -------------------------------------------------------------------------------
    @_translate_errors
    def search(self, query: str, *, k: int = 5, namespace: str | None = "default",
               vector: Sequence[float] | None = None) -> list[DocumentHit]:
        """Best ``k`` chunks for ``query``: BM25 and vector rankings fused by RRF.

        Both rankings are of chunk ids only; the fields are read for the ``k`` fused hits alone.
        The BM25 leg is planned by term rarity (:data:`BM25_POSTINGS`)."""
        from redis.commands.search.query import Query

        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("search needs a non-empty query")
        if k < 1:
            raise InvalidInput(f"k must be >= 1, got {k}")
        dim = self._ensure()
        terms = text_term_list(query)
        counts, namespaces = self._term_counts(terms)
        # The namespace filter only when the index holds others too: intersecting with a tag
        # that nearly every chunk has cost a third of the BM25 leg (bench/tools.py profile).
        only = namespace is not None and namespaces == {namespace.lower()}
        flt = _tag_clause("namespace", [namespace]) if namespace is not None and not only else ""
        qvec = self.memory.embedder.embed_query([query])[0] if vector is None else vector
        depth = max(SEARCH_DEPTH, 3 * k)
        vec_ids = [d.id for d, _ in self.memory._knn(
            self.index, "embedding", _vec_bytes(qvec, dim, what="the query embedding"), depth, flt, (),
            batches=True)]
        text_ids: list[str] = []
        if terms:
            q = (Query(f"{_bm25_expression(terms, counts)} {flt}".strip()).scorer("BM25").no_content()
                 .paging(0, depth).dialect(2))
            text_ids = [d.id for d in self.client.ft(self.index).search(q).docs]
        fused = rrf_fuse([vec_ids, text_ids], limit=k)
        pipe = self.client.pipeline(transaction=False)
        for key, _ in fused:
            pipe.hmget(key, _CHUNK_FIELDS)
        rows = pipe.execute()
        return [self._hit(dict(zip(_CHUNK_FIELDS, row, strict=True)), score)
                for (_, score), row in zip(fused, rows, strict=True) if row[0] is not None]

    def _term_counts(self, terms: list[str]) -> tuple[dict[str, int], set[str]]:
        """Chunks holding each term (stemmed as a query matches it), capped at
        ``BM25_POSTINGS + 1``, and the namespaces in the index (lowercase, as tags match).

        Counts are cached in ``P:ddf``; a miss is an ``FT.AGGREGATE`` that stops reading after
        the cap, so counting a very common word costs no more than the cap."""
        pipe = self.client.pipeline(transaction=False)
        pipe.execute_command("FT.TAGVALS", self.index, "namespace")
        if terms:
            pipe.hmget(self._df_key, terms)
        replies = pipe.execute()
        namespaces = {_s(v) for v in replies[0]}
        cached = replies[1] if terms else []
        counts = {t: int(c) for t, c in zip(terms, cached, strict=True) if c is not None}
        missing = [t for t in terms if t not in counts]
        if missing:
            pipe = self.client.pipeline(transaction=False)
            for term in missing:  # redis-py's aggregate() cannot be pipelined: the raw command
                pipe.execute_command("FT.AGGREGATE", self.index, f"@text|title:({term})",
                                     "LIMIT", BM25_POSTINGS, 1, "DIALECT", 2)
            for term, res in zip(missing, pipe.execute(), strict=True):
                counts[term] = _total(res)
            pipe.hset(self._df_key, mapping={t: counts[t] for t in missing})
            pipe.expire(self._df_key, DF_CACHE_TTL_S)
            pipe.execute()
        return counts, namespaces

    @staticmethod
    def _hit(fields: dict[str, Any], score: float) -> DocumentHit:
        page = _s(fields.get("page"))
        return DocumentHit(
            source=_s(fields.get("source")), start=int(_s(fields["start"])), end=int(_s(fields["end"])),
            text=_s(fields.get("text")), score=score, title=_s(fields.get("title")),
            chunk=int(_s(fields.get("chunk")) or 0), page=int(page) if page else None,
            namespace=_s(fields.get("namespace")) or "default")

    @_translate_errors
    def has_documents(self, namespace: str | None = "default") -> bool:
        """Whether ``namespace`` (None: any) holds an indexed chunk (one ``FT.SEARCH ... LIMIT 0 0``)."""
        import redis
        from redis.commands.search.query import Query

        if namespace is None:
            return self.count() > 0
        try:
            q = Query(_tag_clause("namespace", [namespace])).no_content().paging(0, 0).dialect(2)
            return int(self.client.ft(self.index).search(q).total) > 0
        except redis.ResponseError:  # no index yet: nothing was ever indexed
            return False

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
        self.client.delete(self._df_key, self._embedder_key)
        self._embedder_checked = False
        for pattern in ("dchk", "dsrc", "dkeys"):
            keys = list(self.client.scan_iter(match=self.memory._k(pattern, "*"), count=1000))
            for i in range(0, len(keys), 1000):
                self.client.delete(*keys[i:i + 1000])
        self.memory._ready.discard(self.index)
        self.memory._dims.pop(self.index, None)


def _total(res: Any) -> int:
    """``total_results`` of a raw FT.SEARCH/FT.AGGREGATE reply, RESP3 (a map) or RESP2 (a list)."""
    if isinstance(res, dict):
        return int(res.get(b"total_results") or res.get("total_results") or 0)
    return int(res[0]) if res else 0


def _bm25_expression(terms: list[str], counts: dict[str, int]) -> str:
    """The BM25 query: the rarest terms (chunk counts summing to at most :data:`BM25_POSTINGS`)
    find the candidates, every other term is optional and only adds to their scores."""
    field = "@text|title:"
    rare = sorted((t for t in terms if counts[t] <= BM25_POSTINGS), key=counts.__getitem__)
    if not rare:  # only common words: the chunks that hold them all
        return f"({field}({' '.join(terms)}))"
    required, total = [rare[0]], counts[rare[0]]
    for term in rare[1:]:
        if total + counts[term] > BM25_POSTINGS:
            break
        required.append(term)
        total += counts[term]
    optional = "".join(f" ~({field}({t}))" for t in terms if t not in required)
    return f"({field}({' | '.join(required)})){optional}"
