"""Tools benchmark: sandbox overhead, document-search latency and recall. Prints ONE JSON line.

1. **Sandbox overhead.** The same trivial snippet run ``--calls`` times each way, interleaved,
   in the same run: a bare ``python -I -c`` subprocess (the baseline), the bubblewrap sandbox
   (:func:`sokrat.tools.sandbox.run_python`), and the resource limiter (``mode="rlimits"``).
   Target: sandbox median minus baseline median under 100 ms.
2. **Search recall@5** on a corpus with known answers: the Python library reference of Debian's
   ``python3-doc`` (``/usr/share/doc/python3-doc/html/library``, ~317 pages, ~10k chunks),
   indexed with the real embedder. The questions below were written from general knowledge
   of the standard library before any search was run, phrased as a user would ask (mostly
   without the function's name); a hit is a top-5 passage from one of the pages that answer it.
3. **Search latency** p50/p99 at 10k and 100k chunks: the python3-doc chunk texts (repeated to
   reach the size) with clustered random 384-d vectors (as bench/memory.py), so the store is
   measured without the embedder. Each query is BM25 + KNN + RRF in Redis
   (:meth:`RedisDocuments.search` with a precomputed query vector); the embedder's time per
   query is reported with the recall part. Target: p99 under 20 ms at 100k.
   ``legs`` (largest size) splits a search into its parts, each timed alone over the same
   queries: counting the query terms' chunks with none cached (``counts_cold``; cached, the
   count is one HMGET, ``counts_warm``), the KNN leg, the BM25 leg, reading the 5 hits; and
   whole searches with every term count cached (``search_warm``) and with none
   (``search_cold``). The headline p50/p99 is the mix a first pass over 300 queries sees.

Each part carries its own machine record (load differs); ``--parts`` measures some parts and,
with ``--save``, keeps the saved figures of the others.

Runs on a private, temporary embedded Redis. Usage:
``.venv/bin/python bench/tools.py [--parts sandbox,latency,recall] [--calls 30] [--sizes 10000,100000] [--save]``
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DOCS = Path("/usr/share/doc/python3-doc/html/library")
SNIPPET = "sum(i * i for i in range(1000))"

# (question, pages that answer it): written before any search was run; see the docstring.
QUESTIONS: list[tuple[str, tuple[str, ...]]] = [
    ("How can I get the current working directory of the process?", ("os.html",)),
    ("Which module lets me parse command-line options, including sub-commands?", ("argparse.html",)),
    ("How do I read rows from a comma-separated values file?", ("csv.html",)),
    ("How to compute the SHA-256 digest of some bytes?", ("hashlib.html",)),
    ("How can I run a shell command and capture its output?", ("subprocess.html",)),
    ("How do I serialize a Python dictionary to JSON text?", ("json.html",)),
    ("How to generate a random integer between two numbers?", ("random.html",)),
    ("How do I match a pattern with regular expressions and get named groups?", ("re.html",)),
    ("How can I schedule coroutines to run concurrently and wait for all of them?", ("asyncio-task.html",)),
    ("How to create a temporary directory that is removed automatically?", ("tempfile.html",)),
    ("How can I copy a whole directory tree?", ("shutil.html",)),
    ("What data structure counts how many times each item occurs?", ("collections.html",)),
    ("How do I format a date as ISO 8601 or parse it back?", ("datetime.html",)),
    ("How to decorate a function so its results are cached?", ("functools.html",)),
    ("How to compress data with gzip?", ("gzip.html", "zlib.html")),
    ("How can I make an HTTP request to a URL using only the standard library?",
     ("urllib.request.html", "http.client.html")),
    ("How to define a class whose instances are mostly data, with an automatic __init__?", ("dataclasses.html",)),
    ("How can I log messages to a file with timestamps?", ("logging.html", "logging.handlers.html")),
    ("How to measure the execution time of small code snippets?", ("timeit.html",)),
    ("How to run a function in a pool of worker processes?", ("multiprocessing.html", "concurrent.futures.html")),
    ("How do I open and query an embedded SQL database file?", ("sqlite3.html",)),
    ("How to find all files in a folder that match a wildcard pattern?",
     ("glob.html", "pathlib.html", "fnmatch.html")),
    ("How do I unpack binary data such as little-endian integers from bytes?", ("struct.html",)),
    ("How to send an email through an SMTP server?", ("smtplib.html",)),
    ("How can I store Python objects to disk and load them back later?", ("pickle.html", "shelve.html")),
    ("How do I do decimal fixed-point arithmetic without binary rounding errors?", ("decimal.html",)),
    ("How to create an enumeration with named constant members?", ("enum.html",)),
    ("How do I write unit tests with assertions and test discovery?", ("unittest.html",)),
    ("How to get the square root or the greatest common divisor of numbers?", ("math.html",)),
    ("How can I iterate over all combinations or permutations of items?", ("itertools.html",)),
    ("How to read configuration from an INI file?", ("configparser.html",)),
    ("How to parse an XML document into a tree of elements?", ("xml.etree.elementtree.html",)),
    ("How do I find the mean and median of a list of numbers?", ("statistics.html",)),
    ("How to run code in a separate thread and protect shared data with a lock?", ("threading.html",)),
    ("How do I work with filesystem paths in an object-oriented way?", ("pathlib.html",)),
    ("How can I compare two sequences of text lines and produce a diff?", ("difflib.html",)),
    ("How to encode bytes as base64 text?", ("base64.html",)),
    ("How to create a ZIP archive and add files to it?", ("zipfile.html",)),
    ("How do I declare a generic type or read a function's type hints at runtime?", ("typing.html",)),
    ("How can I make a deep copy of a nested object?", ("copy.html",)),
]


def pct(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


# --- 1. sandbox overhead ------------------------------------------------------------------------
async def sandbox_overhead(calls: int) -> dict:
    from sokrat.tools.sandbox import probe, run_python

    async def plain() -> None:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-I", "-c", f"print({SNIPPET})",
                                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await proc.wait()

    runs = {"plain": plain, "bubblewrap": lambda: run_python(SNIPPET, mode="bubblewrap"),
            "rlimits": lambda: run_python(SNIPPET, mode="rlimits")}
    if not probe().available:
        runs.pop("bubblewrap")
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(2):  # warm-up: page cache, the probe
        for fn in runs.values():
            await fn()
    for _ in range(calls):
        for name, fn in runs.items():
            t0 = time.perf_counter()
            await fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    out: dict = {"calls": calls, "snippet": SNIPPET, "isolation": probe().process_limit or probe().reason}
    for name, values in times.items():
        out[f"{name}_ms"] = {"p50": pct(values, 50), "p90": pct(values, 90)}
    base = statistics.median(times["plain"])
    for name in ("bubblewrap", "rlimits"):
        if name in times:
            out[f"{name}_overhead_ms"] = round(statistics.median(times[name]) - base, 1)
    return out


# --- 2./3. document search ------------------------------------------------------------------------
def corpus() -> list[tuple[Path, object, list]]:
    from sokrat.search.extract import chunk, extract

    out = []
    for path in sorted(DOCS.glob("*.html")):
        doc = extract(path, path.read_bytes())
        out.append((path, doc, chunk(doc)))
    return out


def store_docs(store, docs, vectors: np.ndarray, *, suffix: str = "") -> None:  # type: ignore[no-untyped-def]
    from sokrat.memory.documents import ChunkRow, DocumentMeta

    row = 0
    for path, doc, chunks in docs:
        n = len(chunks)
        meta = DocumentMeta(source=str(path) + suffix, namespace="default", sha256=f"x{suffix}", title=doc.title,
                            kind="html", chars=len(doc.text))
        store.replace(meta, [ChunkRow(c.index, c.start, c.end, c.text, c.page) for c in chunks], vectors[row:row + n])
        row += n


class _Redis:
    """A private, temporary embedded Redis with a RedisDocuments store on it."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        from sokrat.memory import embedded
        from sokrat.memory.documents import RedisDocuments
        from sokrat.memory.redis import RedisMemory
        from sokrat.settings import Settings

        self.tmp = Path(tempfile.mkdtemp(prefix="sokrat-bench-tools-"))
        server = embedded.ensure_server(data_dir=self.tmp)
        self.memory = RedisMemory(settings=Settings(data_dir=self.tmp), url=server.url, prefix="benchtools")
        return RedisDocuments(self.memory)

    def __exit__(self, *exc: object) -> None:
        from sokrat.memory import embedded

        self.memory.close()
        embedded.stop_server(data_dir=self.tmp)
        shutil.rmtree(self.tmp, ignore_errors=True)


