"""Where "find similar" stops: the photos that stand out from the library, not a fixed 200.

Image-to-image cosines sit on a model-specific scale (album-mini's unrelated photos score
higher than CLIP's), so a fixed bar would suit one model only. Instead each photo is compared
with the whole library: a photo is "similar" when its score is far above what a typical
library photo scores against the same photo: `Z_SCORE` robust standard deviations above the median.
"""

from __future__ import annotations

import numpy as np

# Measured with `python -m bench.similar_cut` on album-mini over the shared Caltech photos (1,725
# photos, ~20 per class; 300 queries; "similar" = same class), median + z x MAD-sigma:
# z=2.5 keeps a median 42 photos (precision 0.38, recall 0.79), z=3.5 keeps 19 (0.65 / 0.63, the
# best F1), z=4.5 keeps 11 (0.68 / 0.47). Before the cut, find-similar showed a fixed 200.
Z_SCORE = 3.5


def similarity_bar(library, photo_id: int, z_score: float = Z_SCORE) -> float:
    """The score a photo must reach to count as looking like `photo_id` (inf: no vector, nothing is)."""
    model_id = library.model_id
    vector = library.embeddings.get(photo_id, model_id)
    if vector is None:
        return float("inf")
    scores = [vectors @ vector for ids, vectors in library.embeddings.iter_vectors(model_id) if len(ids)]
    return bar_over(np.concatenate(scores) if scores else np.empty(0), z_score)


def bar_over(scores: np.ndarray, z_score: float = Z_SCORE) -> float:
    """The bar over one photo's scores against the library (its own ~1.0 among them).

    Median and MAD rather than mean and standard deviation: in a small library the photos that
    do look alike are a large share of it and would raise a mean-based bar above themselves.
    """
    scores = scores[scores < 0.999999]  # the photo itself (and exact copies, which pass anyway)
    if scores.size < 2:
        return float("-inf")  # nothing to compare with: every hit is shown
    median = float(np.median(scores))
    spread = 1.4826 * float(np.median(np.abs(scores - median)))  # MAD, scaled to a normal's sigma
    return median + z_score * max(spread, 1e-6)
