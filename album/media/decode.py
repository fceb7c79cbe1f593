"""Turn a photo file's bytes into an upright RGB image plus its metadata.

`decode_photo` is the only entry point. Everything that can go wrong with a user's file
becomes a `DecodeError` with a reason a person can read; only MemoryError passes through.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import rawpy
from PIL import Image, ImageFile, UnidentifiedImageError

from album.errors import DecodeError
from album.media import pixels
from album.media.formats import RAW_EXTENSIONS, suffix_of
from album.media.embedded import read_embedded, read_xmp_packet
from album.media.metadata import (
    NO_EXIF, ExifTags, PhotoMetadata, has_shutter_time, metadata_from, orientation_of, read_exif, read_tiff_exif,
)
from album.media.pixels import DEFAULT_MAX_PIXELS
from album.media.raw import decode_raw

__all__ = ["DEFAULT_MAX_PIXELS", "DecodedPhoto", "PhotoMetadata", "decode_photo", "read_metadata"]

log = logging.getLogger(__name__)

# A multi-picture JPEG (MPO: stereo pairs, some phone portraits) is a JPEG to the user.
_FORMAT_NAMES = {"MPO": "JPEG"}
# Unambiguous file signatures, to tell "damaged header" apart from "not an image at all".
_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF8", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)


@dataclass
class DecodedPhoto:
    image: Image.Image  # RGB, upright; possibly reduced, but short side >= min_side (slivers: long side <= 32768)
    width: int  # full-resolution size, upright (not the reduced size)
    height: int
    format: str  # 'JPEG', 'PNG', 'HEIF'... or 'RAW-DNG', 'RAW-CR2'...
    metadata: PhotoMetadata
    warnings: list[str]  # readable notes about problems that did not stop decoding


def decode_photo(
    data: bytes, name: str, *, min_side: int = 320, max_pixels: int = DEFAULT_MAX_PIXELS
) -> DecodedPhoto:
    """Decode a whole file's bytes; `name` gives the suffix (RAW detection) and log context.

    The image may come out reduced (JPEG DCT scaling, HEIF thumbnails; other formats by whole-block
    averaging to a short side >= 3 x min_side) to save time and memory, but its short side stays
    >= min_side unless the photo itself is smaller, or so long and thin that its long side would
    pass 32768 px.
    """
    if not data:
        raise DecodeError("file is empty")
    suffix = suffix_of(name)
    pixels.check_complete(data)
    try:
        if suffix in RAW_EXTENSIONS:
            photo = _decode_raw_or_misnamed(data, suffix, min_side, max_pixels)
        else:
            photo = _decode_raster(data, min_side, max_pixels)
    except (DecodeError, MemoryError):
        raise
    except Image.DecompressionBombError as exc:
        raise DecodeError(pixels.too_large_message(exc, max_pixels)) from exc
    except Exception as exc:  # whatever Pillow, its plugins or LibRaw throw at a bad file
        log.debug("cannot decode %s", name, exc_info=True)
        raise DecodeError(_reason(exc, data)) from exc
    if isinstance(photo.image, ImageFile.ImageFile):
        # Still the opened file object (it was RGB and upright already): the same pixels in a
        # plain Image, so the result keeps no reference to the file's buffer or decoder state.
        # (copy() would hold them twice: 720 MB more for a 179 MP picture.)
        photo.image = photo.image._new(photo.image.im)
    return photo


def read_metadata(data: bytes, name: str) -> PhotoMetadata:
    """Date, place and camera of a file without decoding its pixels, as decode_photo reads them.

    For checking album's reading against other tools (bench/metadata.py) on files whose pixels
    album may not decode (test files with their image data stripped). Never raises for a bad file.
    """
    tags, xmp = NO_EXIF, None
    try:
        if suffix_of(name) in RAW_EXTENSIONS:
            tags, _ = read_tiff_exif(data)
        if tags == NO_EXIF:
            image = pixels.open_image(data, DEFAULT_MAX_PIXELS)
            try:
                image.load()  # some formats (PNG's eXIf after the pixels) only know their EXIF then
            except Exception:  # noqa: BLE001 - stripped or damaged pixels: the header may still tell
                pass
            tags, _ = read_exif(image)
            xmp = image.info.get("xmp")
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - Pillow cannot open it: exiv2's reading is all there is
        tags = NO_EXIF
    return _metadata(data, tags, xmp)


def _metadata(data: bytes, tags: ExifTags, xmp_packet: object) -> PhotoMetadata:
    """Pillow's EXIF answers for most camera photos; exiv2 (1-20 ms a file, one file at a time)
    is asked only when it has no shutter time: XMP, IPTC and maker blocks matter only then."""
    if has_shutter_time(tags):
        return metadata_from(tags)
    return metadata_from(tags, read_embedded(data) or read_xmp_packet(xmp_packet))


def _decode_raster(data: bytes, min_side: int, max_pixels: int) -> DecodedPhoto:
    image = pixels.open_image(data, max_pixels)
    full_width, full_height = image.size
    image_format = _FORMAT_NAMES.get(image.format or "", image.format or "unknown")
    pixels.request_reduced_decode(image, min_side)
    image.load()  # decode now, so truncated and corrupt data fail here and not later
    tags, warnings = read_exif(image)
    orientation = orientation_of(tags)
    if pixels.swaps_sides(orientation):
        full_width, full_height = full_height, full_width
    # Reduced to the size needed before anything else, as JPEG draft mode does while decoding:
    # every later step (rotation, thumbnails, the models) then works on the small picture.
    reduce_by = pixels.reduction_for(image.size, min_side)
    upright = pixels.upright(pixels.to_rgb(image, reduce_by), orientation)
    return DecodedPhoto(
        upright, full_width, full_height, image_format, _metadata(data, tags, image.info.get("xmp")), warnings
    )


def _decode_raw_or_misnamed(data: bytes, suffix: str, min_side: int, max_pixels: int) -> DecodedPhoto:
    try:
        raw = decode_raw(data, min_side=min_side, max_pixels=max_pixels)
    except rawpy.LibRawFileUnsupportedError as exc:
        # Not a RAW file LibRaw knows; maybe a JPEG or TIFF with a RAW suffix.
        try:
            return _decode_raster(data, min_side, max_pixels)
        except MemoryError:
            raise
        except Exception:
            raise DecodeError(
                f"not a camera RAW file that album can read ({suffix} file)"
            ) from exc
    return DecodedPhoto(
        raw.image,
        raw.width,
        raw.height,
        f"RAW-{suffix.lstrip('.').upper()}",
        _metadata(data, raw.tags, None),
        raw.warnings,
    )


def _reason(exc: Exception, data: bytes) -> str:
    """A readable reason for the user from an exception some decoder raised."""
    detail = str(exc).strip() or type(exc).__name__
    if detail.startswith(("b'", 'b"')):  # LibRaw messages arrive as repr(bytes)
        detail = detail[2:-1]
    if isinstance(exc, UnidentifiedImageError):
        looks_like = "HEIF/AVIF" if data[4:8] == b"ftyp" else None
        looks_like = looks_like or next((f for magic, f in _MAGIC if data.startswith(magic)), None)
        if looks_like:  # e.g. a zero-width GIF, a PNG whose IHDR is garbage
            return (
                f"looks like a {looks_like} file but cannot be read: "
                "damaged, or a variant album does not support"
            )
        return "not an image, or an image format album cannot read"
    if "MAX_TEXT_CHUNK" in detail or "MAX_TEXT_MEMORY" in detail:
        return "a PNG text chunk is too large to decompress safely (possibly a decompression bomb)"
    if isinstance(exc, (EOFError, rawpy.LibRawIOError)):  # LibRaw reads from memory: EOF
        return pixels.TRUNCATED
    if any(word in detail.lower() for word in ("truncated", "end of file")):
        return pixels.TRUNCATED
    if isinstance(exc, rawpy.LibRawError):
        return f"camera RAW data is damaged or unsupported ({detail})"
    if isinstance(exc, (OSError, SyntaxError, ValueError)):
        return f"image data is corrupt ({detail})"
    return f"image could not be decoded ({type(exc).__name__}: {detail})"


def file_orientation(path: str | Path) -> int:
    """A file's EXIF orientation (1-8) as `decode_photo` reads it, without decoding its pixels.

    For displays that decode pixels their own way (the GUI's viewer): they turn the picture
    by this, so it stands as album's thumbnails and the model saw it. 1 when unreadable.
    """
    pixels.register_plugins()
    try:
        with Image.open(path) as image:
            tags, _ = read_exif(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return 1
    return orientation_of(tags)
