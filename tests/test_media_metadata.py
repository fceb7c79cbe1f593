"""Capture dates, cameras and places as a photographer expects them, on files made with Pillow.

Each file carries its metadata the way cameras and editors write it (EXIF directories, an XMP
packet); album reads it back through decode_photo and, for a whole library, stores it.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from album.media.capture_time import clean_text, parse_date, parse_offset
from album.media.decode import decode_photo, read_metadata

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, SUBSEC_TIME_ORIGINAL = 0x9010, 0x9011, 0x9291


def xmp_packet(**properties: str) -> bytes:
    """An XMP packet as Lightroom writes it: properties as attributes of one rdf:Description."""
    attributes = " ".join(f'{name.replace("_", ":", 1)}="{value}"' for name, value in properties.items())
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" '
        f"{attributes}/></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode("utf-8")


def jpeg(exif: Image.Exif | None = None, xmp: bytes | None = None, size=(400, 300)) -> bytes:
    out = io.BytesIO()
    params = {}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if xmp is not None:
        params["xmp"] = xmp
    Image.new("RGB", size, (120, 160, 200)).save(out, "JPEG", quality=90, **params)
    return out.getvalue()


def test_a_date_only_in_xmp_wins_over_the_last_edit_in_exif():
    # What an editor's export looks like: EXIF DateTime is the export (two days later); the
    # capture date survives only in XMP.
    exif = Image.Exif()
    exif[DATETIME] = "2019:06:03 10:00:00"
    data = jpeg(exif, xmp_packet(exif_DateTimeOriginal="2019-06-01T08:15:30.25+02:00"))
    meta = decode_photo(data, "export.jpg").metadata
    assert meta.taken_at == datetime(2019, 6, 1, 8, 15, 30, 250000)
    assert (meta.taken_at_source, meta.taken_at_offset) == ("xmp", "+02:00")


def test_xmp_create_date_and_photoshop_day():
    data = jpeg(xmp=xmp_packet(xmp_CreateDate="2017-03-13T23:03:09-07:00"))
    meta = decode_photo(data, "a.jpg").metadata
    assert (meta.taken_at, meta.taken_at_source, meta.taken_at_offset) == (
        datetime(2017, 3, 13, 23, 3, 9), "xmp", "-07:00")
    # A bare day is used when nothing better is there.
    day_only = read_metadata(jpeg(xmp=xmp_packet(photoshop_DateCreated="2006-10-29")), "b.jpg")
    assert (day_only.taken_at, day_only.taken_at_source) == (datetime(2006, 10, 29), "xmp")


def test_exif_original_beats_xmp_and_digitized():
    exif = Image.Exif()
    exif[DATETIME] = "2020:01:05 00:00:00"
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATETIME_ORIGINAL] = "2020:01:01 12:00:00"
    sub[DATETIME_DIGITIZED] = "2020:01:02 12:00:00"
    meta = read_metadata(jpeg(exif, xmp_packet(xmp_CreateDate="2020-01-03T12:00:00")), "c.jpg")
    assert (meta.taken_at, meta.taken_at_source) == (datetime(2020, 1, 1, 12), "exif")
    del sub[DATETIME_ORIGINAL]
    meta = read_metadata(jpeg(exif, xmp_packet(xmp_CreateDate="2020-01-03T12:00:00")), "c.jpg")
    assert (meta.taken_at, meta.taken_at_source) == (datetime(2020, 1, 2, 12), "exif")


def test_exif_datetime_alone_is_recorded_as_the_last_modification():
    exif = Image.Exif()
    exif[DATETIME] = "2012:08:18 15:32:58"
    exif.get_ifd(EXIF_IFD)[OFFSET_TIME] = "+09:00"
    meta = decode_photo(jpeg(exif), "d.jpg").metadata
    assert (meta.taken_at, meta.taken_at_source, meta.taken_at_offset) == (
        datetime(2012, 8, 18, 15, 32, 58), "exif-modified", "+09:00")


def test_sub_seconds_and_offset_of_the_original():
    exif = Image.Exif()
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATETIME_ORIGINAL] = "2021:04:11 15:47:53"
    sub[SUBSEC_TIME_ORIGINAL] = "054"
    sub[OFFSET_TIME_ORIGINAL] = "-05:00"
    meta = decode_photo(jpeg(exif), "burst.jpg").metadata
    assert meta.taken_at == datetime(2021, 4, 11, 15, 47, 53, 54000)
    assert (meta.taken_at_source, meta.taken_at_offset) == ("exif", "-05:00")


def test_nul_terminated_strings_are_cut_at_the_nul():
    # A fixed-size field padded with a NUL and left-over bytes, as some cameras write it.
    exif = Image.Exif()
    exif[MAKE] = "  Trail Cam\x00\x01\x02"
    exif[MODEL] = "ION230\x00F"
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2016:05:01 06:07:08\x00junk"
    meta = decode_photo(jpeg(exif), "trail.jpg").metadata
    assert (meta.camera_make, meta.camera_model) == ("Trail Cam", "ION230")
    assert meta.taken_at == datetime(2016, 5, 1, 6, 7, 8)


def test_damaged_exif_does_not_lose_the_xmp_date():
    # exiv2 refuses a file whose EXIF block is not TIFF at all, XMP included; album reads the
    # XMP packet on its own then.
    out = io.BytesIO()
    Image.new("RGB", (400, 300)).save(out, "JPEG", exif=b"Exif\x00\x00not a TIFF block",
                                       xmp=xmp_packet(xmp_CreateDate="2017-03-13T23:03:09-07:00"))
    photo = decode_photo(out.getvalue(), "g.jpg")
    assert (photo.metadata.taken_at, photo.metadata.taken_at_source) == (datetime(2017, 3, 13, 23, 3, 9), "xmp")
    assert any("EXIF data is unreadable" in w for w in photo.warnings)


def test_exif_of_a_png_is_read():
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2018:02:03 04:05:06"
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, "PNG", exif=exif.tobytes())
    meta = read_metadata(out.getvalue(), "e.png")
    assert (meta.taken_at, meta.taken_at_source) == (datetime(2018, 2, 3, 4, 5, 6), "exif")


def test_xmp_gps_when_exif_has_none():
    data = jpeg(xmp=xmp_packet(exif_GPSLatitude="43,27.5N", exif_GPSLongitude="11,52.8E"))
    meta = read_metadata(data, "f.jpg")
    assert meta.gps_lat == pytest.approx(43 + 27.5 / 60)
    assert meta.gps_lon == pytest.approx(11 + 52.8 / 60)


@pytest.mark.parametrize(
    ("text", "local", "offset", "has_time"),
    [
        ("2010-07-11T13:53:00.9+02:00", datetime(2010, 7, 11, 13, 53, 0, 900000), "+02:00", True),
        ("2010:07:11 13:53:00Z", datetime(2010, 7, 11, 13, 53), "+00:00", True),
        ("2006-10-29", datetime(2006, 10, 29), None, False),
        ("2017:08:21 15:08:70", None, None, None),  # second 70: garbage, as exiftool shows it
        ("0000:00:00 00:00:00", None, None, None),
    ],
)
def test_parse_date(text, local, offset, has_time):
    parsed = parse_date(text)
    if local is None:
        assert parsed is None
    else:
        assert (parsed.local, parsed.offset, parsed.has_time) == (local, offset, has_time)


def test_offsets_and_text():
    assert [parse_offset(t) for t in ("+0530", "-05:00", "Z", "+25:00", "   ")] == [
        "+05:30", "-05:00", "+00:00", None, None]
    assert clean_text(b"ION230\x00F") == "ION230" and clean_text("\x00") is None


def test_the_library_stores_source_offset_and_sub_seconds(library, photos_dir: Path):
    exif = Image.Exif()
    sub = exif.get_ifd(EXIF_IFD)
    sub[DATETIME_ORIGINAL] = "2021:04:11 15:47:53"
    sub[SUBSEC_TIME_ORIGINAL] = "5"
    sub[OFFSET_TIME_ORIGINAL] = "+01:00"
    (photos_dir / "camera.jpg").write_bytes(jpeg(exif))
    (photos_dir / "export.jpg").write_bytes(jpeg(xmp=xmp_packet(xmp_CreateDate="2019-06-01T08:15:30")))
    library.add_folder(photos_dir)
    assert library.index().failed == []
    camera = library.photos.by_path(photos_dir / "camera.jpg")
    assert (camera.taken_at, camera.taken_at_source, camera.taken_at_offset) == (
        "2021-04-11T15:47:53.500", "exif", "+01:00")
    export = library.photos.by_path(photos_dir / "export.jpg")
    assert (export.taken_at, export.taken_at_source, export.taken_at_offset) == (
        "2019-06-01T08:15:30", "xmp", None)
