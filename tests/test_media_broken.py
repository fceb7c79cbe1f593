"""Broken and hostile files: the 14 in ../shared/data/broken and ones made here. Each either
raises a DecodeError a person can read or, when only its metadata is damaged, decodes with a warning."""

from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.errors import DecodeError
from album.media import decode_photo
from album.media import decode as decode_module
from memory_limit import run_with_memory_limit
from photo_files import decode_file, jpeg_bytes, png_chunks


@pytest.fixture(scope="session")
def formats(shared_data: Path) -> Path:
    return shared_data / "formats"


@pytest.fixture(scope="session")
def broken(shared_data: Path) -> Path:
    return shared_data / "broken"


# --- the 14 broken files: each raises or warns, decided from what it really is ------------

BROKEN_ERRORS = {
    "pillow_broken.png": "looks like a PNG file but cannot be read",
    "pillow_broken_data_stream.png": "image data is corrupt",
    "pillow_decompression_bomb.gif": "too large to decode safely: 4,365 MP is over the 179 MP limit",
    "pillow_l2rgb_read.bmp": "file is truncated",
    "pillow_png_decompression_dos.png": "PNG text chunk is too large",
    "pillow_truncated_end_chunk.png": "file is truncated",
    "pillow_truncated_image.png": "file is truncated",
    "pillow_truncated_jpeg.jpg": "file is truncated",
    "pillow_zero_width.gif": "looks like a GIF file but cannot be read",
}

# Pixels fine; the EXIF is damaged, so the damaged part is ignored with a warning.
BROKEN_EXIF = {
    "pillow_exif_gps_typeerror.jpg": (
        (800, 531),
        "EXIF GPS data is unreadable: its directory pointer has TIFF type 2 and count 154; place ignored",
    ),
    "pillow_hopper_bad_exif.jpg": (
        (500, 500),
        "EXIF data is unreadable: a directory of 32 entries needs 394 bytes but there are 132; "
        "date, place and rotation ignored",
    ),
    "pillow_invalid-exif.jpg": (
        (200, 200),
        "EXIF data is unreadable: it does not start with a TIFF header; date, place and rotation ignored",
    ),
}

# Damaged in parts a photo viewer does not need: they decode cleanly, without warnings.
BROKEN_BUT_FINE = {
    "pillow_sugarshack_bad_mpo_header.jpg": (640, 480),  # bad multi-picture index; first picture fine
    "pillow_truncated_app14.jpg": (100, 100),  # Adobe APP14 segment cut short; scan data intact
}


def test_broken_cases_cover_every_file(broken: Path):
    names = {p.name for p in broken.iterdir()}
    assert names == set(BROKEN_ERRORS) | set(BROKEN_EXIF) | set(BROKEN_BUT_FINE)
    assert len(names) == 14


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("name", sorted(BROKEN_ERRORS))
def test_broken_file_raises_a_readable_decode_error(broken: Path, name: str):
    with pytest.raises(DecodeError) as caught:
        decode_file(broken / name)
    message = str(caught.value)
    assert BROKEN_ERRORS[name] in message
    assert "BytesIO" not in message and "Traceback" not in message


@pytest.mark.parametrize("name", sorted(BROKEN_EXIF))
def test_broken_exif_decodes_with_a_warning(broken: Path, name: str):
    size, warning = BROKEN_EXIF[name]
    photo = decode_file(broken / name)
    assert (photo.width, photo.height) == photo.image.size == size
    assert photo.image.mode == "RGB"
    assert photo.warnings == [warning]
    assert photo.metadata.gps_lat is None and photo.metadata.gps_lon is None


def test_broken_gps_pointer_keeps_the_date(broken: Path):
    # Only the GPS directory is damaged. The capture date is in XMP (exif:DateTimeOriginal, as
    # an editor wrote it); EXIF's DateTime is the later edit, 2010-08-15 13:58:09.
    meta = decode_file(broken / "pillow_exif_gps_typeerror.jpg").metadata
    assert meta.taken_at == datetime(2010, 7, 11, 13, 53)
    assert (meta.taken_at_source, meta.taken_at_offset) == ("xmp", "+02:00")
    assert meta.gps_lat is None


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")
@pytest.mark.parametrize("name", sorted(BROKEN_BUT_FINE))
def test_broken_but_harmless_files_decode_cleanly(broken: Path, name: str):
    photo = decode_file(broken / name)
    assert (photo.format, (photo.width, photo.height)) == ("JPEG", BROKEN_BUT_FINE[name])
    assert photo.warnings == []


@pytest.mark.filterwarnings("ignore:Image appears to be a malformed MPO file")
def test_bad_mpo_keeps_its_metadata(broken: Path):
    meta = decode_file(broken / "pillow_sugarshack_bad_mpo_header.jpg").metadata
    assert (meta.camera_make, meta.camera_model) == ("Nintendo", "Nintendo 3DS")
    assert meta.taken_at == datetime(2014, 3, 2, 14, 17, 39)


