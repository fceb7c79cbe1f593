"""Where "find similar" stops: the photos that stand out from the library, not a fixed 200.

Image-to-image cosines sit on a model-specific scale (album-mini's unrelated photos score
higher than CLIP's), so a fixed bar would suit one model only. Instead each photo is compared
with the whole library: a photo is "similar" when its score is far above what a typical
library photo scores against the same photo, `Z_SCORE` standard deviations above the mean.
"""

from __future__ import annotations

import numpy as np

# Two standard deviations: for a roughly normal spread, the top ~2% of a library of unrelated
# photos; photos of the same scene or object sit well above it (measured in the GUI test on
# real photos and by eye on the shared Caltech set).
Z_SCORE = 2.0


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
