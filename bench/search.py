"""Search latency and HNSW accuracy: `python -m bench.search [--sizes 10000 100000] [--dim 1024]`.

For each library size, a fresh library is bulk-loaded with synthetic photos (clustered unit
vectors written straight into `photos` + `embeddings` in one transaction, then the HNSW index
built from the database by `open_synced_index`, as a real library would rebuild it), and:
  1. recall@10 of HNSW against exact search, per ef (the basis of `search.EF_MIN`);
  2. filtered search: exact (NumPy over the allowed photos' stored vectors), hnswlib's filter
     function, and unfiltered HNSW post-filtered, latency and recall per allowed fraction (the
     basis of `ranking.EXACT_MAX_CANDIDATES` and `ranking.POSTFILTER_MAX_K`);
  3. p50/p95 latency of `SearchService.search(text)` over the Python API, text encode included,
     default options (limit 50, relevance cutoff on).
The relevance cut is measured and calibrated by `bench.relevance`.

The text encoder is album-mini when its resources are built; otherwise a stand-in (the tiny
random open_clip text tower projected to --dim) and the table says so: album-mini's MiniLM
encode then adds its own few milliseconds (see bench.model_speed).

Synthetic vectors: photos fall in topics (shared direction), bursts inside topics (near
duplicates), over a common offset that makes all photos alike (the cone real CLIP-like
embeddings sit in); queries sit in their own offset (the image/text modality gap) near a topic.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from album.index.hnsw import VectorIndex
from album.library import Library
from album.models.base import l2_normalise
from album.services.places import Gazetteer, PhotoPlaces
from album.services.search import ranking
from album.services.search import SearchService

QUERY_TEXTS = [
    "a dog running on the beach", "sunset over the sea", "birthday cake with candles", "snowy mountains",
    "a child on a swing", "people at a wedding", "a red car", "city street at night", "a cat sleeping",
    "flowers in a garden", "a plate of pasta", "a boat on a lake", "fireworks", "a bicycle", "a forest path",
    "a group of friends laughing", "a horse in a field", "an old church", "a baby", "a football match",
]


class StandInModel:
    """The tiny random open_clip model's text encoder, projected to `dim`: real tokenising and a
    real (small) transformer forward pass, so encode time is measured, without album-mini."""

    def __init__(self, dim: int):
        import torch

        from album.models.openclip import random_tiny

        # One short query is latency-bound: torch's intra-op threads only add hand-offs (tens of
        # ms on a busy 2-core machine), so the stand-in encodes on one thread, as a search would.
        torch.set_num_threads(1)
        self._tiny = random_tiny()
        self._projection = np.random.default_rng(7).standard_normal((self._tiny.dim, dim)).astype(np.float32)
        self.model_id = f"stand-in-{dim}"
        self.dim = dim
        self.device = "cpu"

    def encode_texts(self, texts):
        return l2_normalise(self._tiny.encode_texts(texts) @ self._projection)

    def encode_images(self, images):
        return l2_normalise(self._tiny.encode_images(images) @ self._projection)

    def preprocess(self, image):
        return self._tiny.preprocess(image)

    def encode_preprocessed(self, batch):
        return l2_normalise(self._tiny.encode_preprocessed(batch) @ self._projection)


def load_text_model(dim: int):
    try:
        from album.models import load_model

        model = load_model("album-mini")
        return model, "album-mini"
    except Exception as exc:  # resources not built yet: say so and measure with the stand-in
        print(f"album-mini unavailable ({type(exc).__name__}: {exc}); using the stand-in text encoder", file=sys.stderr)
        return StandInModel(dim), "stand-in (tiny open_clip text tower, projected)"


def synthetic_photos(n: int, dim: int, rng: np.random.Generator, topics: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Unit vectors: 0.55 shared offset + 0.6 topic + 0.35 burst + 0.45 own noise (per-unit-norm
    parts), giving mean cosine ~0.3 between random photos, ~0.65 within a topic and ~0.8 within
    a burst, about what CLIP-like models show between unrelated, related and burst photos."""
    out = np.empty((n, dim), np.float32)
    bursts = rng.standard_normal((max(n // 8, 1), dim)).astype(np.float32)
    bursts /= np.linalg.norm(bursts, axis=1, keepdims=True)
    for start in range(0, n, 65536):
        m = min(65536, n - start)
        topic = rng.integers(0, len(topics), m)
        burst = rng.integers(0, len(bursts), m)
        noise = rng.standard_normal((m, dim)).astype(np.float32) / np.sqrt(dim)
        chunk = 0.55 * offset + 0.6 * topics[topic] + 0.35 * bursts[burst] + 0.45 * noise
        out[start : start + m] = l2_normalise(chunk)
    return out


def synthetic_queries(n: int, dim: int, rng: np.random.Generator, topics: np.ndarray) -> np.ndarray:
    text_offset = rng.standard_normal(dim).astype(np.float32)
    text_offset /= np.linalg.norm(text_offset)
    noise = rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim)
    return l2_normalise(0.6 * text_offset + 0.5 * topics[rng.integers(0, len(topics), n)] + 0.5 * noise)


def bulk_load(library: Library, vectors: np.ndarray, model_id: str, rng: np.random.Generator) -> None:
    """Rows and vectors in one transaction with executemany: ~100k photos/s, where the indexing
    pipeline would decode and embed real files."""
    base = datetime(2005, 1, 1)
    now = datetime.now().isoformat(timespec="seconds")
    cameras = [("Apple", "iPhone 13"), ("NIKON", "COOLPIX P6000"), ("Canon", "EOS 5D"), (None, None)]
    with library.database.write() as db:
        folder_id = db.execute(
            "INSERT INTO folders (path, added_at) VALUES (?, ?)", ("/synthetic", now)
        ).lastrowid
        for start in range(0, len(vectors), 50_000):
            stop = min(start + 50_000, len(vectors))
            days = rng.integers(0, 20 * 365, stop - start)
            picks = rng.integers(0, len(cameras), stop - start)
            rows = [
                (i + 1, folder_id, f"/synthetic/{i // 1000:04d}/IMG_{i:07d}.jpg", 1_000_000, 0, "JPEG",
                 (base + timedelta(days=int(d))).isoformat(), cameras[c][0], cameras[c][1], "ok", now)
                for i, d, c in zip(range(start, stop), days, picks)
            ]
            db.conn.executemany(
                """INSERT INTO photos (id, folder_id, path, size, mtime_ns, format, taken_at, camera_make,
                   camera_model, status, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            db.conn.executemany(
                "INSERT INTO embeddings (photo_id, model_id, vector) VALUES (?, ?, ?)",
                ((i + 1, model_id, vectors[i].tobytes()) for i in range(start, stop)),
            )


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ids (1-based, as loaded) of the exact top-k per query."""
    tops = []
    for start in range(0, len(queries), 64):
        scores = queries[start : start + 64] @ vectors.T
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(scores, part, axis=1).argsort(axis=1)[:, ::-1]
        tops.append(np.take_along_axis(part, order, axis=1) + 1)
    return np.concatenate(tops)


def recall_per_ef(index: VectorIndex, queries: np.ndarray, truth: np.ndarray, efs, k: int) -> dict[int, float]:
    recalls = {}
    for ef in efs:
        hits = 0
        for query, true in zip(queries, truth):
            ids, _ = index.search(query, k, ef=ef)
            hits += len(set(ids.tolist()) & set(true[:k].tolist()))
        recalls[ef] = hits / (len(queries) * k)
    return recalls


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def filtered_table(service: SearchService, index: VectorIndex, n: int, queries: np.ndarray, model_id: str,
                   fractions, k: int, rng: np.random.Generator) -> list[tuple]:
    """Per allowed fraction: median ms of each strategy, its recall@k against exact, and the
    strategy `VectorRanker.nearest` picks with its median ms."""
    ranker = service.ranker
    rows = []
    for fraction in fractions:
        allowed = np.sort(rng.choice(n, max(int(n * fraction), k), replace=False) + 1).astype(np.int64)
        wide = int(np.ceil(k / fraction * ranking.OVERFETCH))
        timings = {"exact": [], "hnsw-filter": [], "post-filter": [], "chosen": []}
        hits = {"hnsw-filter": 0, "post-filter": 0}
        chosen = set()
        for query in queries[:20]:
            start = time.perf_counter()
            truth = set(ranker.exact(model_id, query, k, allowed).ids.tolist())
            timings["exact"].append((time.perf_counter() - start) * 1000)
            for name, run in (("hnsw-filter", lambda: ranker.hnsw_filtered(index, model_id, query, k, allowed)),
                              ("post-filter", lambda: ranker.post_filtered(index, query, k, allowed, wide))):
                start = time.perf_counter()
                found = run()
                timings[name].append((time.perf_counter() - start) * 1000)
                hits[name] += len(truth & set(found.ids.tolist()))
            start = time.perf_counter()
            chosen.add(ranker.nearest(index, model_id, query, k, allowed).method)
            timings["chosen"].append((time.perf_counter() - start) * 1000)
        median = {name: statistics.median(values) for name, values in timings.items()}
        rows.append((fraction, len(allowed), median["exact"], median["hnsw-filter"], hits["hnsw-filter"] / (20 * k),
                     median["post-filter"], hits["post-filter"] / (20 * k), "/".join(sorted(chosen)), median["chosen"]))
    return rows


def run_size(n: int, model, args) -> dict:
    rng = np.random.default_rng(n)  # per size, so a kept library matches the vectors made again
    dim = model.dim
    topics = l2_normalise(rng.standard_normal((max(n // 200, 20), dim)).astype(np.float32))
    offset = l2_normalise(rng.standard_normal((1, dim)).astype(np.float32))[0]
    vectors = synthetic_photos(n, dim, rng, topics, offset)
    queries = synthetic_queries(args.queries, dim, rng, topics)
    result = {"n": n, "load_s": 0.0}
    with contextlib.ExitStack() as stack:
        if args.keep:
            root = Path(args.workdir or tempfile.gettempdir()) / f"bench-search-{n}-{model.model_id}"
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=args.workdir)))
        reuse = (root / "library" / "library.db").exists()
        library = stack.enter_context(Library.open(root / "library", model=model))
        if not reuse:
            start = time.perf_counter()
            bulk_load(library, vectors, model.model_id, rng)
            result["load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        index = library.vector_index()
        library.vector_index().save()
        result["build_s"] = time.perf_counter() - start
        service = SearchService(
            library.database, library.photos, library.embeddings, PhotoPlaces(library.database, Gazetteer()),
            lambda: model, library.vector_index, lambda: library.model_id,
        )
        truth = exact_top(vectors, queries, 50)
        del vectors
        result["recall10"] = recall_per_ef(index, queries, truth, args.efs, 10)
        result["recall50"] = recall_per_ef(index, queries, truth, [e for e in args.efs if e >= 50], 50)
        if not args.skip_filtered:
            result["filtered"] = filtered_table(service, index, n, queries, model.model_id,
                                                args.fractions, args.filter_k, rng)
        for text in QUERY_TEXTS[:3]:
            service.search(text)  # warm-up: baselines into memory, caches, ONNX sessions
        samples = []
        for _ in range(args.rounds):
            for text in QUERY_TEXTS:
                start = time.perf_counter()
                service.search(text)
                samples.append((time.perf_counter() - start) * 1000)
        result["p50"], result["p95"] = percentiles(samples)
        encode = []
        for text in QUERY_TEXTS:
            start = time.perf_counter()
            model.encode_texts([text])
            encode.append((time.perf_counter() - start) * 1000)
        result["encode_p50"] = statistics.median(encode)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--dim", type=int, default=1024, help="vector size when album-mini is absent (its own: 1024)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the query texts for latency")
    parser.add_argument("--efs", type=int, nargs="+", default=[10, 16, 24, 32, 48, 64, 96, 128, 200])
    parser.add_argument("--fractions", type=float, nargs="+", default=[0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.002])
    parser.add_argument("--filter-k", type=int, default=50, help="top-k for the filtered table (search's default limit)")
    parser.add_argument("--skip-filtered", action="store_true")
    parser.add_argument("--workdir", default=None, help="where the temporary libraries go (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the libraries (in --workdir) for later runs")
    args = parser.parse_args()
    # Always measure the ef search itself uses at each size (ranking.ef_for), beside the sweep.
    args.efs = sorted(set(args.efs) | {ranking.ef_for(10, size=n) for n in args.sizes})
    model, label = load_text_model(args.dim)
    print(f"text encoder: {label}; dim {model.dim}")
    results = [run_size(n, model, args) for n in args.sizes]

    print("\nrecall@10 of HNSW vs exact, per ef (M=16, ef_construction=200)")
    print("photos    " + "".join(f"{f'ef={ef}':>9}" for ef in args.efs))
    for r in results:
        print(f"{r['n']:<10}" + "".join(f"{r['recall10'][ef]:>9.3f}" for ef in args.efs))
    print("\nrecall@50 of HNSW vs exact, per ef")
    for r in results:
        print(f"{r['n']:<10}" + "".join(f"{f'ef={ef}':>9}:{v:.3f}" for ef, v in r["recall50"].items()))
    if not args.skip_filtered:
        print(f"\nfiltered top-{args.filter_k}: median ms and recall vs exact, per strategy; what nearest() picks")
        print(f"{'photos':<9}{'fraction':>9}{'allowed':>8}{'exact':>8}{'filter':>8}{'recall':>7}"
              f"{'post':>8}{'recall':>7}  {'picked':<24}{'ms':>6}")
        for r in results:
            for fraction, allowed, exact_ms, filter_ms, filter_recall, post_ms, post_recall, picked, picked_ms in r["filtered"]:
                print(f"{r['n']:<9}{fraction:>9}{allowed:>8}{exact_ms:>8.1f}{filter_ms:>8.1f}{filter_recall:>7.3f}"
                      f"{post_ms:>8.1f}{post_recall:>7.3f}  {picked:<24}{picked_ms:>6.1f}")
    print(f"\nSearchService.search(text), limit 50, cutoff on, text encode included ({label})")
    print(f"{'photos':<10}{'p50 ms':>8}{'p95 ms':>8}{'encode p50':>12}{'load s':>8}{'index open/build s':>20}")
    for r in results:
        print(f"{r['n']:<10}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['encode_p50']:>12.1f}{r['load_s']:>8.1f}{r['build_s']:>20.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
