"""Long-term memory in Redis (RediSearch HNSW vectors + RedisJSON), the real backend.

Layout, under a key prefix ``P`` (default ``sokrat``; tests use one prefix each):

- ``P:mem:<id>``: HASH, one fact/episode: text, kind, namespace, source, tags, times,
  metadata (JSON text) and ``embedding`` (raw float32 bytes). Index ``P:idx:mem``: TEXT
  ``text``, TAG ``kind``/``namespace``/``source``/``tags``, NUMERIC ``created_at``/
  ``t_start``/``t_end``, VECTOR ``embedding`` (HNSW, FLOAT32, COSINE, the embedder's dim).
- ``P:art:<id>``: STRING, an artifact's content; ``P:art:<id>:meta``: HASH (chars, ascii,
  metadata). Handles are ``artifact:<id>``.
- ``P:vlog:<log_id>``: JSON, a video log's header (:class:`VideoLogMeta`).
  ``P:vent:<log_id>:<index>``: HASH, one :class:`LogEntry` with ``text_embedding`` and
  optionally ``image_embedding``. ``P:vset:<log_id>``: ZSET of entry keys by index (ordering,
  counting, deletion). Indexes ``P:idx:vtext`` (text embedding + TEXT fields) and
  ``P:idx:vimage`` (image embedding) are created lazily with the dimension of the first
  vectors written (CLIP dims vary by model).

Hybrid recall runs a filtered KNN query and a filtered BM25 full-text query and fuses the two
rankings with Reciprocal Rank Fusion (RRF, k=60). RediSearch 2.10 (the embedded server)
has no single hybrid command, and RRF needs no score calibration between cosine distances
and BM25 scores, which live on unrelated scales. A hybrid hit's ``score`` is its RRF score;
a pure vector hit's ``score`` is its cosine similarity.
"""

from __future__ import annotations

import functools
import json
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from sokrat.errors import (
    DimensionMismatch,
    InvalidInput,
    MemoryBackendError,
    NotFound,
    RedisUnavailable,
)
from sokrat.memory.base import Embedder, LogEntry, Memory, MemoryKind, MemoryRecord, VideoLogMeta
from sokrat.memory.connection import (
    DEFAULT_RETRIES,
    connect,
    redact,
    resolve_target,
    server_modules,
)
from sokrat.memory.fusion import rrf_fuse

if TYPE_CHECKING:
    import numpy as np
    import redis

    from sokrat.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HANDLE_RE = re.compile(r"^artifact:([0-9a-f]{32})$")
EMBEDDED_RETRIES = 4
_MEM_FIELDS = ("text", "kind", "namespace", "source", "tags", "t_start", "t_end",
               "created_at", "metadata")


@dataclass(frozen=True)
class HnswOptions:
    """HNSW parameters of the vector indexes (see bench/memory.py for the measured trade-off)."""

    m: int = 16
    """Graph degree. Higher: better recall, more memory."""
    ef_construction: int = 100
    """Candidate list size while building. Higher: better graph, slower inserts."""
    ef_runtime: int = 200
    """Candidate list size while querying (raised to ``k`` when smaller). Higher: better
    recall, slower queries. Measured (bench/memory.py, clustered 384-d): recall@10 0.999 /
    0.999 / 0.967 at 10k / 100k / 1M vectors with p99 under 10 ms; 100 gave 0.907 at 1M."""


# --- helpers -----------------------------------------------------------------------------------
_TAG_SPECIAL = re.compile(r"([,.<>{}\[\]\"':;!@#$%^&*()\-+=~|/\\ ?])")


def escape_tag(value: str) -> str:
    """Escape a TAG value for a RediSearch query (punctuation and spaces are operators)."""
    return _TAG_SPECIAL.sub(r"\\\1", value)


