"""Small JPEG previews for the grid, cached on disk by content hash."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from PIL import Image

from album.errors import AlbumError

THUMBNAIL_LONG_SIDE = 320
JPEG_QUALITY = 85
_HASH = re.compile(r"[0-9a-f]{8,128}")


def make_thumbnail(image: Image.Image, long_side: int = THUMBNAIL_LONG_SIDE) -> Image.Image:
    """A downscaled copy whose long side is `long_side`; never enlarged.

    Expects the upright RGB image from decode_photo. Lanczos for sharpness; reducing_gap
    lets Pillow first shrink by an integer factor (cheap box filter) when the source is
    much bigger, which is several times faster and looks the same at this size.
    """
    width, height = image.size
    scale = long_side / max(width, height)
    if scale >= 1:
        return image.copy()
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


class NotAContentHash(AlbumError):
    """A thumbnail was asked for by something that is not a content hash (it names the file)."""


class ThumbnailCache:
    """Thumbnails stored as root/ab/abcdef....jpg, keyed by the photo's content hash.

    The key is the content, so a thumbnail never goes stale: a renamed photo reuses it and
    an edited photo gets a new one. Several threads may save at once: each writes its own
    temporary file and renames it into place, so readers see a whole file or none.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_for(self, content_hash: str) -> Path:
        if not _HASH.fullmatch(content_hash):
            raise NotAContentHash(f"not a content hash: {content_hash!r}")
        # 256 shards keep directories small enough for every file system and file browser.
        return self.root / content_hash[:2] / f"{content_hash}.jpg"

    def has(self, content_hash: str) -> bool:
        return self.path_for(content_hash).is_file()

    def save(self, content_hash: str, image: Image.Image) -> Path:
        """Write `image` (already thumbnail-sized) as the thumbnail for `content_hash`."""
        path = self.path_for(content_hash)
        path.parent.mkdir(parents=True, exist_ok=True)
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        # No fsync: this is a cache, and losing a thumbnail in a power cut only costs a redo.
        fd, temp_name = tempfile.mkstemp(prefix=f".{content_hash}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as temp:
                image.save(temp, "JPEG", quality=JPEG_QUALITY)
            try:
                os.replace(temp_name, path)
            except PermissionError:
                # Windows refuses to replace a file another reader holds open. The content is
                # the same by construction (same hash), so the one already there will do.
                if not path.is_file():
                    raise
                os.unlink(temp_name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
        return path
