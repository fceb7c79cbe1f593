"""Top-k photos for a query vector: HNSW, HNSW with a filter, or exact NumPy, whichever is right.

Measured with bench/search.py, 1024-d vectors, top-50 (search's default page), on two CPU cores
shared with other jobs (absolute times are pessimistic); median ms (recall@50 vs exact):

    library  allowed        exact (SQLite)  hnswlib filter, ef=2k/f  unfiltered top k/f×2, kept
    100k     50,000 (50%)   3975            20 (1.000)               16 (1.000)
    100k     20,000 (20%)   1241            66 (0.992)               24 (0.969)
    100k     10,000 (10%)    340           101 (0.998)               13 (0.948)
    100k      5,000  (5%)    258           169 (1.000)               33 (0.957)
    100k      2,000  (2%)     86           175 (1.000)               41 (0.983)
    100k        500 (.5%)     25           231 (1.000)              124 (1.000)
    10k       2,000 (20%)    184            34 (1.000)               24 (0.997)
    10k       1,000 (10%)    104            61 (1.000)               30 (0.998)
    10k         500  (5%)     82            75 (1.000)               40 (1.000)
    10k         200  (2%)     29            67 (1.000)               60 (1.000)
hnswlib calls the Python filter for every node it visits, and with few allowed photos it walks
most of the graph; exact search costs ~25-80 µs per allowed photo (4 KB blobs read from SQLite).
Post-filtering loses recall among near-ties deep in the ranking (the photos missed score within
0.02 of the k-th, below any relevant match) once it must fetch more than a few hundred; with
hnswlib's filter, ef = 2k/fraction keeps recall ≥ 0.99 (ef = 2k/sqrt(fraction) gave 0.965 at 10%).
Hence, in order:
  - the allowed photos are a large share (k/fraction×2 ≤ POSTFILTER_MAX_K): unfiltered HNSW,
    keep the allowed;
  - few allowed photos (≤ 3,000, and ≤ 5% of the library, or ≤ 500): exact; the crossover with
    the filter is ~500 at 10k photos and ~3,000 at 100k;
  - otherwise hnswlib's filter function with ef = 2k/fraction, capped at EF_FILTERED_MAX.
Exact search is also the reference HNSW is measured against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from album.index.hnsw import VectorIndex
from album.store.embeddings import EmbeddingRepository

# Exact search for at most this many allowed photos, and at most this share of the library
# (but always up to EXACT_MIN_CANDIDATES): where it beats hnswlib's filter in the table above.
EXACT_MAX_CANDIDATES = 3_000
EXACT_MAX_FRACTION = 0.05
EXACT_MIN_CANDIDATES = 500
# ef for an unfiltered top-k at 100k photos, recall@10 against exact: ef 48: 0.977-0.980,
# 64: 0.990-0.992 (two runs), 96: 0.997-0.998. 96 keeps a margin over the 0.99 target for
# ~1 ms; for larger k, ef = 2k keeps recall@50 at 0.997 (ef 100).
EF_MIN = 96
EF_PER_K = 2
# A bigger graph needs a wider beam for the same recall: at 1M photos recall@10 was 0.890 at ef
# 96, 0.950 at 128 and 0.980 at 200 (bench.search), so ef grows as sqrt(photos / 100k) from
# EF_MIN at 100k (304 at 1M).
EF_REFERENCE_SIZE = 100_000
# With hnswlib's filter, ef grows as 1 / allowed fraction, capped (table above).
EF_FILTERED_MAX = 1024
# Post-filtering fetches the unfiltered top k / fraction × OVERFETCH, at most POSTFILTER_MAX_K:
# recall 1.000 at 200 (k=50 at 50%), but 0.95-0.98 from 500 up at 100k photos.
OVERFETCH = 2.0
POSTFILTER_MAX_K = 200


def ef_for(k: int, allowed_fraction: float = 1.0, size: int = 0) -> int:
    """ef for a top-k search in an index of `size` photos: max(EF_MIN scaled for size, 2k); with a
    filter, divided by the allowed fraction."""
    ef = max(EF_MIN, EF_PER_K * k, int(EF_MIN * (size / EF_REFERENCE_SIZE) ** 0.5))
    if allowed_fraction < 1.0:
        ef = int(min(EF_FILTERED_MAX, max(ef, EF_PER_K * k / max(allowed_fraction, 1e-3))))
    return max(ef, k)


@dataclass(frozen=True)
class Ranked:
    ids: np.ndarray
    scores: np.ndarray
    method: str  # 'hnsw', 'post-filter', 'hnsw-filter' or 'exact'

    @property
    def exact(self) -> bool:
        return self.method == "exact"


class VectorRanker:
    def __init__(self, embeddings: EmbeddingRepository):
        self._embeddings = embeddings

    def nearest(self, index: VectorIndex, model_id: str, query: np.ndarray, k: int,
                allowed: np.ndarray | None = None, *, exhaustive: bool = False) -> Ranked:
        """Top-k (best first) among all photos, or the allowed ones (sorted ids)."""
        if k <= 0:
            return Ranked(np.empty(0, np.int64), np.empty(0, np.float32), "hnsw")
        if exhaustive or (allowed is None and k > len(index) // 4):
            # Most of the library asked for: one pass over every vector beats a graph walk.
            return self.exact(model_id, query, k, allowed)
        if allowed is None:
            ids, scores = index.search(query, k, ef=ef_for(k, size=len(index)))
            return Ranked(ids, scores, "hnsw")
        fraction = allowed.size / max(len(index), 1)
        wide = math.ceil(k / max(fraction, 1e-9) * OVERFETCH)
        if wide <= POSTFILTER_MAX_K:
            ranked = self.post_filtered(index, query, min(k, allowed.size), allowed, wide)
            if ranked.ids.size >= min(k, allowed.size):
                return ranked
        if allowed.size <= min(EXACT_MAX_CANDIDATES, max(EXACT_MIN_CANDIDATES, EXACT_MAX_FRACTION * len(index))):
            return self.exact(model_id, query, k, allowed)
        return self.hnsw_filtered(index, model_id, query, k, allowed)

    def post_filtered(self, index: VectorIndex, query: np.ndarray, k: int, allowed: np.ndarray, wide: int) -> Ranked:
        """The unfiltered top `wide`, keeping the allowed: fewer than k when the filter and the
        query disagree (then the caller asks hnswlib's filter)."""
        ids, scores = index.search(query, wide, ef=ef_for(wide, size=len(index)))
        keep = np.isin(ids, allowed, assume_unique=True)
        return Ranked(ids[keep][:k], scores[keep][:k], "post-filter")

    def hnsw_filtered(self, index: VectorIndex, model_id: str, query: np.ndarray, k: int, allowed: np.ndarray) -> Ranked:
        members = set(allowed.tolist())
        k = min(k, len(members))
        try:
            ids, scores = index.search(query, k, ef=ef_for(k, allowed.size / max(len(index), 1), len(index)),
                                       allowed=members.__contains__)
        except RuntimeError:
            # hnswlib found fewer than k allowed photos (some have no vector yet): exact instead.
            return self.exact(model_id, query, k, allowed)
        return Ranked(ids, scores, "hnsw-filter")

    def exact(self, model_id: str, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> Ranked:
        """Brute force over the stored vectors (all, or the allowed photos'), in bounded batches."""
        best_ids, best_scores = np.empty(0, np.int64), np.empty(0, np.float32)
        for ids, vectors in self._embeddings.iter_vectors(model_id, allowed, batch=8192):
            ids = np.concatenate([best_ids, ids])
            scores = np.concatenate([best_scores, vectors @ query])
            if scores.size > k:
                top = np.argpartition(-scores, k - 1)[:k]
                ids, scores = ids[top], scores[top]
            best_ids, best_scores = ids, scores
        order = np.lexsort((best_ids, -best_scores))
        return Ranked(best_ids[order], best_scores[order].astype(np.float32), "exact")
