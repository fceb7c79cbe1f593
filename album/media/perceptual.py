"""A 64-bit perceptual hash (DCT pHash) of a picture, and the Hamming distance between two.

How it works: the upright picture is reduced to 32x32 grey levels, transformed with a 2-D
DCT-II, and the 64 lowest-frequency coefficients after the DC term (in zig-zag order: the
coarse layout of light and dark) each give one bit: above or below their median. Two hashes
are compared by how many bits differ (0: the same picture; ~32: unrelated pictures).

What it is robust to, and why:
- resizing and recompression: they change fine detail, and only coarse structure is hashed;
- brightness, contrast and gamma changes: these scale or shift the coefficients, and each
  bit only compares a coefficient with the median (the DC term, the mean level, is left out);
- greyscale copies and colour shifts: only the luminance is hashed;
- another file format, and EXIF rotation: the caller hashes the decoded, upright picture.
What it is NOT robust to:
- crops beyond a few percent: the coarse layout moves against the frame (~5% a side already
  flips 6-12 bits);
- rotation beyond a few degrees, and mirroring: the DCT basis is tied to the image axes;
- large recompositions (a border added, a collage, text overlays over much of the frame).
Those are left to the embedding side of the duplicate finder ("similar shots").

Crops of a few percent a side: besides the hash of the centre (BORDER), `zoom_hashes` hash two
tighter centres (ZOOM_BORDERS). A copy cropped by c a side sees, at border b, what the original
sees at border c + (1 - 2c) * b: at 5% a side, the copy's 0.06 region is the original's 0.104
one and its 0.10 the original's 0.14. `crop_distance` compares every pair of differing borders,
so either photo may be the cropped one (measured on Flickr photos: copies cropped 5% a side
came within 0-10 bits, different photos and burst frames with cosine >= 0.8 stayed >= 20).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

HASH_BITS = 64
_SIDE = 32  # the reduced picture: 32x32, the classic pHash size
# Only the central part of the frame is hashed: the border is where crops, the black corners
# of a rotation and added frames change the picture, and dropping it barely costs distinctness
# (measured on Flickr photos: a 3-degree rotation with black corners went from a mean of 10.6
# to 5.4 differing bits, unrelated pairs stayed >= 18 apart).
BORDER = 0.06
ZOOM_BORDERS = (0.10, 0.14)


@lru_cache(maxsize=1)
def _dct_matrix(n: int = _SIDE) -> np.ndarray:
    """Orthonormal DCT-II matrix: D @ x is the DCT of the column vector x (no scipy needed)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    matrix = np.cos(np.pi / n * (i + 0.5) * k) * np.sqrt(2.0 / n)
    matrix[0] /= np.sqrt(2.0)
    return matrix


@lru_cache(maxsize=1)
def _low_frequencies() -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the 64 lowest frequencies after DC, in zig-zag order.

    Ordering by u+v treats horizontal and vertical detail alike, unlike the usual 8x8 corner
    block, and skipping DC (the mean level) makes every one of the 64 bits informative.
    """
    cells = sorted(((u + v, u, v) for u in range(12) for v in range(12)))[1 : HASH_BITS + 1]
    return np.array([c[1] for c in cells]), np.array([c[2] for c in cells])


def grey_32(image: Image.Image, border: float = BORDER) -> np.ndarray:
    """The centre of the picture as 32x32 float luminance (ITU-R 601 weights, as Pillow's 'L')."""
    grey = image.convert("L") if image.mode != "L" else image
    width, height = grey.size
    dx, dy = round(width * border), round(height * border)
    if width - 2 * dx >= _SIDE and height - 2 * dy >= _SIDE:
        grey = grey.crop((dx, dy, width - dx, height - dy))
    # reduce() first: a cheap integer box filter that averages every pixel, so the final
    # resample sees no aliasing whatever the source size.
    factor = max(1, min(grey.size) // (2 * _SIDE))
    if factor > 1:
        grey = grey.reduce(factor)
    return np.asarray(grey.resize((_SIDE, _SIDE), Image.Resampling.BOX), dtype=np.float64)


def phash(image: Image.Image, border: float = BORDER) -> int:
    """The 64-bit perceptual hash of an upright picture, as an unsigned int (0 <= h < 2**64)."""
    pixels = grey_32(image, border)
    dct = _dct_matrix()
    coefficients = dct @ pixels @ dct.T
    rows, cols = _low_frequencies()
    low = coefficients[rows, cols]
    bits = low > np.median(low)
    return int(np.packbits(bits).view(">u8")[0])


def zoom_hashes(image: Image.Image) -> tuple[int, int]:
    """The hashes of the two tighter centres (ZOOM_BORDERS), for crop_distance."""
    grey = image.convert("L") if image.mode != "L" else image
    return phash(grey, ZOOM_BORDERS[0]), phash(grey, ZOOM_BORDERS[1])


def crop_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    """Fewest differing bits between two photos' (phash, *zoom_hashes) at differing borders:
    small when one is the other cropped a few percent a side (centred)."""
    return min((x ^ y).bit_count() for i, x in enumerate(a) for j, y in enumerate(b) if i != j)


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two hashes."""
    return (a ^ b).bit_count()


def hamming_many(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise Hamming distances of two uint64 arrays (vectorised popcount)."""
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.unpackbits(x.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1).astype(np.int64)


def to_signed(value: int) -> int:
    """The hash as SQLite stores it: INTEGER is signed 64-bit, so the top half wraps negative."""
    return value - (1 << 64) if value >= 1 << 63 else value


def from_signed(value: int) -> int:
    return value + (1 << 64) if value < 0 else value