def embed_corpus(embedder, texts: list[str]) -> tuple[np.ndarray, float | None]:  # type: ignore[no-untyped-def]
    """Chunk embeddings, cached under ~/.cache/sokrat/bench (keyed by the embedder and the texts):
    embedding 10k chunks takes many minutes on a busy 2-core machine."""
    import hashlib

    key = hashlib.sha256((embedder.name + "\0" + "\0".join(texts)).encode()).hexdigest()[:16]
    cache = Path.home() / ".cache" / "sokrat" / "bench" / f"python3-doc-{key}.npy"
    if cache.exists():
        return np.load(cache), None
    t0 = time.perf_counter()
    vectors = np.concatenate([embedder.embed(texts[i:i + 64]) for i in range(0, len(texts), 64)])
    rate = len(texts) / (time.perf_counter() - t0)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, rate


def recall_bench() -> dict:
    """recall@5 of the python3-doc questions, real embedder, full library reference."""
    if not DOCS.is_dir():
        raise SystemExit(f"{DOCS} is missing: apt-get install python3-doc")
    with _Redis() as store:
        docs = corpus()
        texts = [c.text for _, _, chunks in docs for c in chunks]
        vectors, rate = embed_corpus(store.memory.embedder, texts)
        store_docs(store, docs, vectors)
        hits, misses = 0, []
        for question, pages in QUESTIONS:
            found = [Path(h.source).name for h in store.search(question, k=5)]
            if any(p in found for p in pages):
                hits += 1
            else:
                misses.append({"q": question, "want": pages, "got": found})
        t0 = time.perf_counter()
        for question, _ in QUESTIONS:
            store.memory.embedder.embed([question])
        return {"pages": len(docs), "chunks": len(texts), "embed_chunks_per_s": rate and round(rate, 1),
                "recall_at_5": round(hits / len(QUESTIONS), 3), "questions": len(QUESTIONS), "misses": misses,
                "embed_query_ms": round((time.perf_counter() - t0) * 1000 / len(QUESTIONS), 2)}


