"""Photo metadata: when it was taken, where, and with which camera.

EXIF is read with Pillow (with the structural checks below) and, for XMP, IPTC and maker
blocks, with exiv2 (album/media/embedded.py); album/media/capture_time.py decides which date
wins.

Camera files often carry damaged EXIF (editors that rewrite half a directory, pointers of the
wrong type). Before Pillow parses a blob we check its structure ourselves, so a damaged
part is skipped with a readable warning instead of half-parsed values or Pillow warnings.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PIL import Image

from album.media.capture_time import capture_time, clean_text, parse_date
from album.media.embedded import EmbeddedMetadata

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
MODEL = 0x0110
DATETIME = 0x0132
DATETIME_ORIGINAL = 0x9003
DATETIME_DIGITIZED = 0x9004
UNIQUE_CAMERA_MODEL = 0xC614  # DNG: "Blackmagic Pocket Cinema Camera 4K" when Model is absent
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4

_POINTER_TYPES = (4, 13)  # TIFF field types LONG and IFD: the only valid types for a pointer
_SUB_IFDS = {EXIF_IFD: "Exif", GPS_IFD: "GPS"}
# How a damaged sub-directory is described to the user, and what is lost with it.
_SUB_IFD_WORDS = {"Exif": ("EXIF camera data", "capture date"), "GPS": ("EXIF GPS data", "place")}
_XMP_COORDINATE = re.compile(r"\s*(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])\s*$")


@dataclass(frozen=True)
class PhotoMetadata:
    taken_at: datetime | None  # naive local time as the camera recorded it
    gps_lat: float | None  # decimal degrees, south negative
    gps_lon: float | None  # decimal degrees, west negative
    camera_make: str | None
    camera_model: str | None
    taken_at_source: str | None = None  # 'exif', 'xmp', 'iptc', 'maker', 'exif-modified'
    taken_at_offset: str | None = None  # '+02:00': offset from UTC where the file records it


NO_METADATA = PhotoMetadata(None, None, None, None, None)


@dataclass(frozen=True)
class ExifTags:
    """The three EXIF directories we read; a damaged directory is left empty."""

    main: dict[int, Any]
    exif: dict[int, Any]
    gps: dict[int, Any]


NO_EXIF = ExifTags({}, {}, {})


def read_exif(image: Image.Image) -> tuple[ExifTags, list[str]]:
    """The EXIF tags of an opened (and loaded) image, and warnings about damaged parts."""
    raw = image.info.get("exif")
    damaged: dict[str, str] = {}
    if isinstance(raw, bytes) and raw:
        damaged = exif_structure_problems(raw)
        if "main" in damaged:
            return NO_EXIF, [_unreadable("EXIF data", damaged["main"], "date, place and rotation")]
    try:
        exif = image.getexif()
        return _split(exif, damaged)
    except MemoryError:
        raise
    except Exception as exc:  # Pillow raises many types on odd EXIF; none of them is fatal here
        return NO_EXIF, [_unreadable("EXIF data", str(exc) or type(exc).__name__, "date, place and rotation")]


def read_tiff_exif(data: bytes) -> tuple[ExifTags, list[str]]:
    """EXIF tags straight from a TIFF-structured file (DNG, NEF, CR2, ARW...), without pixels."""
    damaged = exif_structure_problems(data)
    if "main" in damaged:
        return NO_EXIF, []  # not TIFF-based (CR3, RAF...): no metadata, and nothing to warn about
    exif = Image.Exif()
    try:
        exif.load(data)
        return _split(exif, damaged)
    except MemoryError:
        raise
    except Exception as exc:
        return NO_EXIF, [_unreadable("EXIF data", str(exc) or type(exc).__name__, "date and place")]


def _split(exif: Image.Exif, damaged: dict[str, str]) -> tuple[ExifTags, list[str]]:
    warnings = []
    sub: dict[str, dict[int, Any]] = {}
    for tag, label in _SUB_IFDS.items():
        if label in damaged:
            what, lost = _SUB_IFD_WORDS[label]
            warnings.append(_unreadable(what, damaged[label], lost))
            sub[label] = {}
        else:
            sub[label] = dict(exif.get_ifd(tag))
    return ExifTags(dict(exif), sub["Exif"], sub["GPS"]), warnings


def _unreadable(what: str, why: str, ignored: str) -> str:
    return f"{what} is unreadable: {why}; {ignored} ignored"


def exif_structure_problems(raw: bytes) -> dict[str, str]:
    """Structural damage in an EXIF/TIFF blob: {'main'|'Exif'|'GPS': reason}. Empty when sound.

    Only checks what we read: the header, the main directory and the Exif and GPS
    directories fit inside the blob, and the pointers to them have a pointer type.
    """
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]
    endian = {b"II*\x00": "<", b"MM\x00*": ">"}.get(raw[:4])
    if endian is None or len(raw) < 8:
        return {"main": "it does not start with a TIFF header"}
    (offset,) = struct.unpack_from(endian + "I", raw, 4)
    problem, entries = _read_directory(raw, endian, offset)
    if problem:
        return {"main": problem}
    damaged = {}
    for tag, label in _SUB_IFDS.items():
        if tag not in entries:
            continue
        field_type, count, value = entries[tag]
        if field_type not in _POINTER_TYPES or count != 1:
            damaged[label] = f"its directory pointer has TIFF type {field_type} and count {count}"
            continue
        (sub_offset,) = struct.unpack(endian + "I", value)
        sub_problem, _ = _read_directory(raw, endian, sub_offset)
        if sub_problem:
            damaged[label] = sub_problem
    return damaged


def _read_directory(
    raw: bytes, endian: str, offset: int
) -> tuple[str | None, dict[int, tuple[int, int, bytes]]]:
    if offset < 8 or offset + 2 > len(raw):
        return f"a directory starts at byte {offset}, past the end ({len(raw)} bytes)", {}
    (count,) = struct.unpack_from(endian + "H", raw, offset)
    end = offset + 2 + 12 * count
    if end > len(raw):
        return f"a directory of {count} entries needs {end} bytes but there are {len(raw)}", {}
    entries = {}
    for i in range(count):
        tag, field_type, n, value = struct.unpack_from(endian + "HHI4s", raw, offset + 2 + 12 * i)
        entries[tag] = (field_type, n, value)
    return None, entries


def orientation_of(tags: ExifTags) -> int:
    """EXIF orientation 1-8; 1 (as stored) when absent or invalid (0 is a common 'unknown')."""
    value = tags.main.get(ORIENTATION)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def metadata_from(tags: ExifTags, embedded: EmbeddedMetadata | None = None) -> PhotoMetadata:
    """Date, place and camera from Pillow's EXIF and exiv2's reading (None: exiv2 could not)."""
    fields = embedded.fields if embedded else {}
    taken = capture_time(tags.main, tags.exif, embedded)
    lat = _coordinate(tags.gps.get(GPS_LAT), tags.gps.get(GPS_LAT_REF), "S", 90.0)
    lon = _coordinate(tags.gps.get(GPS_LON), tags.gps.get(GPS_LON_REF), "W", 180.0)
    if lat is None or lon is None:
        lat, lon = _embedded_position(fields)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        lat = lon = None  # one half of a position is useless; 0,0 is what unset receivers write
    make = clean_text(tags.main.get(MAKE)) or clean_text(fields.get("Exif.Image.Make")) or clean_text(
        fields.get("Xmp.tiff.Make"))
    model = (
        clean_text(tags.main.get(MODEL)) or clean_text(fields.get("Exif.Image.Model"))
        or clean_text(tags.main.get(UNIQUE_CAMERA_MODEL)) or clean_text(fields.get("Xmp.tiff.Model"))
    )
    return PhotoMetadata(
        taken_at=taken.local if taken else None,
        gps_lat=lat,
        gps_lon=lon,
        camera_make=make,
        camera_model=model,
        taken_at_source=taken.source if taken else None,
        taken_at_offset=taken.offset if taken else None,
    )


def has_shutter_time(tags: ExifTags) -> bool:
    """EXIF has DateTimeOriginal or DateTimeDigitized: nothing later in the order can win."""
    taken = capture_time(tags.main, tags.exif, None)
    return taken is not None and taken.source == "exif"


def metadata_from_exif(tags: ExifTags) -> PhotoMetadata:
    """From Pillow's EXIF alone (exiv2 could not read the file)."""
    return metadata_from(tags, None)


