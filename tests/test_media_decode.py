"""album.media decoding: real camera/phone files from ../shared/data and images made with Pillow."""

from __future__ import annotations

import io
import struct
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from album.errors import DecodeError
from album.media import (
    RAW_EXTENSIONS,
    SUPPORTED_EXTENSIONS,
    DecodedPhoto,
    content_hash,
    decode_photo,
    is_supported,
)
from album.media.metadata import parse_exif_datetime
from album.media.pixels import register_plugins
from photo_files import decode_file, encode, jpeg_bytes

AREZZO = (43.46, 11.88)


def pixels(photo: DecodedPhoto) -> np.ndarray:
    return np.asarray(photo.image).astype(np.int16)


@pytest.fixture(scope="session")
def formats(shared_data: Path) -> Path:
    return shared_data / "formats"


def tiff_rgb16(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """An uncompressed 16-bit-per-channel RGB TIFF (Pillow cannot write one)."""
    strip = struct.pack("<" + "H" * 3 * width * height, *(rgb * (width * height)))
    entries = [  # (tag, type, count, value); type 3 SHORT, 4 LONG
        (256, 3, 1, width), (257, 3, 1, height), (258, 3, 3, None), (259, 3, 1, 1),
        (262, 3, 1, 2), (273, 4, 1, None), (277, 3, 1, 3), (278, 3, 1, height),
        (279, 4, 1, len(strip)), (284, 3, 1, 1),
    ]  # fmt: skip
    ifd_size = 2 + 12 * len(entries) + 4
    bits_at = 8 + ifd_size
    strip_at = bits_at + 6
    out = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = bits_at
        elif tag == 273:
            value = strip_at
        packed = struct.pack("<HH", value, 0) if kind == 3 and count == 1 else struct.pack("<I", value)
        out += struct.pack("<HHI", tag, kind, count) + packed
    return out + struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + strip


# --- formats and hashing ----------------------------------------------------------------


def test_supported_extensions_are_case_insensitive_and_include_raw():
    assert {".jpg", ".heic", ".hif", ".avif", ".webp", ".tiff", ".gif", ".bmp"} <= SUPPORTED_EXTENSIONS
    assert RAW_EXTENSIONS <= SUPPORTED_EXTENSIONS and ".cr3" in RAW_EXTENSIONS
    assert is_supported("a/IMG_0001.JPG") and is_supported(Path("x.HEIC")) and is_supported("r.NEF")
    assert not is_supported("clip.mov") and not is_supported("notes.txt") and not is_supported("jpg")


def test_content_hash_is_stable_hex_and_content_sensitive():
    digest = content_hash(b"photo bytes")
    assert digest == content_hash(b"photo bytes")
    assert len(digest) == 32 and int(digest, 16) >= 0
    assert digest != content_hash(b"photo bytes.")


def test_plugin_registration_is_idempotent():
    register_plugins()
    register_plugins()
    assert Image.registered_extensions()[".heic"] == "HEIF"


# --- real files ---------------------------------------------------------------------------


@pytest.mark.parametrize("min_side", [0, 320], ids=["full-size", "draft"])
def test_all_exif_orientations_show_the_same_picture(formats: Path, min_side: int):
    reference = decode_file(formats / "Landscape_0.jpg", min_side=min_side)
    ref = pixels(reference)
    for n in range(1, 9):
        photo = decode_file(formats / f"Landscape_{n}.jpg", min_side=min_side)
        assert (photo.width, photo.height) == (1800, 1200), n
        assert photo.image.size == reference.image.size, n
        diff = np.abs(pixels(photo) - ref)
        # Each file has its own orientation number and re-rendered edge labels drawn on it, so
        # the max differs by 255 there. Measured over the rest: mean 2.2-4.3 (full size) and
        # 1.6-2.9 (draft), 99th percentile 9-22; a wrong rotation or mirror gives a mean >= 72.
        assert diff.mean() < 5.0, (n, diff.mean())
        assert np.percentile(diff, 99) < 25, (n, np.percentile(diff, 99))


def test_webp_orientation_6_is_rotated(formats: Path):
    path = formats / "hopper_orientation_6.webp"
    photo = decode_file(path)
    with Image.open(path) as stored:
        expected = stored.convert("RGB").transpose(Image.Transpose.ROTATE_270)
        unrotated = np.asarray(stored.convert("RGB")).astype(np.int16)
    assert photo.format == "WEBP"
    assert np.array_equal(np.asarray(photo.image), np.asarray(expected))
    assert np.abs(pixels(photo) - unrotated).mean() > 20


def test_avif_irot_imir_comes_out_upright(formats: Path):
    # rot1mir0.avif stores a landscape field as a 427x640 portrait plus irot/imir boxes.
    photo = decode_file(formats / "rot1mir0.avif")
    assert photo.format == "AVIF"
    assert (photo.width, photo.height) == photo.image.size == (640, 427)
    array = pixels(photo)
    top, bottom = array[:60].mean(axis=(0, 1)), array[-120:].mean(axis=(0, 1))
    assert top[2] > top[1] - 10 and top.mean() > 150  # pale sky at the top
    assert bottom[1] > bottom[2] + 20  # green grass at the bottom


def test_avif_with_exif(formats: Path):
    photo = decode_file(formats / "exif.avif")
    assert (photo.format, photo.width, photo.height, photo.image.mode) == ("AVIF", 512, 512, "RGB")
    assert photo.warnings == []


@pytest.mark.parametrize(
    ("name", "size", "make", "model", "taken_at", "offset"),
    [
        # Phones record sub-seconds (SubSecTimeOriginal '054') and their offset from UTC.
        (
            "IMG_5195.HEIC", (2566, 3313), "Apple", "iPhone 11 Pro Max",
            datetime(2021, 4, 11, 15, 47, 53, 54000), "-05:00",
        ),
        (
            "iphone_13_pro_max.HEIC", (3024, 4032), "Apple", "iPhone 13 Pro Max",
            datetime(2022, 2, 16, 12, 55, 41, 762000), "+01:00",
        ),
        # Only EXIF DateTime (+ SubSecTime): recorded as the last-modified date, not a shutter time.
        ("HMD_Nokia_8.3_5G_hdr.heif", (4608, 3456), None, None, datetime(2022, 1, 12, 7, 30, 14, 364000), None),
    ],
)
def test_heif_decodes_with_exif(formats: Path, name, size, make, model, taken_at, offset):
    photo = decode_file(formats / name)
    assert photo.format == "HEIF"
    assert (photo.width, photo.height) == size
    assert photo.image.mode == "RGB" and min(photo.image.size) >= 320
    assert photo.metadata.camera_make == make and photo.metadata.camera_model == model
    assert photo.metadata.taken_at == taken_at
    source = "exif" if make else "exif-modified"
    assert (photo.metadata.taken_at_offset, photo.metadata.taken_at_source) == (offset, source)
    assert photo.warnings == []


def test_heif_gps_west_is_negative(formats: Path):
    meta = decode_file(formats / "IMG_5195.HEIC").metadata
    assert meta.gps_lat == pytest.approx(39.0513, abs=1e-3)
    assert meta.gps_lon == pytest.approx(-94.2888, abs=1e-3)


def test_webp_flower_metadata(formats: Path):
    photo = decode_file(formats / "flower.webp")
    assert (photo.format, photo.width, photo.height) == ("WEBP", 480, 360)
    assert (photo.metadata.camera_make, photo.metadata.camera_model) == ("Canon", "Canon PowerShot S40")
    assert photo.metadata.taken_at == datetime(2003, 12, 14, 12, 1, 44)


def test_tiff_with_alpha_and_png(formats: Path):
    tiff = decode_file(formats / "BSG1.tiff")
    assert (tiff.format, tiff.width, tiff.height, tiff.image.mode) == ("TIFF", 635, 348, "RGB")
    png = decode_file(formats / "kodim03.png")
    assert (png.format, png.width, png.height, png.image.mode) == ("PNG", 768, 512, "RGB")


def test_dng_renders_at_a_plausible_size(formats: Path):
    # This Blackmagic DNG has no embedded preview, so the RAW data is rendered at half size.
    photo = decode_file(formats / "Blackmagic.dng")
    assert photo.format == "RAW-DNG"
    assert (photo.width, photo.height) == (4128, 2176)
    assert photo.image.mode == "RGB" and photo.image.size == (2064, 1088)
    assert 20 < pixels(photo).mean() < 235  # a picture, not a black or white frame
    assert photo.metadata.camera_model == "Blackmagic Pocket Cinema Camera 4K"


@pytest.mark.parametrize("name", [f"DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27)])
def test_nikon_gps_is_arezzo(formats: Path, name: str):
    meta = decode_file(formats / name).metadata
    assert meta.gps_lat == pytest.approx(AREZZO[0], abs=0.02)
    assert meta.gps_lon == pytest.approx(AREZZO[1], abs=0.02)
    assert (meta.camera_make, meta.camera_model) == ("NIKON", "COOLPIX P6000")
    assert meta.taken_at is not None and meta.taken_at.date() == datetime(2008, 10, 22).date()


def test_iphone_jpeg_metadata(formats: Path):
    meta = decode_file(formats / "iphone_hdr_NO.jpg").metadata
    assert meta.taken_at == datetime(2015, 4, 10, 20, 12, 23, 16000)  # SubSecTimeOriginal '016'
    assert (meta.camera_make, meta.camera_model) == ("Apple", "iPhone 6")
    assert meta.gps_lat == pytest.approx(40.4470, abs=1e-3)
    assert meta.gps_lon == pytest.approx(-3.7248, abs=1e-3)  # Madrid: west is negative


def test_decoding_never_modifies_the_users_files(formats: Path):
    files = sorted(p for p in formats.iterdir() if p.is_file())
    before = {p.name: (content_hash(p.read_bytes()), p.stat().st_mtime_ns, p.stat().st_size) for p in files}
    decoded = [decode_file(p) for p in files if is_supported(p)]
    after = {p.name: (content_hash(p.read_bytes()), p.stat().st_mtime_ns, p.stat().st_size) for p in files}
    assert len(decoded) == len(files) == 25
    assert after == before
    for photo in decoded:  # and the results hold no open file or decoder state
        assert photo.image.mode == "RGB"
        assert not isinstance(photo.image, ImageFile.ImageFile)
        assert getattr(photo.image, "fp", None) is None


# --- draft mode ------------------------------------------------------------------------------


@pytest.mark.parametrize("min_side", [224, 320, 500])
def test_draft_reduces_but_keeps_the_short_side(formats: Path, min_side: int):
    photo = decode_file(formats / "iphone_hdr_NO.jpg", min_side=min_side)
    assert (photo.width, photo.height) == (3264, 2448)
    assert min(photo.image.size) >= min_side
    assert photo.image.width < 3264  # actually reduced
    assert photo.image.width / photo.image.height == pytest.approx(3264 / 2448, rel=0.01)


def test_draft_without_min_side_decodes_full_size(formats: Path):
    photo = decode_file(formats / "iphone_hdr_NO.jpg", min_side=0)
    assert photo.image.size == (3264, 2448)


def test_draft_respects_min_side_after_rotation():
    # Stored 3000x1000 with orientation 6: shown as a 1000x3000 portrait.
    exif = Image.Exif()
    exif[0x0112] = 6
    data = jpeg_bytes(size=(3000, 1000), exif=exif)
    photo = decode_photo(data, "tall.jpg", min_side=320)
    assert (photo.width, photo.height) == (1000, 3000)
    assert photo.image.width < photo.image.height
    assert min(photo.image.size) >= 320 and photo.image.height < 3000


def test_small_images_are_not_enlarged():
    photo = decode_photo(jpeg_bytes(size=(200, 100)), "small.jpg", min_side=320)
    assert photo.image.size == (200, 100) == (photo.width, photo.height)


# --- generated formats and colour modes --------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb():
    data = encode(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), "JPEG", quality=95)
    photo = decode_photo(data, "cmyk.jpg")
    r, g, b = photo.image.getpixel((32, 24))
    assert photo.image.mode == "RGB" and r > 230 and g < 30 and b < 30


def test_greyscale_jpeg_becomes_rgb():
    photo = decode_photo(encode(Image.new("L", (64, 48), 90), "JPEG"), "grey.jpg")
    assert photo.image.mode == "RGB" and photo.image.getpixel((5, 5)) == (90, 90, 90)


def test_transparency_is_composited_on_white():
    rgba = Image.new("RGBA", (40, 30), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 20, 30))
    photo = decode_photo(encode(rgba, "PNG"), "alpha.png")
    assert photo.image.getpixel((30, 10)) == (255, 255, 255)
    assert photo.image.getpixel((5, 10)) == (0, 0, 255)

    palette = Image.new("P", (40, 30), 0)
    palette.putpalette([0, 0, 0, 0, 200, 0])
    palette.paste(1, (0, 0, 20, 30))
    photo = decode_photo(encode(palette, "PNG", transparency=0), "palette.png")
    assert photo.image.getpixel((30, 10)) == (255, 255, 255)
    assert photo.image.getpixel((5, 10)) == (0, 200, 0)


def test_sixteen_bit_images_are_scaled_not_clipped():
    grey = Image.fromarray(np.full((20, 30), 32768, dtype=np.uint16))
    for fmt, name in (("PNG", "grey16.png"), ("TIFF", "grey16.tif")):
        photo = decode_photo(encode(grey, fmt), name)
        assert photo.image.getpixel((3, 3)) == (128, 128, 128), fmt
    photo = decode_photo(tiff_rgb16(8, 6, (0xFFFF, 0x8000, 0x1000)), "rgb16.tiff")
    assert (photo.format, photo.image.size) == ("TIFF", (8, 6))
    assert photo.image.getpixel((2, 2)) == (255, 128, 16)


def test_gif_first_frame_and_bmp():
    frames = [Image.new("RGB", (32, 32), c) for c in ((255, 0, 0), (0, 0, 255))]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    photo = decode_photo(gif.getvalue(), "anim.gif")
    assert photo.format == "GIF" and photo.image.getpixel((5, 5)) == (255, 0, 0)

    photo = decode_photo(encode(Image.new("RGB", (20, 10), (1, 2, 3)), "BMP"), "x.bmp")
    assert (photo.format, photo.image.getpixel((0, 0))) == ("BMP", (1, 2, 3))


# --- metadata ---------------------------------------------------------------------------------


def jpeg_with_exif(fill) -> bytes:
    exif = Image.Exif()
    fill(exif)
    return encode(Image.new("RGB", (40, 30), (10, 20, 30)), "JPEG", exif=exif)


def test_garbage_original_date_falls_back_and_text_is_cleaned():
    def fill(exif):
        exif[0x010F] = "Canon\x00\x00  "
        exif[0x0110] = "  EOS 5D\x00"
        exif.get_ifd(0x8769)[0x9003] = "0000:00:00 00:00:00"
        exif.get_ifd(0x8769)[0x9004] = "2020:05:06 07:08:09"

    meta = decode_photo(jpeg_with_exif(fill), "x.jpg").metadata
    assert meta.taken_at == datetime(2020, 5, 6, 7, 8, 9)
    assert (meta.camera_make, meta.camera_model) == ("Canon", "EOS 5D")


def test_south_west_is_negative_and_zero_zero_is_absent():
    def sydney(exif):
        gps = exif.get_ifd(0x8825)
        gps.update({1: "S", 2: (33.0, 52.0, 8.0), 3: "W", 4: (151.0, 12.0, 36.0)})

    meta = decode_photo(jpeg_with_exif(sydney), "x.jpg").metadata
    assert meta.gps_lat == pytest.approx(-33.8689, abs=1e-4)
    assert meta.gps_lon == pytest.approx(-151.21, abs=1e-4)

    def null_island(exif):
        exif.get_ifd(0x8825).update({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)})

    meta = decode_photo(jpeg_with_exif(null_island), "x.jpg").metadata
    assert meta.gps_lat is None and meta.gps_lon is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2008:10:22 16:28:39", datetime(2008, 10, 22, 16, 28, 39)),
        ("2008:10:22 16:28:39\x00", datetime(2008, 10, 22, 16, 28, 39)),
        ("2008-10-22T16:28", datetime(2008, 10, 22, 16, 28)),
        ("0000:00:00 00:00:00", None),
        ("    :  :     :  :  ", None),
        ("", None),
        ("2008:13:45 99:00:00", None),
        (b"2011:01:02 03:04:05", datetime(2011, 1, 2, 3, 4, 5)),
        (12345, None),
    ],
)
def test_parse_exif_datetime(text, expected):
    assert parse_exif_datetime(text) == expected