def embedders_bench(names: list[str], chars: int) -> dict:
    """Vector-only page retrieval, one embedder against another on the same texts: each of the
    317 pages is represented by the opening of its first chunk (``chars`` characters: embedding
    every chunk with nomic takes hours on a busy 2-core machine); each question is ranked against
    them by cosine. recall@1/@5 and MRR by page, plus embedding speed."""
    from sokrat.memory.embedder import get_embedder
    from sokrat.settings import Settings

    docs = [(path, chunks) for path, _, chunks in corpus() if chunks]
    pages = [path.name for path, _ in docs]
    texts = [chunks[0].text[:chars] for _, chunks in docs]
    out: dict = {"pages": len(pages), "chars_per_page": chars, "questions": len(QUESTIONS)}
    for name in names:
        emb = get_embedder(Settings(embedder=name))
        emb.embed(["warm up"])
        t0 = time.perf_counter()
        pvecs = np.concatenate([emb.embed(texts[i:i + 32]) for i in range(0, len(texts), 32)])  # (P, D)
        rate = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        qvecs = emb.embed_query([q for q, _ in QUESTIONS])  # (Q, D)
        query_ms = (time.perf_counter() - t0) * 1000 / len(QUESTIONS)
        ranks = []
        for (_, want), row in zip(QUESTIONS, qvecs @ pvecs.T, strict=True):
            order = [pages[i] for i in np.argsort(-row)]
            ranks.append(min(order.index(p) + 1 for p in want if p in order))
        out[name] = {"dim": int(pvecs.shape[1]), "recall_at_1": round(sum(r <= 1 for r in ranks) / len(ranks), 3),
                     "recall_at_5": round(sum(r <= 5 for r in ranks) / len(ranks), 3),
                     "mrr": round(float(np.mean([1 / r for r in ranks])), 3),
                     "embed_pages_per_s": round(rate, 1), "embed_query_ms": round(query_ms, 1)}
        print(name, out[name], file=sys.stderr, flush=True)
    return out