# --- generated bad inputs -------------------------------------------------------------------


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    noise = np.random.default_rng(1).integers(0, 255, (300, 400, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.jpg", "file is empty"),
        (os.urandom(4096), "random.jpg", "not an image"),
        (b"just some notes, not a picture\n" * 20, "notes.png", "not an image"),
        (jpeg_bytes()[: len(jpeg_bytes()) // 2], "half.jpg", "file is truncated"),
        (_png_bytes()[: len(_png_bytes()) // 2], "half.png", "file is truncated"),
        (png_chunks(100_000, 100_000), "bomb.png", "10,000 MP is over the 179 MP limit"),
        (png_chunks(0, 10), "zero_width.png", "looks like a PNG file but cannot be read"),
        (os.urandom(4096), "random.nef", "not a camera RAW file"),
    ],
    ids=[
        "empty", "random-bytes", "text-as-png", "jpeg-cut-half", "png-cut-half", "bomb",
        "zero-width", "random-raw",
    ],
)
def test_bad_input_raises_decode_error(data: bytes, name: str, reason: str):
    with pytest.raises(DecodeError, match=reason):
        decode_photo(data, name)


@pytest.mark.parametrize("name", ["IMG_5195.HEIC", "iphone_13_pro_max.HEIC", "exif.avif"])
def test_truncated_heif_and_avif_raise(formats: Path, name: str):
    # libheif would decode a tiled iPhone HEIC cut in half as grey tiles, without an error.
    data = (formats / name).read_bytes()
    for fraction in (0.5, 0.95):
        with pytest.raises(DecodeError, match="file is truncated"):
            decode_photo(data[: int(len(data) * fraction)], name)


def test_pixel_limit_names_the_size_and_the_limit():
    header_only = png_chunks(2000, 1500)  # no pixel data: refused before any decoding
    with pytest.raises(DecodeError) as caught:
        decode_photo(header_only, "big.png", max_pixels=1_000_000)
    assert "2000 x 1500 = 3.0 MP is over the 1.0 MP limit" in str(caught.value)


def test_only_memory_error_escapes_untranslated(monkeypatch):
    def explode(exc):
        def open_image(data, max_pixels):
            raise exc

        return open_image

    monkeypatch.setattr(decode_module.pixels, "open_image", explode(RuntimeError("boom")))
    with pytest.raises(DecodeError, match="RuntimeError: boom"):
        decode_photo(b"x", "a.jpg")
    monkeypatch.setattr(decode_module.pixels, "open_image", explode(MemoryError()))
    with pytest.raises(MemoryError):
        decode_photo(b"x", "a.jpg")




# --- memory: what a picture costs to decode stays bounded by its size, whatever its shape -------


def test_a_long_thin_header_is_refused_for_the_memory_its_rows_take():
    """Pillow keeps a pointer to each row: a PNG header saying 1 x 178,000,000 passed the pixel limit
    (178 MP < 179 MP) and, with 4 KB of data, took 3.4 GB to decode."""
    result = run_with_memory_limit("""
        import zlib
        from album.errors import DecodeError
        from album.media import decode_photo
        from photo_files import png_chunks

        data = png_chunks(1, 178_000_000, idat=zlib.compress(bytes(4096)))
        limit_memory(600)
        try:
            decode_photo(data, "sliver.png")
        except DecodeError as error:
            print(error)
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == (
        "image is too large to decode safely: 1 x 178000000 is so long and thin that it takes the memory "
        "of 534 MP, over the 179 MP limit (possibly a decompression bomb)"
    )


def test_big_pictures_are_reduced_while_converted_in_bounded_memory():
    """A 64 MP PNG is 256 MB in Pillow. Converting one with transparency at full size took four
    times that (copy, white, composite, RGB), a 16-bit one as much in NumPy, and an RGB one was
    copied once more: each is now reduced to the size asked for, a band of rows at a time."""
    result = run_with_memory_limit("""
        import zlib
        from album.media import decode_photo
        from photo_files import png_chunks

        def blank_png(side, color_type, bit_depth, channels):
            row = bytes(1 + side * channels * bit_depth // 8)
            packer = zlib.compressobj()
            idat = b"".join([*(packer.compress(row * 100) for _ in range(side // 100)), packer.flush()])
            return png_chunks(side, side, bit_depth, color_type, idat)

        files = [blank_png(8000, 2, 8, 3), blank_png(8000, 6, 8, 4), blank_png(8000, 0, 16, 1)]
        limit_memory(450)
        for data in files:
            photo = decode_photo(data, "big.png", min_side=320)
            print(photo.image.mode, photo.image.size, (photo.width, photo.height), photo.image.getpixel((0, 0)))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [  # reduced 8 times: a short side >= 3 x 320
        "RGB (1000, 1000) (8000, 8000) (0, 0, 0)",
        "RGB (1000, 1000) (8000, 8000) (255, 255, 255)",  # fully transparent: white
        "RGB (1000, 1000) (8000, 8000) (0, 0, 0)",
    ]


def test_slivers_are_decoded_at_most_32768_pixels_long():
    """Nothing album does with a picture needs a sliver's full length: the models take its centre,
    the thumbnail is a line. Long ones are reduced until they are within 32768 px."""
    buffer = io.BytesIO()
    pixels = np.zeros((100_000, 4, 3), np.uint8)
    pixels[50_000:] = (0, 0, 255)
    Image.fromarray(pixels).save(buffer, "PNG")
    photo = decode_photo(buffer.getvalue(), "sliver.png", min_side=320)
    assert (photo.width, photo.height, photo.image.size) == (4, 100_000, (1, 25_000))
    assert photo.image.getpixel((0, 0)) == (0, 0, 0) and photo.image.getpixel((0, 24_999)) == (0, 0, 255)
    assert decode_photo(buffer.getvalue(), "sliver.png", min_side=0).image.size == (4, 100_000)  # full size asked