def test_truncated_dng_raises(formats: Path):
    data = (formats / "Blackmagic.dng").read_bytes()
    with pytest.raises(DecodeError, match="file is truncated"):
        decode_photo(data[: len(data) // 2], "Blackmagic.dng")


def test_decoding_from_several_threads_gives_the_same_results(formats: Path):
    # The indexer decodes on a thread pool; nothing in decode_photo may be shared state.
    names = ["Landscape_6.jpg", "DSCN0010.jpg", "flower.webp", "exif.avif", "IMG_5195.HEIC", "kodim03.png"]
    blobs = {n: (formats / n).read_bytes() for n in names}
    expected = {n: np.asarray(decode_photo(b, n).image) for n, b in blobs.items()}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: (n, decode_photo(blobs[n], n)), names * 3))
    for name, photo in results:
        assert np.array_equal(np.asarray(photo.image), expected[name]), name


def test_pillow_build_reads_avif_and_webp():
    # Pillow 13 decodes both itself; a build without them would call every such photo "not an image".
    from PIL import features

    assert features.check("avif") and features.check("webp")


def test_resized_crop_is_resize_then_crop_without_the_big_picture(formats: Path):
    """The models' scale-and-crop resamples only the region it keeps, from the source: on real photos
    it gives what resizing the whole picture and cropping gave, within a grey level or two."""
    from album.media.pixels import resized_crop

    photo = decode_file(formats / "iphone_hdr_NO.jpg", min_side=0).image  # 3264 x 2448
    for scaled, box in (((299, 224), (37, 0, 261, 224)), ((1200, 900), (100, 50, 1100, 850))):
        expected = np.asarray(photo.resize(scaled, Image.Resampling.BICUBIC).crop(box), np.int16)
        ours = np.asarray(resized_crop(photo, scaled, box, Image.Resampling.BICUBIC), np.int16)
        assert ours.shape == expected.shape
        assert np.abs(ours - expected).max() <= 2 and np.abs(ours - expected).mean() < 0.01
    # A box past the scaled picture's edges is padded with black, as crop() pads it.
    small = photo.resize((40, 30))
    padded = np.asarray(resized_crop(small, (40, 30), (-5, -5, 45, 35), Image.Resampling.BICUBIC))
    assert (padded[:5] == 0).all() and (padded[5:35, 5:45] == np.asarray(small)).all()
    wide = np.asarray(resized_crop(photo, (20, 10), (-10, 0, 30, 10), Image.Resampling.BICUBIC))
    np.testing.assert_array_equal(wide[:, 10:30], np.asarray(photo.resize((20, 10), Image.Resampling.BICUBIC)))
    assert (wide[:, :10] == 0).all() and (wide[:, 30:] == 0).all()