def latency_bench(sizes: list[int], queries: int, rng: np.random.Generator) -> dict:
    """BM25 + KNN + RRF latency at each size. Texts are the real python3-doc chunks (repeated as
    needed); vectors are clustered random 384-d unit vectors (as in bench/memory.py), so this part
    needs no embedding and measures the store, not the embedder."""
    from sokrat.search.extract import chunk, extract

    texts = []
    for path in sorted(DOCS.glob("*.html")):
        texts += [c.text for c in chunk(extract(path, path.read_bytes()))]
    centers = rng.standard_normal((10, 384)).astype(np.float32)

    def vecs(n: int) -> np.ndarray:
        x = centers[rng.integers(0, len(centers), size=n)] + 0.7 * rng.standard_normal((n, 384), dtype=np.float32)
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)

    from sokrat.memory.documents import ChunkRow, DocumentMeta

    out = {}
    with _Redis() as store:
        store.memory._embedder = type("Fixed", (), {"dim": 384, "name": "random"})()  # the store only asks dim
        have, doc_id, per_doc = 0, 0, 50
        qtexts = [texts[i].split(". ")[0][:120] for i in rng.choice(len(texts), size=queries, replace=False)]
        qvecs = vecs(queries)
        for size in sizes:
            while have < size:
                n = min(per_doc, size - have)
                rows = [ChunkRow(i, 0, len(texts[(have + i) % len(texts)]), texts[(have + i) % len(texts)])
                        for i in range(n)]
                store.replace(DocumentMeta(source=f"doc{doc_id}.html", namespace="default", sha256="x"), rows, vecs(n))
                have, doc_id = have + n, doc_id + 1
            for q, v in zip(qtexts[:20], qvecs[:20], strict=True):  # warm-up
                store.search(q, k=5, vector=v)
            lat = []
            for q, v in zip(qtexts, qvecs, strict=True):
                t0 = time.perf_counter()
                store.search(q, k=5, vector=v)
                lat.append((time.perf_counter() - t0) * 1000)
            out[str(size)] = {"chunks": store.count(), "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99),
                              "queries": queries}
        out["legs"] = {"chunks": store.count(), **search_legs(store, qtexts, qvecs)}
    return out


