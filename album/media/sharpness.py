"""How sharp a picture is: the variance of its Laplacian, the usual focus measure.

Used to suggest which of several similar shots to keep: of a burst, the frame with the least
motion blur or focus miss has the strongest fine edges. Measured on the cached thumbnail (the
same size for every photo, so values compare across a group), after reducing it to 256 px.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

_SIDE = 256


def sharpness(image: Image.Image) -> float:
    grey = image.convert("L")
    grey.thumbnail((_SIDE, _SIDE), Image.Resampling.BILINEAR)
    pixels = np.asarray(grey, dtype=np.float64)
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return 0.0
    laplacian = (
        pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:] - 4 * pixels[1:-1, 1:-1]
    )
    return float(laplacian.var())


def sharpness_of(path: Path) -> float | None:
    """The sharpness of an image file, or None when it cannot be read."""
    try:
        with Image.open(path) as image:
            return sharpness(image)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
