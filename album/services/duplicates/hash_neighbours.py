"""Pairs of photos whose perceptual hashes (nearly) agree, found without comparing every pair.

The duplicate finder's candidates come from the embedding index, but a model that sees colour
puts a greyscale copy far from its original (cosine 0.3-0.5 with album-mini), sometimes outside
the original's nearest neighbours altogether, while its luminance hash is identical or 1-2 bits
off. So hash-near pairs are candidates too. How: the 64 bits are cut into BANDS; two hashes
that differ in at most len(BANDS) - 1 bits agree exactly on at least one band (pigeonhole), so
sorting the hashes by each band and pairing equal runs finds them all. Runs longer than
MAX_RUN (a band shared by hundreds of photos: blank frames, dark shots) say nothing and are skipped.
"""

from __future__ import annotations

import numpy as np

from album.media.perceptual import hamming_many

BANDS = ((0, 22), (22, 21), (43, 21))  # (first bit, width): up to 2 differing bits are found
MAX_RUN = 64


def near_hash_pairs(values: np.ndarray, max_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of `values` (uint64 hashes) at most `max_bits` apart that share a band."""
    values = np.asarray(values, dtype=np.uint64)
    firsts, seconds = [], []
    for shift, width in BANDS:
        key = (values >> np.uint64(shift)) & np.uint64((1 << width) - 1)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
        lengths = np.diff(np.r_[starts, len(order)])
        for start, length in zip(starts[(lengths > 1) & (lengths <= MAX_RUN)].tolist(),
                                 lengths[(lengths > 1) & (lengths <= MAX_RUN)].tolist()):
            members = order[start : start + length]
            i, j = np.triu_indices(length, 1)
            firsts.append(members[i])
            seconds.append(members[j])
    if not firsts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    a, b = np.concatenate(firsts), np.concatenate(seconds)
    a, b = np.minimum(a, b), np.maximum(a, b)
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    a, b = pairs[:, 0], pairs[:, 1]
    close = hamming_many(values[a], values[b]) <= max_bits
    return a[close].astype(np.int64), b[close].astype(np.int64)