# RediSearch's default stop words (they are not indexed). They must not reach a query: the
# RediSearch build of the embedded server crashes the whole server on a union that starts with
# two of them (``@text:(to | the | buffer)``; seen in bench/tools.py, regression test in
# tests/memory/test_recall.py), so every full-text query goes through :func:`text_terms`.
STOP_WORDS = frozenset(
    ["a", "is", "the", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "it", "no", "not", "of", "on", "or", "such", "that", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"])


def text_term_list(query: str) -> list[str]:
    """The words of ``query`` a BM25 query may use: 2+ characters, no stop words, escaped, in
    order, without repeats."""
    words = [w for w in re.findall(r"\w+", query.lower()) if len(w) > 1 and w not in STOP_WORDS]
    return [escape_tag(w) for w in dict.fromkeys(words)]


def text_terms(query: str) -> str | None:
    """``term1 | term2 | ...`` for a BM25 query (:func:`text_term_list`); None when nothing is left."""
    return " | ".join(text_term_list(query)) or None


def _tag_clause(field: str, values: Sequence[str]) -> str:
    return f"@{field}:{{{' | '.join(escape_tag(v) for v in values)}}}"


def _vec_bytes(vector: Any, dim: int | None = None, *, what: str = "vector") -> bytes:
    import numpy as np

    arr = np.asarray(vector, dtype=np.float32).reshape(-1)
    if dim is not None and arr.shape[0] != dim:
        raise DimensionMismatch(
            f"{what} has {arr.shape[0]} dimensions but the index holds {dim}-d vectors; use the "
            "same embedding model as when the index was built, or a new key prefix / "
            "delete the old index (RedisMemory.clear()) to re-index"
        )
    return arr.tobytes()


def _s(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else ("" if value is None else str(value))


def _f(value: Any) -> float | None:
    text = _s(value)
    return float(text) if text not in ("", "None") else None


def _translate_errors(fn: F) -> F:
    """Turn redis-py errors into Sokrat errors; restart the embedded server once if it died.

    redis-py already retries connection errors with backoff (see :func:`make_client`); this
    handles what is left: a dead embedded server (restarted from its AOF) or an external
    one that stayed down (``RedisUnavailable`` naming the URL).
    """

    @functools.wraps(fn)
    def wrapper(self: RedisMemory, *args: Any, **kwargs: Any) -> Any:
        import redis

        try:
            try:
                return fn(self, *args, **kwargs)
            except (redis.ConnectionError, redis.TimeoutError):
                if not self.embedded:
                    raise
                from sokrat.memory.embedded import ensure_server

                ensure_server(self.settings)
                return fn(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as e:
            raise RedisUnavailable(
                f"lost Redis at {redact(self.url)} ({e}); check that the server is running"
                + ("" if self.embedded else " or fix REDIS_URL")
            ) from e
        except redis.ResponseError as e:
            raise MemoryBackendError(f"Redis at {redact(self.url)} refused a command: {e}") from e

    return wrapper  # type: ignore[return-value]


def _key_root(client: Any, prefix: str) -> str:
    """What every key and index name of a memory starts with: ``prefix``, or on a Redis Cluster
    ``{prefix}``, a hash tag that puts all of them in one slot, so one node holds them.

    Why one node: the search module of Redis Stack and the embedded server has no cluster
    coordinator. An index lives on the node its name hashes to and sees only that node's keys
    (measured on a 3-master valkey cluster with keys spread by their own names: ``FT.SEARCH``
    found 2 of 10 stored documents). With the hash tag, the indexes and every document are
    on the same node and search is complete; a memory then scales with one node, and
    separate prefixes (tenants, namespaces of tests) spread over the cluster.
    """
    from redis.cluster import RedisCluster

    return "{" + prefix + "}" if isinstance(client, RedisCluster) else prefix


# --- the store -------------------------------------------------------------------------------
class RedisMemory(Memory):
    """Memory on a Redis server with search + JSON (embedded valkey, Redis 8, Redis Stack)."""

    def __init__(
        self,
        client: redis.Redis | None = None,
        *,
        settings: Settings | None = None,
        url: str | None = None,
        prefix: str = "sokrat",
        embedder: Embedder | None = None,
        index: HnswOptions | None = None,
    ) -> None:
        """Connect (or wrap ``client``), checking the server's modules.

        Args:
            client: an existing redis-py client (bytes responses); else one is made.
            settings: process settings (``get_settings()`` when None).
            url: Redis URL; default ``settings.redis_url`` or the embedded server.
            prefix: key and index prefix (letters, digits, ``_.-``); isolates namespaces/tests.
            embedder: text embedder; default :func:`sokrat.memory.get_embedder`.
            index: HNSW parameters for indexes this instance creates.
        """
        from sokrat.settings import get_settings

        if not _PREFIX_RE.match(prefix):
            raise InvalidInput(f"memory prefix {prefix!r}: use 1-64 letters, digits, '_', '.' or '-'")
        self.settings = settings or get_settings()
        self.prefix = prefix
        self.index_options = index or HnswOptions()
        if client is not None:
            self.client = client
            kw = client.connection_pool.connection_kwargs
            self.url = url or (f"unix://{kw['path']}" if "path" in kw else
                               f"redis://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}")
            self.embedded = False
        else:
            if url is not None:
                self.url, self.embedded = url, False
            else:
                target = resolve_target(self.settings)
                self.url, self.embedded = target.url, target.embedded
            # The embedded server is local: if it does not answer within ~1 s of backoff it is
            # dead, and the error wrapper restarts it; waiting out 8 retries would only delay that.
            self.client = connect(url=self.url, retries=EMBEDDED_RETRIES if self.embedded else DEFAULT_RETRIES)
        self._root = _key_root(self.client, prefix)
        self._embedder = embedder
        self._ready: set[str] = set()
        self._dims: dict[str, int] = {}
        # HSET only a memory that still exists (a deleted or expired one is never re-created)
        self._set_embedding = self.client.register_script(
            "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'embedding', ARGV[1]) end")

    # --- plumbing ------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:  # type: ignore[override]
        if self._embedder is None:
            from sokrat.memory.embedder import get_embedder

            self._embedder = get_embedder(self.settings)
        return self._embedder

    @property
    def key_root(self) -> str:
        """What every key of this memory starts with (``{prefix}`` on a Redis Cluster); keys kept
        beside the memory's own (collections) start with it too, to share its slot."""
        return self._root

    def _k(self, *parts: str) -> str:
        return ":".join((self._root, *parts))

    @property
    def mem_index(self) -> str:
        return self._k("idx", "mem")

    def _index_dim(self, name: str, field: str) -> int | None:
        """The vector dim of ``field`` in index ``name``; None when the index does not exist."""
        import redis

        try:
            info = self.client.ft(name).info()
        except redis.ResponseError as e:
            if "unknown index" in str(e).lower() or "no such index" in str(e).lower():
                return None
            raise
        for attr in info.get("attributes", []):
            items = [_s(x) if isinstance(x, bytes) else x for x in attr]
            pairs = dict(zip(items[::2], items[1::2], strict=False))
            if pairs.get("identifier") == field or pairs.get("attribute") == field:
                for key, val in pairs.items():
                    if str(key).lower() == "dim":
                        return int(val)
        raise MemoryBackendError(f"index {name} has no vector field {field!r}; drop it (RedisMemory.clear())")

    def _ensure_index(self, name: str, field: str, dim: int, fields: list[Any], key_prefix: str) -> None:
        """Create ``name`` if missing; raise :class:`DimensionMismatch` if it has another dim."""
        import redis

        if name in self._ready:
            if self._dims[name] != dim:
                raise self._mismatch(name, field, self._dims[name], dim)
            return
        try:
            from redis.commands.search.index_definition import IndexDefinition, IndexType
        except ImportError:  # redis-py < 6
            from redis.commands.search.indexDefinition import IndexDefinition, IndexType  # type: ignore[no-redef]
        from redis.commands.search.field import VectorField

        existing = self._index_dim(name, field)
        if existing is None:
            opts = self.index_options
            vector = VectorField(field, "HNSW", {
                "TYPE": "FLOAT32", "DIM": dim, "DISTANCE_METRIC": "COSINE", "M": opts.m,
                "EF_CONSTRUCTION": opts.ef_construction, "EF_RUNTIME": opts.ef_runtime})
            try:
                self.client.ft(name).create_index(
                    [*fields, vector],
                    definition=IndexDefinition(prefix=[key_prefix], index_type=IndexType.HASH))
                existing = dim
            except redis.ResponseError as e:
                if "already exists" not in str(e).lower():
                    raise
                existing = self._index_dim(name, field)  # another process won the race
        if existing != dim:
            raise self._mismatch(name, field, existing, dim)
        self._ready.add(name)
        self._dims[name] = dim

    def _mismatch(self, name: str, field: str, existing: int | None, dim: int) -> DimensionMismatch:
        source = f"the embedder ({self.embedder.name})" if field == "embedding" else f"the new {field}"
        return DimensionMismatch(
            f"index {name} holds {existing}-d vectors but {source} gives {dim}-d ones. Use the "
            "embedding model the index was built with, or another key prefix, or drop the old "
            "data (RedisMemory.clear()) to re-index; nothing was re-indexed silently"
        )

    def _ensure_mem_index(self) -> None:
        if self.mem_index in self._ready:
            return
        from redis.commands.search.field import NumericField, TagField, TextField

        fields = [
            TextField("text"),
            TagField("kind"), TagField("namespace"), TagField("source"), TagField("tags"),
            NumericField("created_at", sortable=True), NumericField("t_start"), NumericField("t_end"),
        ]
        self._ensure_index(self.mem_index, "embedding", self.embedder.dim, fields, self._k("mem", ""))

    def _embed_one(self, text: str) -> np.ndarray:
        return self.embedder.embed([text])[0]

    # --- semantic / episodic --------------------------------------------------------------------
    @_translate_errors
    def remember(
        self,
        text: str,
        *,
        kind: MemoryKind = "fact",
        namespace: str = "default",
        tags: Sequence[str] = (),
        source: str | None = None,
        t_start: float | None = None,
        t_end: float | None = None,
        metadata: dict[str, Any] | None = None,
        ttl_s: float | None = None,
        defer_embedding: bool = False,
    ) -> str:
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("cannot remember an empty text")
        if ttl_s is not None and ttl_s <= 0:
            raise InvalidInput(f"ttl_s must be > 0 seconds, got {ttl_s}")
        tags = tuple(str(t).strip() for t in tags if str(t).strip())
        bad = [t for t in tags if "," in t]
        if bad:
            raise InvalidInput(f"tags cannot contain ',': {bad}")
        try:
            meta_json = json.dumps(metadata or {}, ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise InvalidInput(f"metadata must be JSON-serialisable: {e}") from e
        self._ensure_mem_index()
        memory_id = uuid.uuid4().hex
        mapping: dict[str, Any] = {
            "text": text, "kind": kind, "namespace": namespace, "source": source or "",
            "tags": ",".join(tags), "created_at": time.time(), "metadata": meta_json,
        }
        if not defer_embedding:
            mapping["embedding"] = _vec_bytes(self._embed_one(text), self._dims[self.mem_index], what="the embedding")
        if t_start is not None:
            mapping["t_start"] = float(t_start)
        if t_end is not None:
            mapping["t_end"] = float(t_end)
        key = self._k("mem", memory_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(key, mapping=cast(Any, mapping))
        if ttl_s is not None:
            pipe.pexpire(key, max(1, int(ttl_s * 1000)))
        if defer_embedding:
            pipe.sadd(self._k("mem_pending"), memory_id)
        pipe.execute()
        return memory_id

    def embed_pending(self, batch: int = 256) -> int:
        """Embed the memories stored with ``defer_embedding`` (run before every search by
        meaning, so none is missed); returns how many were embedded. A memory deleted or
        expired meanwhile is skipped, never re-created."""
        pending = self._k("mem_pending")
        done = 0
        while True:
            ids = [_s(i) for i in cast(list[Any], self.client.spop(pending, batch) or [])]
            if not ids:
                return done
            keys = [self._k("mem", i) for i in ids]
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.hget(key, "text")
            texts = pipe.execute()
            live = [(key, _s(t)) for key, t in zip(keys, texts, strict=True) if t is not None]
            try:
                vectors: Any = self.embedder.embed([t for _, t in live]) if live else []
            except BaseException:
                self.client.sadd(pending, *ids)  # nothing is lost: the next search tries again
                raise
            for (key, _), vec in zip(live, vectors, strict=True):
                self._set_embedding(keys=[key], args=[_vec_bytes(vec, self._dims[self.mem_index], what="the embedding")])
            done += len(live)

    def _filter(self, *, kinds: Sequence[str] | None, namespace: str | None, tags: Sequence[str] | None,
                source: str | None, since: float | None, until: float | None) -> str:
        clauses = []
        if kinds:
            clauses.append(_tag_clause("kind", kinds))
        if namespace is not None:
            clauses.append(_tag_clause("namespace", [namespace]))
        if tags:
            clauses.append(_tag_clause("tags", tags))
        if source is not None:
            clauses.append(_tag_clause("source", [source]))
        if since is not None or until is not None:
            lo = f"{since!r}" if since is not None else "-inf"
            hi = f"{until!r}" if until is not None else "+inf"
            clauses.append(f"@created_at:[{lo} {hi}]")
        return " ".join(clauses)

    def _record(self, doc: Any, score: float | None) -> MemoryRecord:
        meta = _s(getattr(doc, "metadata", "")) or "{}"
        tags = _s(getattr(doc, "tags", ""))
        return MemoryRecord(
            id=doc.id.split(":")[-1],
            text=_s(getattr(doc, "text", "")),
            kind=_s(getattr(doc, "kind", "fact")) or "fact",  # type: ignore[arg-type]
            namespace=_s(getattr(doc, "namespace", "default")),
            source=_s(getattr(doc, "source", "")) or None,
            tags=tuple(t for t in tags.split(",") if t),
            t_start=_f(getattr(doc, "t_start", None)),
            t_end=_f(getattr(doc, "t_end", None)),
            created_at=_f(getattr(doc, "created_at", None)) or 0.0,
            metadata=json.loads(meta),
            score=score,
        )

    def _knn(self, index: str, field: str, vector: bytes, k: int, filter_expr: str,
             fields: Sequence[str], *, batches: bool = False) -> list[tuple[Any, float]]:
        """``(doc, cosine similarity)`` best first. ``batches``: walk the HNSW graph in batches and
        filter them (HYBRID_POLICY BATCHES) instead of letting RediSearch pick; measured at 20k
        chunks with a filter matching most of them: p50 8 ms vs 27 ms (bench/tools.py profile)."""
        from redis.commands.search.query import Query

        ef = max(self.index_options.ef_runtime, k)
        base = f"({filter_expr})" if filter_expr else "*"
        policy = " HYBRID_POLICY BATCHES" if batches and filter_expr else ""
        q = (Query(f"{base}=>[KNN {k} @{field} $vec EF_RUNTIME {ef}{policy} AS knn_dist]")
             .sort_by("knn_dist").return_fields(*fields, "knn_dist").paging(0, k).dialect(2))
        res = self.client.ft(index).search(q, query_params={"vec": vector})
        return [(d, 1.0 - float(d.knn_dist)) for d in res.docs]

    @_translate_errors
    def recall(
        self,
        query: str,
        *,
        k: int = 5,
        kinds: Sequence[MemoryKind] | None = None,
        namespace: str | None = None,
        tags: Sequence[str] | None = None,
        source: str | None = None,
        since: float | None = None,
        until: float | None = None,
        hybrid: bool = True,
        semantic: bool = True,
    ) -> list[MemoryRecord]:
        """Best ``k`` memories for ``query``. Filters combine with AND; ``tags`` matches any.
        ``semantic=False``: BM25 over the words only, no query embedding (see the base class)."""
        from redis.commands.search.query import Query

        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("recall needs a non-empty query")
        if k < 1:
            raise InvalidInput(f"k must be >= 1, got {k}")
        self._ensure_mem_index()
        flt = self._filter(kinds=kinds, namespace=namespace, tags=tags, source=source,
                           since=since, until=until)
        if not semantic:
            terms = text_terms(query)
            if not terms:
                return []
            q = (Query(f"@text:({terms}) {flt}".strip()).scorer("BM25").with_scores()
                 .return_fields(*_MEM_FIELDS).paging(0, k).dialect(2))
            return [self._record(doc, float(doc.score)) for doc in self.client.ft(self.mem_index).search(q).docs]
        self.embed_pending()
        vector = _vec_bytes(self.embedder.embed_query([query])[0], self._dims[self.mem_index],
                            what="the query embedding")
        if not hybrid:
            hits = self._knn(self.mem_index, "embedding", vector, k, flt, _MEM_FIELDS)
            return [self._record(d, s) for d, s in hits]

        depth = max(4 * k, 20)
        vec_hits = self._knn(self.mem_index, "embedding", vector, depth, flt, _MEM_FIELDS)
        terms = text_terms(query)
        text_hits: list[Any] = []
        if terms:
            q = (Query(f"@text:({terms}) {flt}".strip()).scorer("BM25").with_scores()
                 .return_fields(*_MEM_FIELDS).paging(0, depth).dialect(2))
            text_hits = self.client.ft(self.mem_index).search(q).docs
        docs: dict[str, Any] = {doc.id: doc for doc, _ in vec_hits}
        for doc in text_hits:
            docs.setdefault(doc.id, doc)
        best = rrf_fuse([[doc.id for doc, _ in vec_hits], [doc.id for doc in text_hits]], limit=k)
        return [self._record(docs[i], score) for i, score in best]

    @_translate_errors
    def get(self, memory_id: str) -> MemoryRecord | None:
        raw = self.client.hgetall(self._k("mem", memory_id))
        if not raw:
            return None
        fields = {_s(k): v for k, v in raw.items() if _s(k) != "embedding"}

        class _Doc:  # the same shape as a search hit, so one decoder serves both
            id = memory_id

        doc = _Doc()
        for name, value in fields.items():
            setattr(doc, name, value)
        return self._record(doc, None)

    @_translate_errors
    def delete(self, memory_id: str) -> bool:
        return bool(self.client.delete(self._k("mem", memory_id)))

    # --- artifacts -------------------------------------------------------------------------------
    @_translate_errors
    def put_artifact(self, content: str, *, ttl_s: float | None = None,
                     metadata: dict[str, Any] | None = None) -> str:
        if not isinstance(content, str):
            raise InvalidInput(f"artifact content must be text, got {type(content).__name__}")
        if ttl_s is not None and ttl_s <= 0:
            raise InvalidInput(f"ttl_s must be > 0 seconds, got {ttl_s}")
        art_id = uuid.uuid4().hex
        key = self._k("art", art_id)
        meta = {"chars": len(content), "ascii": int(content.isascii()), "created_at": time.time(),
                "metadata": json.dumps(metadata or {}, ensure_ascii=False, default=str)}
        pipe = self.client.pipeline(transaction=True)
        pipe.set(key, content.encode("utf-8"))
        pipe.hset(key + ":meta", mapping=cast(Any, meta))
        if ttl_s is not None:
            ms = max(1, int(ttl_s * 1000))
            pipe.pexpire(key, ms)
            pipe.pexpire(key + ":meta", ms)
        pipe.execute()
        return f"artifact:{art_id}"

    @_translate_errors
    def get_artifact(self, handle: str, *, start: int = 0, length: int | None = None) -> str:
        """Characters ``[start, start+length)`` of an artifact (all from ``start`` when no length)."""
        match = _HANDLE_RE.match(handle.strip()) if isinstance(handle, str) else None
        if match is None:
            raise NotFound(f"{handle!r} is not an artifact handle (expected 'artifact:<32 hex chars>')")
        if start < 0 or (length is not None and length < 0):
            raise InvalidInput(f"start and length must be >= 0, got start={start}, length={length}")
        key = self._k("art", match.group(1))
        meta = self.client.hgetall(key + ":meta")
        if not meta:
            raise NotFound(f"no artifact {handle} (it may have expired or been deleted)")
        if length == 0:
            return ""
        if _s(meta.get(b"ascii")) == "1":  # 1 char == 1 byte: read only the slice
            end = -1 if length is None else start + length - 1
            part: bytes = cast(bytes, self.client.getrange(key, start, end))
            return part.decode("ascii")
        data = cast("bytes | None", self.client.get(key))  # UTF-8: byte offsets are not char offsets
        if data is None:
            raise NotFound(f"no artifact {handle} (it expired while being read)")
        text = data.decode("utf-8")
        return text[start:] if length is None else text[start:start + length]

    @_translate_errors
    def artifact_info(self, handle: str) -> dict[str, Any]:
        """``{"chars", "created_at", "metadata"}`` of an artifact."""
        match = _HANDLE_RE.match(handle.strip()) if isinstance(handle, str) else None
        if match is None:
            raise NotFound(f"{handle!r} is not an artifact handle (expected 'artifact:<32 hex chars>')")
        meta = self.client.hgetall(self._k("art", match.group(1), "meta"))
        if not meta:
            raise NotFound(f"no artifact {handle} (it may have expired or been deleted)")
        return {"chars": int(meta[b"chars"]), "created_at": float(meta[b"created_at"]),
                "metadata": json.loads(_s(meta[b"metadata"]))}

    # --- perceptual (video logs) ------------------------------------------------------------------
    def _vlog_key(self, log_id: str) -> str:
        if not isinstance(log_id, str) or not log_id or any(c.isspace() for c in log_id):
            raise InvalidInput(f"bad video log id {log_id!r}")
        return self._k("vlog", log_id)

    @staticmethod
    def _meta_from_json(doc: dict[str, Any]) -> VideoLogMeta:
        doc = dict(doc)
        doc["models"] = tuple(doc.get("models", ()))
        return VideoLogMeta(**doc)

    @_translate_errors
    def video_log(self, log_id: str) -> VideoLogMeta | None:
        doc = self.client.json().get(self._vlog_key(log_id))
        return self._meta_from_json(cast(dict, doc)) if doc else None

    @_translate_errors
    def begin_video_log(self, meta: VideoLogMeta) -> VideoLogMeta:
        key = self._vlog_key(meta.log_id)
        doc = asdict(meta)
        doc["models"] = list(meta.models)
        # NX: concurrent indexers of the same video agree on one header.
        self.client.json().set(key, "$", doc, nx=True)
        return self._meta_from_json(cast(dict, self.client.json().get(key)))

    def _ensure_video_indexes(self, text_dim: int | None, image_dim: int | None) -> None:
        from redis.commands.search.field import NumericField, TagField, TextField

        key_prefix = self._k("vent", "")
        if text_dim is not None:
            self._ensure_index(self._k("idx", "vtext"), "text_embedding", text_dim,
                               [TagField("log_id"), NumericField("t_start", sortable=True),
                                TextField("seen"), TextField("said"), TextField("ocr")], key_prefix)
        if image_dim is not None:
            self._ensure_index(self._k("idx", "vimage"), "image_embedding", image_dim,
                               [TagField("log_id"), NumericField("t_start", sortable=True)], key_prefix)

    @_translate_errors
    def append_video_entries(self, log_id: str, entries: Sequence[LogEntry], *, resume_at_s: float) -> None:
        """Write a chunk of entries and advance the header in one MULTI/EXEC transaction.

        Either every entry of the chunk and the new ``resume_at_s`` are stored, or none is.
        Re-appending an entry index (a resumed index repeating a chunk) overwrites it.
        """

        header = self._vlog_key(log_id)
        entries = list(entries)
        # Validate and encode everything before touching Redis (all-or-nothing).
        text_dims = {len(e.text_embedding) for e in entries if e.text_embedding is not None}
        image_dims = {len(e.image_embedding) for e in entries if e.image_embedding is not None}
        if len(text_dims) > 1 or len(image_dims) > 1:
            raise DimensionMismatch(
                f"entries of one chunk mix embedding sizes (text {sorted(text_dims)}, image "
                f"{sorted(image_dims)}); embed a log with one model per role")
        self._ensure_video_indexes(next(iter(text_dims), None), next(iter(image_dims), None))
        rows: list[tuple[str, dict[str, Any]]] = []
        for e in entries:
            row: dict[str, Any] = {
                "log_id": log_id, "index": int(e.index), "t_start": float(e.t_start),
                "t_end": float(e.t_end), "seen": e.seen, "said": e.said, "ocr": e.ocr,
                "models": ",".join(e.models),
            }
            if e.text_embedding is not None:
                row["text_embedding"] = _vec_bytes(e.text_embedding, self._dims[self._k("idx", "vtext")],
                                                   what="a text embedding")
            if e.image_embedding is not None:
                row["image_embedding"] = _vec_bytes(e.image_embedding, self._dims[self._k("idx", "vimage")],
                                                    what="an image embedding")
            rows.append((self._k("vent", log_id, f"{int(e.index):08d}"), row))
        members = self._k("vset", log_id)

        def txn(pipe: redis.client.Pipeline) -> None:
            # WATCHed reads (immediate), then MULTI/EXEC; redis-py reruns this on a conflict.
            if not pipe.exists(header):
                raise NotFound(f"no video log {log_id!r}: call begin_video_log first")
            keys = list(dict.fromkeys(key for key, _ in rows))
            known = pipe.zmscore(members, keys) if keys else []
            count = pipe.zcard(members) + sum(1 for score in known if score is None)
            pipe.multi()
            for key, row in rows:
                pipe.delete(key)  # an overwritten entry must not keep a stale image vector
                pipe.hset(key, mapping=cast(Any, row))
                pipe.zadd(members, {key: row["index"]})
            pipe.json().set(header, "$.resume_at_s", float(resume_at_s))
            pipe.json().set(header, "$.entries", int(count))

        self.client.transaction(txn, header, members)

    @_translate_errors
    def finish_video_log(self, log_id: str, *, summary: str) -> VideoLogMeta:
        header = self._vlog_key(log_id)
        if not self.client.exists(header):
            raise NotFound(f"no video log {log_id!r}: call begin_video_log first")
        pipe = self.client.pipeline(transaction=True)
        pipe.json().set(header, "$.summary", summary)
        pipe.json().set(header, "$.status", "complete")
        pipe.json().set(header, "$.entries", self.client.zcard(self._k("vset", log_id)))
        pipe.execute()
        return self._meta_from_json(cast(dict, self.client.json().get(header)))

    @_translate_errors
    def delete_video_log(self, log_id: str) -> None:
        header = self._vlog_key(log_id)
        members = self._k("vset", log_id)
        keys = [_s(k) for k in self.client.zrange(members, 0, -1)]
        # Also sweep by pattern: catches entries of a chunk whose ZSET update never landed.
        pattern = self._k("vent", _glob_escape(log_id), "*")
        keys += [_s(k) for k in self.client.scan_iter(match=pattern, count=1000)]
        pipe = self.client.pipeline(transaction=True)
        for i in range(0, len(keys), 1000):
            pipe.delete(*keys[i:i + 1000])
        pipe.delete(header, members)
        pipe.execute()

    def _entry(self, raw: dict[Any, Any]) -> LogEntry:
        import numpy as np

        fields = {_s(k): v for k, v in raw.items()}
        text_vec = fields.get("text_embedding")
        image_vec = fields.get("image_embedding")
        return LogEntry(
            index=int(_s(fields["index"])),
            t_start=float(_s(fields["t_start"])),
            t_end=float(_s(fields["t_end"])),
            seen=_s(fields.get("seen")), said=_s(fields.get("said")), ocr=_s(fields.get("ocr")),
            models=tuple(m for m in _s(fields.get("models")).split(",") if m),
            text_embedding=tuple(np.frombuffer(text_vec, dtype=np.float32).tolist()) if text_vec else None,
            image_embedding=tuple(np.frombuffer(image_vec, dtype=np.float32).tolist()) if image_vec else None,
        )

    @_translate_errors
    def video_entries(self, log_id: str) -> list[LogEntry]:
        self._vlog_key(log_id)  # validates the id
        keys = cast(list, self.client.zrange(self._k("vset", log_id), 0, -1))
        pipe = self.client.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        rows = [r for r in pipe.execute() if r]
        return sorted((self._entry(r) for r in rows), key=lambda e: (e.t_start, e.index))

    @_translate_errors
    def search_video(self, log_id: str, vector: Sequence[float], *,
                     field: Literal["text", "image"] = "text", k: int = 5) -> list[tuple[LogEntry, float]]:
        if field not in ("text", "image"):
            raise InvalidInput(f"field must be 'text' or 'image', got {field!r}")
        if k < 1:
            raise InvalidInput(f"k must be >= 1, got {k}")
        self._vlog_key(log_id)
        index = self._k("idx", "vtext" if field == "text" else "vimage")
        vec_field = f"{field}_embedding"
        if index not in self._ready:
            dim = self._index_dim(index, vec_field)
            if dim is None:
                return []  # nothing of this kind was ever stored under this prefix
            self._ready.add(index)
            self._dims[index] = dim
        vector_b = _vec_bytes(vector, self._dims[index], what=f"the {field} query vector")
        hits = self._knn(index, vec_field, vector_b, k, _tag_clause("log_id", [log_id]), ("index",))
        if not hits:
            return []
        pipe = self.client.pipeline(transaction=False)
        for doc, _ in hits:
            pipe.hgetall(doc.id)
        rows = pipe.execute()
        return [(self._entry(row), sim) for (_, sim), row in zip(hits, rows, strict=True) if row]

    # --- health / housekeeping ---------------------------------------------------------------------
    @_translate_errors
    def info(self) -> dict[str, Any]:
        server = self.client.info("server")
        memory = self.client.info("memory")
        return {
            "url": redact(self.url),
            "embedded": self.embedded,
            "server": "valkey" if "valkey_version" in server else "redis",
            "version": _s(server.get("valkey_version") or server.get("redis_version")),
            "redis_version": _s(server.get("redis_version")),
            "modules": server_modules(self.client),
            "prefix": self.prefix,
            "used_memory": int(memory.get("used_memory", 0)),
            "memories": self._count(self.mem_index),
        }

    def _count(self, index: str) -> int | None:
        import redis

        try:
            return int(self.client.ft(index).info()["num_docs"])
        except redis.ResponseError:
            return None

    def clear(self) -> None:
        """Drop this prefix's indexes and delete every key under the prefix (tests, resets)."""
        import redis

        for name in ("mem", "vtext", "vimage", "doc"):
            try:
                self.client.ft(self._k("idx", name)).dropindex(delete_documents=False)
            except redis.ResponseError as e:
                if "unknown index" not in str(e).lower() and "no such index" not in str(e).lower():
                    raise
        batch: list[bytes] = []
        for key in self.client.scan_iter(match=f"{_glob_escape(self._root)}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                self.client.delete(*batch)
                batch = []
        if batch:
            self.client.delete(*batch)
        self._ready.clear()
        self._dims.clear()

    def close(self) -> None:
        self.client.close()


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
