"""Pillow steps every decoder and model shares: open safely, decode reduced, rotate upright, make RGB,
and scale-and-crop in memory that follows the output, whatever the picture's shape."""

from __future__ import annotations

import functools
import io
import re
import struct

import numpy as np
import pillow_heif
from PIL import Image

from album.errors import DecodeError

# Pillow refuses (DecompressionBombError) images over twice Image.MAX_IMAGE_PIXELS, which is
# 2 * 89_478_485 = 178_956_970 pixels by default. We use the same number so there is one
# limit: it admits 150 MP medium-format and stitched panoramas of that size, and one such
# image as RGB is ~720 MB in Pillow (4 bytes a pixel), which a few decode threads can afford on
# an 8 GB machine. (JPEG draft mode decodes far fewer pixels, but the header size is all we can
# check first.)
DEFAULT_MAX_PIXELS = 178_956_970
# Pillow also keeps a pointer (8 bytes) to each row: a picture 1 pixel wide takes three times the
# memory its pixel count says (1 x 178,000,000 passed the limit and took 3.4 GB to decode). So
# each row counts as 2 pixels more, and the long side as the rows, whichever way EXIF turns it.
ROW_COST_PIXELS = 2
# Conversions to RGB go a band of rows at a time, so besides the source and the result only a
# band is in memory: at full size, those of a 171 MP picture with transparency took 3 GB.
_BAND_BYTES = 16 << 20
# Reduced pictures are at most this long: a 600 x 280,000 picture with transparency would else be
# converted at full size, source and result together 1.3 GB.
MAX_REDUCED_SIDE = 32_768
REDUCING_GAP = 3

# EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N", "F"})
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")
TRUNCATED = "file is truncated (an incomplete copy or download?)"


@functools.cache
def register_plugins() -> None:
    """Teach Pillow HEIC/HEIF (pillow-heif). Cached, so calling it again does nothing."""
    pillow_heif.register_heif_opener()


def open_image(data: bytes, max_pixels: int) -> Image.Image:
    """Open (parse the header, no pixels yet) and refuse oversized or empty images."""
    register_plugins()
    image = Image.open(io.BytesIO(data))
    check_size(image.size, max_pixels)
    return image


def check_complete(data: bytes) -> None:
    """Refuse a HEIF/AVIF/CR3 (ISO base media) file whose boxes run past its end.

    libheif decodes a tiled iPhone HEIC with missing tiles as grey, without any error, so a
    half-copied photo would otherwise be indexed as a grey smear. A top-level box that
    claims more bytes than the file has is the tell.
    """
    if data[4:8] != b"ftyp":
        return
    offset = 0
    while offset + 8 <= len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        if size == 1 and offset + 16 <= len(data):  # 64-bit size follows the type
            (size,) = struct.unpack_from(">Q", data, offset + 8)
        elif size == 0:  # the last box runs to the end of the file
            return
        if size < 8:
            return  # not a size we can follow; leave the verdict to the decoder
        offset += size
    if offset > len(data):
        raise DecodeError(TRUNCATED)


def check_size(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise DecodeError(f"image has no pixels (its header says {width} x {height})")
    if width * height > max_pixels:
        raise DecodeError(
            f"image is too large to decode safely: {width} x {height} = "
            f"{_megapixels(width * height)} is over the {_megapixels(max_pixels)} limit "
            "(possibly a decompression bomb)"
        )
    cost = width * height + ROW_COST_PIXELS * max(width, height)
    if cost > max_pixels:
        raise DecodeError(
            f"image is too large to decode safely: {width} x {height} is so long and thin that it "
            f"takes the memory of {_megapixels(cost)}, over the {_megapixels(max_pixels)} limit "
            "(possibly a decompression bomb)"
        )


def too_large_message(error: Image.DecompressionBombError, max_pixels: int) -> str:
    """Pillow's own refusal, reworded; Pillow only tells the pixel count, not the size."""
    match = _BOMB_PIXELS.search(str(error))
    size = _megapixels(int(match.group(1))) if match else "its size"
    return (
        f"image is too large to decode safely: {size} is over the "
        f"{_megapixels(min(max_pixels, DEFAULT_MAX_PIXELS))} limit (possibly a decompression bomb)"
    )


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:,.1f} MP" if pixels < 10_000_000 else f"{pixels / 1e6:,.0f} MP"


def request_reduced_decode(image: Image.Image, min_side: int) -> None:
    """Let the decoder skip detail we do not need (JPEG DCT scaling, HEIF thumbnails).

    We ask for a *square* min_side x min_side: JPEG draft keeps both sides >= the request,
    so the short side stays >= min_side whichever way EXIF later rotates the picture, with
    no need to know the orientation first. Formats without draft support ignore this.
    """
    if min_side > 0:
        image.draft(None, (min_side, min_side))


def upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _UPRIGHT.get(orientation)
    return image.transpose(method) if method is not None else image


def swaps_sides(orientation: int) -> bool:
    """Orientations 5-8 rotate by 90 degrees, so width and height trade places."""
    return orientation in (5, 6, 7, 8)


