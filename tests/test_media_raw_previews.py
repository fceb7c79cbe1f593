"""RAW files through their embedded previews. Our one real RAW file (a Blackmagic DNG) has no
preview, so LibRaw's answers are stood in for here; everything after `rawpy.imread` is real."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import rawpy
from PIL import Image

from album.media import DecodedPhoto, decode_photo
from photo_files import encode

class FakeRaw:
    """What rawpy.imread returns, for a 6000x4000 sensor held as `flip` says."""

    def __init__(self, thumb: rawpy.Thumbnail | None, flip: int = 6, size=(6000, 4000)):
        width, height = size
        self.sizes = rawpy.ImageSizes(
            height, width, height, width, 0, 0, height, width, 1.0, flip, 0, 0, width, height
        )
        self.thumb = thumb
        self.rendered = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def extract_thumb(self) -> rawpy.Thumbnail:
        if self.thumb is None:
            raise rawpy.LibRawNoThumbnailError("No thumbnail in file")
        return self.thumb

    def postprocess(self, **params):
        assert params["half_size"] and params["use_camera_wb"]
        self.rendered = True
        h, w = self.sizes.height // 2, self.sizes.width // 2
        if self.sizes.flip in (5, 6):
            h, w = w, h
        return np.full((h, w, 3), (10, 200, 30), dtype=np.uint8)


def left_red_right_blue(size=(3000, 2000), **save_args) -> bytes:
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return encode(image, "JPEG", quality=90, **save_args)


def decode_fake_raw(monkeypatch, fake: FakeRaw, name="IMG_1.NEF") -> DecodedPhoto:
    monkeypatch.setattr(rawpy, "imread", lambda file: fake)
    return decode_photo(b"not really raw", name)


def test_raw_jpeg_preview_turned_by_libraw_flip(monkeypatch):
    fake = FakeRaw(rawpy.Thumbnail(rawpy.ThumbFormat.JPEG, left_red_right_blue()), flip=6)
    photo = decode_fake_raw(monkeypatch, fake)
    assert (photo.format, photo.width, photo.height) == ("RAW-NEF", 4000, 6000)
    assert not fake.rendered
    assert photo.image.width < photo.image.height and min(photo.image.size) >= 320
    assert photo.image.size[1] < 3000  # the preview JPEG was decoded reduced (draft)
    top = photo.image.getpixel((photo.image.width // 2, 5))
    bottom = photo.image.getpixel((photo.image.width // 2, photo.image.height - 5))
    assert top[0] > 200 and bottom[2] > 200  # 90 degrees clockwise: the left (red) half is on top


def test_raw_preview_own_exif_orientation_wins(monkeypatch):
    exif = Image.Exif()
    exif[0x0112] = 8
    fake = FakeRaw(rawpy.Thumbnail(rawpy.ThumbFormat.JPEG, left_red_right_blue(exif=exif)), flip=6)
    photo = decode_fake_raw(monkeypatch, fake, "IMG_1.CR2")
    assert photo.format == "RAW-CR2"
    bottom = photo.image.getpixel((photo.image.width // 2, photo.image.height - 5))
    assert bottom[0] > 200  # 90 degrees counter-clockwise: the red half ends at the bottom


def test_raw_bitmap_preview(monkeypatch):
    bitmap = np.zeros((1000, 1500, 3), dtype=np.uint8)
    bitmap[:, :750] = (255, 0, 0)
    fake = FakeRaw(rawpy.Thumbnail(rawpy.ThumbFormat.BITMAP, bitmap), flip=0)
    photo = decode_fake_raw(monkeypatch, fake)
    assert photo.image.size == (1500, 1000) and (photo.width, photo.height) == (6000, 4000)
    assert photo.image.getpixel((10, 10)) == (255, 0, 0)


@pytest.mark.parametrize("thumb", [None, "tiny"], ids=["no-preview", "preview-too-small"])
def test_raw_without_usable_preview_is_rendered(monkeypatch, thumb):
    if thumb == "tiny":
        thumb = rawpy.Thumbnail(rawpy.ThumbFormat.JPEG, left_red_right_blue((160, 120)))
    fake = FakeRaw(thumb, flip=6)
    photo = decode_fake_raw(monkeypatch, fake)
    assert fake.rendered
    assert photo.image.size == (2000, 3000) and (photo.width, photo.height) == (4000, 6000)
    assert photo.image.getpixel((0, 0)) == (10, 200, 30)


def test_raw_metadata_falls_back_to_the_preview_exif(monkeypatch):
    # RAF and CR3 are not TIFF-structured; their previews carry the EXIF.
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "FUJIFILM", "X-T3"
    exif.get_ifd(0x8769)[0x9003] = "2021:07:08 09:10:11"
    fake = FakeRaw(rawpy.Thumbnail(rawpy.ThumbFormat.JPEG, left_red_right_blue(exif=exif)), flip=0)
    meta = decode_fake_raw(monkeypatch, fake, "DSCF1.RAF").metadata
    assert (meta.camera_make, meta.camera_model) == ("FUJIFILM", "X-T3")
    assert meta.taken_at == datetime(2021, 7, 8, 9, 10, 11)