def search_legs(store, qtexts: list[str], qvecs: np.ndarray) -> dict:  # type: ignore[no-untyped-def]
    """Each part of :meth:`RedisDocuments.search` timed alone (ms, p50/p99) over the queries."""
    from redis.commands.search.query import Query

    from sokrat.memory.documents import _CHUNK_FIELDS, SEARCH_DEPTH, _bm25_expression
    from sokrat.memory.fusion import rrf_fuse
    from sokrat.memory.redis import _vec_bytes, text_term_list

    legs: dict[str, list[float]] = {k: [] for k in ("counts_cold", "counts_warm", "knn", "bm25", "fetch",
                                                     "search_warm", "search_cold")}

    def timed(name: str, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        value = fn(*args, **kwargs)
        legs[name].append((time.perf_counter() - t0) * 1000)
        return value

    def fetch(keys: list[str]) -> None:
        pipe = store.client.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(key, _CHUNK_FIELDS)
        pipe.execute()

    ft = store.client.ft(store.index)
    for q, v in zip(qtexts, qvecs, strict=True):
        terms = text_term_list(q)
        store.client.delete(store._df_key)
        timed("counts_cold", store._term_counts, terms)
        counts, _ = timed("counts_warm", store._term_counts, terms)
        hits = timed("knn", store.memory._knn, store.index, "embedding", _vec_bytes(v, 384, what="q"),
                     SEARCH_DEPTH, "", (), batches=True)
        text_ids: list[str] = []
        if terms:
            bm25 = Query(_bm25_expression(terms, counts)).scorer("BM25").no_content().paging(0, SEARCH_DEPTH).dialect(2)
            text_ids = [d.id for d in timed("bm25", ft.search, bm25).docs]
        timed("fetch", fetch, [key for key, _ in rrf_fuse([[d.id for d, _ in hits], text_ids], limit=5)])
        timed("search_warm", store.search, q, k=5, vector=v)
        store.client.delete(store._df_key)
        timed("search_cold", store.search, q, k=5, vector=v)
    return {name: {"p50_ms": pct(values, 50), "p99_ms": pct(values, 99)} for name, values in legs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="sandbox,latency,recall",
                        help="which parts to measure; with --save the others keep their saved figures")
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--embedders", default="all-MiniLM-L6-v2,nomic-embed-text-v1.5",
                        help="the embedders the 'embedders' part compares")
    parser.add_argument("--page-chars", type=int, default=600, help="characters of each page the 'embedders' part embeds")
    parser.add_argument("--save", action="store_true", help="write bench/results/tools.json")
    args = parser.parse_args()
    import json

    from _report import RESULTS, emit, machine

    parts = set(args.parts.split(","))
    saved = RESULTS / "tools.json"
    figures = {k: v for k, v in (json.loads(saved.read_text()) if saved.exists() else {}).items()
               if k in ("sandbox", "latency", "recall", "embedders")}
    rng = np.random.default_rng(args.seed)
    if "sandbox" in parts:
        figures["sandbox"] = {**asyncio.run(sandbox_overhead(args.calls)), "machine": machine()}
    if "latency" in parts:
        figures["latency"] = {**latency_bench([int(x) for x in args.sizes.split(",")], args.queries, rng),
                              "machine": machine()}
    if "recall" in parts:
        figures["recall"] = {**recall_bench(), "machine": machine()}
    if "embedders" in parts:
        figures["embedders"] = {**embedders_bench(args.embedders.split(","), args.page_chars), "machine": machine()}
    bits = []
    if "sandbox" in figures:
        sb = figures["sandbox"]
        bits.append(f"sandbox overhead {sb.get('bubblewrap_overhead_ms')} ms/call over a bare python "
                    f"({sb['plain_ms']['p50']} ms)")
    if "latency" in figures:
        big = max((k for k in figures["latency"] if k.isdigit()), key=int)
        lat = figures["latency"][big]
        bits.append(f"document search p50/p99 {lat['p50_ms']}/{lat['p99_ms']} ms at {lat['chunks']:,} chunks")
        legs = figures["latency"].get("legs")
        if legs:
            bits.append(f"p99 with term counts cached {legs['search_warm']['p99_ms']} ms, uncached "
                        f"{legs['search_cold']['p99_ms']} ms (counting {legs['counts_cold']['p99_ms']}, BM25 "
                        f"{legs['bm25']['p99_ms']}, KNN {legs['knn']['p99_ms']} ms)")
    if "recall" in figures:
        rc = figures["recall"]
        bits.append(f"recall@5 {rc['recall_at_5']} on {rc['questions']} python3-doc questions "
                    f"({rc['chunks']:,} chunks; +{rc['embed_query_ms']} ms to embed a query)")
    if "embedders" in figures:
        ranked = {k: v for k, v in figures["embedders"].items() if isinstance(v, dict) and "mrr" in v}
        bits.append("page retrieval MRR " + ", ".join(f"{k} {v['mrr']}" for k, v in ranked.items()))
    emit("tools", figures, save=args.save, summary="; ".join(bits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