def reduction_for(size: tuple[int, int], min_side: int) -> int:
    """The whole factor a picture is reduced by for a reader whose short side must stay >= min_side
    (0: the full size, 1: no reduction).

    The largest that keeps the short side >= REDUCING_GAP x min_side, as the thumbnails' and the
    models' own resizes do (reducing_gap=3.0): the block average stops there and their filter does
    the rest, so their results barely change (album-mini on 12-16 MP HEIC photos: cosine >= 0.9997
    against decoding at full size; at 1 x min_side, 0.996). But at least what brings the long side
    within MAX_REDUCED_SIDE: only slivers (over ~30:1) need that, and every use of them takes their
    centre or shrinks them to a line.
    """
    if min_side <= 0:
        return 1
    return max(1, min(size) // (REDUCING_GAP * min_side), -(-max(size) // MAX_REDUCED_SIDE))


def to_rgb(image: Image.Image, reduce_by: int = 1) -> Image.Image:
    """8-bit RGB, `reduce_by` times smaller (averaging each reduce_by x reduce_by block): transparency
    over white, 16-bit and float scaled down, palettes expanded.

    A big picture is converted a band of rows at a time: besides the source and the result,
    only one band's conversions are ever in memory.
    """
    width, height = image.size
    if image.mode == "RGB" and "transparency" not in image.info:
        return image.reduce(reduce_by) if reduce_by > 1 else image  # reduce() reads in place
    rows = max(1, _BAND_BYTES // (4 * width * reduce_by)) * reduce_by  # a whole number of blocks
    if rows >= height:
        converted = _converted(image)
        return converted.reduce(reduce_by) if reduce_by > 1 else converted
    result = Image.new("RGB", (-(-width // reduce_by), -(-height // reduce_by)))
    for top in range(0, height, rows):
        band = _converted(image.crop((0, top, width, min(top + rows, height))))
        result.paste(band.reduce(reduce_by) if reduce_by > 1 else band, (0, top // reduce_by))
    return result


def _converted(image: Image.Image) -> Image.Image:
    if image.mode in _HIGH_BIT_MODES:
        image = _to_8bit_grey(image)
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode == "RGB":
        return image
    return image.convert("RGB")  # L, 1, P, CMYK, YCbCr...


def _to_8bit_grey(image: Image.Image) -> Image.Image:
    # Pillow's convert("L") clips 16-bit values at 255 (a white picture); scale instead.
    pixels = np.asarray(image)
    full_scale = 1.0 if image.mode == "F" else 65535.0
    scaled = np.clip(pixels.astype(np.float32) * (255.0 / full_scale), 0, 255)
    return Image.fromarray(np.round(scaled).astype(np.uint8), "L")


def resized_crop(
    image: Image.Image,
    scaled_size: tuple[int, int],
    box: tuple[int, int, int, int],
    resample: int,
    reducing_gap: float | None = None,
) -> Image.Image:
    """What `image.resize(scaled_size, resample).crop(box)` gives, without making the scaled image.

    The box is mapped back onto the source and only that region is resampled (Pillow's `box`), so
    memory follows the box, not the scaled picture: scaling a 1 x 100000 picture until its short
    side is 224 px would make it 224 x 22,400,000 (15 GB) only for a crop to keep 224 x 224 of it.
    Each output pixel is filtered from the same source pixels as in the two-step way (Pillow may
    run its two passes in the other order, so an enlarged picture can differ by a few levels where
    it overshoots); parts of the box beyond the scaled picture are black, as `crop` pads them.
    """
    scaled_width, scaled_height = scaled_size
    left, top, right, bottom = box
    if scaled_size == image.size:
        return image.crop(box)
    inner = (max(left, 0), max(top, 0), min(right, scaled_width), min(bottom, scaled_height))
    if inner[0] >= inner[2] or inner[1] >= inner[3]:
        return Image.new(image.mode, (right - left, bottom - top))
    x_scale, y_scale = image.width / scaled_width, image.height / scaled_height
    source_box = (inner[0] * x_scale, inner[1] * y_scale, inner[2] * x_scale, inner[3] * y_scale)
    region = image.resize((inner[2] - inner[0], inner[3] - inner[1]), resample, box=source_box,
                          reducing_gap=reducing_gap)
    if inner == tuple(box):
        return region
    padded = Image.new(image.mode, (right - left, bottom - top))
    padded.paste(region, (inner[0] - left, inner[1] - top))
    return padded


def crop_to_aspect(image: Image.Image, lowest: float, highest: float) -> Image.Image:
    """The centre of `image`, cut (not resampled) so that its width / height lies in [lowest, highest].

    For resizing steps that are not ours (open_clip's torchvision transforms): cut first to the
    shape they can use, and their memory stays bounded whatever the picture's shape.
    """
    width, height = image.size
    if width > highest * height:
        kept = max(1, int(highest * height))
        left = (width - kept) // 2
        return image.crop((left, 0, left + kept, height))
    if width < lowest * height:
        kept = max(1, int(width / lowest))
        top = (height - kept) // 2
        return image.crop((0, top, width, top + kept))
    return image
