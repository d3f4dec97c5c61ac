"""Vector memory benchmark: insert throughput, KNN latency, recall@10 and server RSS.

Runs against a private, temporary embedded server (never the user's data dir), with the
same index type RedisMemory builds (HNSW, FLOAT32, COSINE, a TAG field) and the same
persistence (AOF, everysec) unless ``--no-aof``. Data are random-but-clustered 384-d unit
vectors (a Gaussian mixture: real sentence embeddings are clustered, uniform random ones are
the worst case for HNSW). For each size it prints ONE JSON line:

- ``insert_per_s``: pipelined HSETs of raw float32 bytes (batches of ``--batch``), index
  built synchronously by RediSearch, so this is insert *and* index throughput;
- for each EF_RUNTIME tried: KNN(10) p50/p99 (ms, client side, sequential queries over the
  unix socket) and recall@10 against exact search (numpy brute force on the same vectors and
  queries, same run), plus the brute-force time per query as a baseline;
- ``chosen``: the smallest EF_RUNTIME reaching ``--target-recall``;
- ``server_rss_mb`` / ``used_memory_mb`` from INFO memory after the inserts.

Usage: ``.venv/bin/python bench/memory.py [--sizes 10000,100000,1000000] [--m 16]
[--ef-construction 100] [--ef-runtime 50,100,200] [--no-aof] [--save]``. All sizes go into one
JSON line (``sizes``), printed through ``bench/_report.py``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

DIM = 384


def clustered(rng: np.random.Generator, centers: np.ndarray, n: int, spread: float) -> np.ndarray:
    """``n`` unit vectors around random centers; ``(n, D)`` float32."""
    labels = rng.integers(0, len(centers), size=n)
    x = centers[labels] + spread * rng.standard_normal((n, centers.shape[1]), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32, copy=False)


def exact_top10(data: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, float]:
    """Exact cosine top-10 ids per query and the brute-force ms per query."""
    t0 = time.perf_counter()
    top = np.empty((len(queries), 10), dtype=np.int64)
    for i, q in enumerate(queries):  # one query at a time: the honest per-query baseline
        scores = data @ q  # (N,)
        part = np.argpartition(-scores, 10)[:10]
        top[i] = part[np.argsort(-scores[part])]
    return top, (time.perf_counter() - t0) * 1000 / len(queries)


def run_size(client, n: int, args: argparse.Namespace, rng: np.random.Generator) -> dict:  # type: ignore[no-untyped-def]
    from redis.commands.search.field import TagField, VectorField
    from redis.commands.search.query import Query

    try:
        from redis.commands.search.index_definition import IndexDefinition, IndexType
    except ImportError:  # redis-py < 6
        from redis.commands.search.indexDefinition import IndexDefinition, IndexType  # type: ignore[no-redef]

    client.flushall()
    index = client.ft("bench:idx")
    index.create_index(
        [TagField("namespace"),
         VectorField("embedding", "HNSW", {"TYPE": "FLOAT32", "DIM": DIM, "DISTANCE_METRIC": "COSINE",
                                           "M": args.m, "EF_CONSTRUCTION": args.ef_construction,
                                           "INITIAL_CAP": n})],
        definition=IndexDefinition(prefix=["bench:v:"], index_type=IndexType.HASH))

    centers = rng.standard_normal((max(10, n // 1000), DIM), dtype=np.float32)
    data = np.empty((n, DIM), dtype=np.float32)
    insert_s = 0.0
    for start in range(0, n, args.batch):
        chunk = clustered(rng, centers, min(args.batch, n - start), args.spread)
        data[start:start + len(chunk)] = chunk
        t0 = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for j, vec in enumerate(chunk):
            pipe.hset(f"bench:v:{start + j}", mapping={"namespace": f"ns{(start + j) % 4}",
                                                       "embedding": vec.tobytes()})
        pipe.execute()
        insert_s += time.perf_counter() - t0
    num_docs = int(index.info()["num_docs"])
    mem = client.info("memory")

    queries = clustered(rng, centers, args.queries, args.spread)
    truth, brute_ms = exact_top10(data, queries)
    sweeps = []
    for ef in args.ef_runtime:
        q = (Query(f"*=>[KNN 10 @embedding $vec EF_RUNTIME {ef} AS d]").sort_by("d")
             .return_fields("d").paging(0, 10).dialect(2))
        for v in queries[:10]:  # warm-up
            index.search(q, query_params={"vec": v.tobytes()})
        lat, hits = [], 0
        for qi, v in enumerate(queries):
            t0 = time.perf_counter()
            res = index.search(q, query_params={"vec": v.tobytes()})
            lat.append((time.perf_counter() - t0) * 1000)
            found = {int(d.id.rsplit(":", 1)[1]) for d in res.docs}
            hits += len(found & set(truth[qi].tolist()))
        sweeps.append({"ef_runtime": ef, "p50_ms": round(float(np.percentile(lat, 50)), 3),
                       "p99_ms": round(float(np.percentile(lat, 99)), 3),
                       "recall_at_10": round(hits / (10 * len(queries)), 4)})
    # Filtered KNN (a TAG filter, as recall(namespace=...) does), at the chosen EF.
    ok = [s for s in sweeps if s["recall_at_10"] >= args.target_recall]
    chosen = ok[0] if ok else sweeps[-1]
    qf = (Query(f"(@namespace:{{ns1}})=>[KNN 10 @embedding $vec EF_RUNTIME {chosen['ef_runtime']} AS d]")
          .sort_by("d").return_fields("d").paging(0, 10).dialect(2))
    flat = []
    for v in queries:
        t0 = time.perf_counter()
        index.search(qf, query_params={"vec": v.tobytes()})
        flat.append((time.perf_counter() - t0) * 1000)
    return {
        "bench": "memory", "size": n, "dim": DIM, "indexed": num_docs,
        "hnsw": {"M": args.m, "EF_CONSTRUCTION": args.ef_construction},
        "aof": not args.no_aof, "clusters": len(centers), "spread": args.spread,
        "insert_per_s": round(n / insert_s, 1), "insert_s": round(insert_s, 1),
        "queries": len(queries), "sweeps": sweeps,
        "chosen": chosen,
        "filtered_p99_ms": round(float(np.percentile(flat, 99)), 3),
        "brute_force_ms_per_query": round(brute_ms, 3),
        "speedup_vs_brute_force_p50": round(brute_ms / chosen["p50_ms"], 1),
        "server_rss_mb": round(int(mem["used_memory_rss"]) / 2**20, 1),
        "used_memory_mb": round(int(mem["used_memory"]) / 2**20, 1),
        "targets": {"p99_ms": 10 if n <= 100_000 else 30, "recall_at_10": args.target_recall,
                    "insert_per_s": 5000},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--m", type=int, default=16)
    parser.add_argument("--ef-construction", type=int, default=100)
    parser.add_argument("--ef-runtime", default="50,100,200")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--spread", type=float, default=0.7,
                        help="per-dimension noise around a standard-normal center: 0.7 gives a "
                             "cosine of ~0.8 to the center and ~0.65 between cluster mates")
    parser.add_argument("--target-recall", type=float, default=0.95)
    parser.add_argument("--no-aof", action="store_true", help="run the server without AOF")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", action="store_true", help="write bench/results/memory.json")
    args = parser.parse_args()
    args.ef_runtime = [int(x) for x in args.ef_runtime.split(",")]
    sizes = [int(x) for x in args.sizes.split(",")]

    from _report import emit

    from sokrat.memory import embedded
    from sokrat.memory.connection import connect

    tmp = Path(tempfile.mkdtemp(prefix="sokrat-bench-"))
    try:
        server = embedded.ensure_server(data_dir=tmp)
        client = connect(url=server.url)
        client.config_set("appendonly", "no" if args.no_aof else "yes")
        rng = np.random.default_rng(args.seed)
        results = {str(n): run_size(client, n, args, rng) for n in sizes}
        client.flushall()
        client.close()
    finally:
        embedded.stop_server(data_dir=tmp)
        shutil.rmtree(tmp, ignore_errors=True)
    largest = results[str(max(sizes))]
    chosen = largest["chosen"]
    summary = (f"HNSW at {max(sizes):,} clustered 384-d vectors: {largest['insert_per_s']} inserts/s; KNN(10) "
               f"p50 {chosen['p50_ms']} ms, p99 {chosen['p99_ms']} ms, recall@10 {chosen['recall_at_10']} "
               f"at EF_RUNTIME {chosen['ef_runtime']}")
    emit("memory", {"sizes": results, "m": args.m, "ef_construction": args.ef_construction}, save=args.save,
         summary=summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
