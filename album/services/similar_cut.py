"""Where "find similar" stops: the photos that stand out from the library, not a fixed 200.

Image-to-image cosines sit on a model-specific scale (album-mini's unrelated photos score
higher than CLIP's), so a fixed bar would suit one model only. Instead each photo is compared
with the whole library: a photo is "similar" when its score is far above what a typical
library photo scores against the same photo, `Z_SCORE` standard deviations above the mean.
"""

from __future__ import annotations

import numpy as np

# Measured with `python -m bench.similar_cut` on album-mini over the shared Caltech photos (1,725
# photos, ~20 per class; 300 queries; "similar" = same class): z=2 keeps a median 53 photos
# (precision 0.32, recall 0.84), z=3 keeps 19 (0.66 / 0.66, the best F1), z=4 keeps 10 (0.73 / 0.45).
# Before the cut, find-similar showed a fixed 200.
Z_SCORE = 3.0


def similarity_bar(library, photo_id: int, z_score: float = Z_SCORE) -> float:
    """The score a photo must reach to count as looking like `photo_id` (inf: no vector, nothing is)."""
    model_id = library.model_id
    vector = library.embeddings.get(photo_id, model_id)
    if vector is None:
        return float("inf")
    scores = [vectors @ vector for ids, vectors in library.embeddings.iter_vectors(model_id) if len(ids)]
    if not scores:
        return float("inf")
    scores = np.concatenate(scores)
    scores = scores[scores < 0.999999]  # the photo itself (and exact copies) would widen the spread
    if scores.size < 2:
        return float("-inf")  # nothing to compare with: every hit is shown
    return float(scores.mean() + z_score * scores.std())
