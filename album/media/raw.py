"""Camera RAW files through rawpy (LibRaw): show the camera's embedded preview.

The preview is what the camera itself rendered (its colours, usually full size) and costs
a JPEG decode; demosaicing the sensor data is the slow fallback for files without one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import rawpy
from PIL import Image

from album.media import pixels
from album.media.metadata import NO_EXIF, ExifTags, orientation_of, read_exif, read_tiff_exif

# LibRaw's `flip` (dcraw's bit flags: 1 mirror x, 2 mirror y, 4 transpose) as EXIF orientation.
_FLIP_TO_EXIF = {0: 1, 1: 2, 2: 4, 3: 3, 4: 5, 5: 8, 6: 6, 7: 7}


@dataclass
class RawPicture:
    image: Image.Image  # RGB, upright
    width: int  # full sensor image, upright
    height: int
    tags: ExifTags
    warnings: list[str]


def decode_raw(data: bytes, *, min_side: int, max_pixels: int) -> RawPicture:
    # LibRaw errors (unsupported camera, damaged data) are translated by decode_photo.
    with rawpy.imread(io.BytesIO(data)) as raw:
        sizes = raw.sizes
        pixels.check_size((sizes.width, sizes.height), max_pixels)
        orientation = _FLIP_TO_EXIF.get(sizes.flip, 1)
        # Metadata straight from the TIFF structure most RAW formats share (DNG, NEF, CR2, ARW...).
        tags, warnings = read_tiff_exif(data)
        width, height = sizes.width, sizes.height
        if pixels.swaps_sides(orientation):
            width, height = height, width
        preview, preview_tags = _preview(raw, orientation, min_side, max_pixels, warnings)
        if tags == NO_EXIF:
            tags = preview_tags  # RAF and CR3 are not TIFF, but their previews carry EXIF
        if preview is None or _too_small(preview, min_side, width, height):
            # postprocess applies `flip` itself, so the result is already upright.
            rendered = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
            preview = Image.fromarray(rendered, "RGB")
    return RawPicture(preview, width, height, tags, warnings)


def _preview(
    raw: rawpy.RawPy, orientation: int, min_side: int, max_pixels: int, warnings: list[str]
) -> tuple[Image.Image | None, ExifTags]:
    """The embedded preview, upright (None when there is none usable), and its EXIF."""
    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None, NO_EXIF
    if thumb.format == rawpy.ThumbFormat.BITMAP:
        return pixels.upright(Image.fromarray(thumb.data, "RGB"), orientation), NO_EXIF
    try:
        image = pixels.open_image(thumb.data, max_pixels)
        pixels.request_reduced_decode(image, min_side)
        image.load()
        preview_tags, _ = read_exif(image)
    except MemoryError:
        raise
    except Exception as exc:  # a damaged preview is no reason to give up on the RAW data
        warnings.append(f"the embedded preview is unreadable ({exc}); rendered the RAW data instead")
        return None, NO_EXIF
    # The preview's own EXIF knows how it is stored; many previews carry none, and then
    # LibRaw's flip (from the RAW's main directory) says how the camera was held.
    own = preview_tags.main.get(0x0112)
    if isinstance(own, int) and 2 <= own <= 8:
        orientation = orientation_of(preview_tags)
    return pixels.to_rgb(pixels.upright(image, orientation)), preview_tags


def _too_small(image: Image.Image, min_side: int, width: int, height: int) -> bool:
    """A preview smaller than we need (old cameras embed 160x120) while the sensor has more."""
    return min(image.size) < min_side <= min(width, height)