def parse_exif_datetime(value: object) -> datetime | None:
    """'2008:10:22 16:28:39' -> datetime; None for blanks, zeros, bare days and other garbage."""
    parsed = parse_date(value)
    return parsed.local if parsed and parsed.has_time else None


def _embedded_position(fields: dict[str, str]) -> tuple[float | None, float | None]:
    """GPS from exiv2: EXIF rationals ('52/1 30/1 1234/100') or XMP's '52,30.123N'."""
    lat = _coordinate(_rationals(fields.get("Exif.GPSInfo.GPSLatitude")),
                      fields.get("Exif.GPSInfo.GPSLatitudeRef"), "S", 90.0)
    lon = _coordinate(_rationals(fields.get("Exif.GPSInfo.GPSLongitude")),
                      fields.get("Exif.GPSInfo.GPSLongitudeRef"), "W", 180.0)
    if lat is None or lon is None:
        lat = _xmp_coordinate(fields.get("Xmp.exif.GPSLatitude"), "S", 90.0)
        lon = _xmp_coordinate(fields.get("Xmp.exif.GPSLongitude"), "W", 180.0)
    return lat, lon


def _rationals(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    values = []
    for part in text.split():
        num, _, den = part.partition("/")
        try:
            values.append(float(num) / float(den or 1))
        except (ValueError, ZeroDivisionError):
            return None
    return tuple(values) or None


def _xmp_coordinate(text: str | None, negative_ref: str, limit: float) -> float | None:
    match = _XMP_COORDINATE.match(text or "")
    if not match:
        return None
    parts = tuple(float(g) for g in match.groups()[:3] if g is not None)
    return _coordinate(parts, match[4], negative_ref, limit)


def _coordinate(dms: object, ref: object, negative_ref: str, limit: float) -> float | None:
    """Degrees/minutes/seconds rationals -> signed decimal degrees, or None when unusable."""
    try:
        parts = [float(p) for p in dms] if isinstance(dms, tuple) else [float(dms)]  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not 1 <= len(parts) <= 3 or not all(math.isfinite(p) for p in parts):
        return None
    degrees = sum(p / 60**i for i, p in enumerate(parts))
    ref_text = clean_text(ref) or ""
    if ref_text.upper().startswith(negative_ref):
        degrees = -abs(degrees)
    return degrees if abs(degrees) <= limit else None
