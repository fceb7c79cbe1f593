"""Decoding photos (orientation, HEIC, RAW previews, pixel cap), thumbnails and content hashes.

Nothing here imports Qt or torch; failures are `album.errors.DecodeError`.
"""

from album.media.decode import DEFAULT_MAX_PIXELS, DecodedPhoto, decode_photo
from album.media.formats import RAW_EXTENSIONS, SUPPORTED_EXTENSIONS, is_supported
from album.media.hashing import CONTENT_HASH_ALGORITHM, content_hash
from album.media.metadata import PhotoMetadata
from album.media.thumbnails import ThumbnailCache, make_thumbnail

__all__ = [
    "CONTENT_HASH_ALGORITHM",
    "DEFAULT_MAX_PIXELS",
    "RAW_EXTENSIONS",
    "SUPPORTED_EXTENSIONS",
    "DecodedPhoto",
    "PhotoMetadata",
    "ThumbnailCache",
    "content_hash",
    "decode_photo",
    "is_supported",
    "make_thumbnail",
]
