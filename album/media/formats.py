"""Which file suffixes album treats as photos.

The scanner uses `is_supported` to decide what to hand to `decode_photo`; the decoder uses
`RAW_EXTENSIONS` to route camera RAW files to rawpy instead of Pillow.
"""

from __future__ import annotations

from os import PathLike
from pathlib import PurePath

# Camera RAW formats LibRaw (via rawpy) reads; we show their embedded JPEG preview.
RAW_EXTENSIONS: frozenset[str] = frozenset(
    {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".rw2", ".orf"}
)

# Formats Pillow (with pillow-heif registered for HEIC/HEIF) decodes. `.hif` is the
# suffix Canon and Fujifilm cameras give their HEIF files.
RASTER_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".jpg", ".jpeg", ".jpe",
        ".png",
        ".webp",
        ".avif",
        ".heic", ".heif", ".hif",
        ".tif", ".tiff",
        ".bmp",
        ".gif",
    }
)  # fmt: skip

SUPPORTED_EXTENSIONS: frozenset[str] = RASTER_EXTENSIONS | RAW_EXTENSIONS


def suffix_of(path: str | PathLike[str]) -> str:
    """The lowercase suffix with its dot ('.jpg'), or '' when there is none."""
    return PurePath(path).suffix.lower()


def is_supported(path: str | PathLike[str]) -> bool:
    """True when the file name has a suffix album can decode (case-insensitive)."""
    return suffix_of(path) in SUPPORTED_EXTENSIONS
