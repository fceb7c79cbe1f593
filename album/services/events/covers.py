"""An event's cover: a photo that shows what the event looked like, and is sharp.

Candidates are the photos closest to the event's mean embedding (typical of it, not the odd
receipt or screenshot); of near-duplicates among them (a burst) only one stays; the sharpest
thumbnail wins (variance of the Laplacian, the usual focus measure). Without vectors the
candidates are spread evenly over the event; without thumbnails the most typical one wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from PIL import Image

CANDIDATES = 6
NEAR_DUPLICATE_BITS = 10  # perceptual hashes this close are the same shot
SHARPNESS_SIDE = 160  # thumbnails are compared at this size, so all are judged alike


def choose_cover(
    photo_ids: Sequence[int],
    vectors: dict[int, np.ndarray],
    phashes: dict[int, int],
    thumbnail: Callable[[int], Path | None],
) -> int | None:
    if not photo_ids:
        return None
    candidates = _typical(photo_ids, vectors)
    kept: list[int] = []
    for photo_id in candidates:
        ph = phashes.get(photo_id)
        if ph is not None and any(
            phashes.get(other) is not None and bin(ph ^ phashes[other]).count("1") <= NEAR_DUPLICATE_BITS
            for other in kept
        ):
            continue
        kept.append(photo_id)
    scored = [(sharpness(thumbnail(photo_id)), -rank, photo_id) for rank, photo_id in enumerate(kept)]
    scored = [s for s in scored if s[0] is not None]
    return max(scored)[2] if scored else kept[0]


def _typical(photo_ids: Sequence[int], vectors: dict[int, np.ndarray]) -> list[int]:
    with_vectors = [p for p in photo_ids if p in vectors]
    if len(with_vectors) >= 2:
        matrix = np.stack([vectors[p] for p in with_vectors])
        centre = matrix.mean(axis=0)
        order = np.argsort(-(matrix @ centre), kind="stable")
        return [with_vectors[i] for i in order[:CANDIDATES]]
    step = max(1, len(photo_ids) // CANDIDATES)
    return list(photo_ids[step // 2 :: step][:CANDIDATES])


def sharpness(path: Path | None) -> float | None:
    """Variance of the Laplacian of a thumbnail in grey; None when it cannot be read."""
    if path is None:
        return None
    try:
        with Image.open(path) as image:
            image.draft("L", (SHARPNESS_SIDE, SHARPNESS_SIDE))
            grey = image.convert("L")
            grey.thumbnail((SHARPNESS_SIDE, SHARPNESS_SIDE))
            pixels = np.asarray(grey, np.float32)
    except (OSError, ValueError):
        return None
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return None
    laplacian = (pixels[1:-1, :-2] + pixels[1:-1, 2:] + pixels[:-2, 1:-1] + pixels[2:, 1:-1]
                 - 4 * pixels[1:-1, 1:-1])
    return float(laplacian.var())
