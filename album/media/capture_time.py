"""When a photo was taken, from the first of its dates a photographer would trust.

The order (each result records where it came from, stored as photos.taken_at_source):
1. 'exif': EXIF DateTimeOriginal, then DateTimeDigitized (the shutter, and the scan of a film);
2. 'xmp' / 'iptc': XMP exif:DateTimeOriginal, xmp:CreateDate, photoshop:DateCreated, then
   IPTC DateCreated + TimeCreated; Lightroom, phones' export paths and many editors write the
   capture date only there. A value with a time wins over a bare day, and a bare day gives way
   to EXIF DateTime on that same day (which says the time of day);
3. 'maker': a camera's own block that exiv2 decodes (Canon CIFF in .crw files);
4. 'exif-modified': EXIF DateTime, which editors overwrite on every save (the last edit);
5. 'file': the file's modification time (the indexer's fallback, not decided here).
Sub-seconds (SubSecTimeOriginal, XMP fractions) and the offset from UTC (OffsetTimeOriginal,
XMP's "+02:00") are kept where present.

Each EXIF value is looked up in exiv2's reading first and in Pillow's second, so a file exiv2
cannot read still gets its EXIF date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from album.media.embedded import EmbeddedMetadata

_OLDEST_PHOTO_YEAR = 1826  # earlier "dates" are placeholders such as 0000:00:00 or 0001:01:01
_DATE = re.compile(
    r"\s*(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"\s*(?:(Z)|([+-])(\d{2}):?(\d{2}))")
_TIME = re.compile(r"\s*(\d{1,2}):?(\d{2}):?(\d{2})?(?:[.,]\d+)?\s*(Z|[+-]\d{2}:?\d{2})?")
_CIFF_MIME = "image/x-canon-crw"  # exiv2 presents CIFF's date as EXIF DateTimeOriginal

# Pillow's tag numbers (Exif sub-directory) for the EXIF steps: (date, sub-seconds, offset).
_ORIGINAL = (0x9003, 0x9291, 0x9011)
_DIGITIZED = (0x9004, 0x9292, 0x9012)
_MODIFIED = (0x0132, 0x9290, 0x9010)  # DateTime itself lives in the main directory


@dataclass(frozen=True)
class CaptureTime:
    local: datetime  # naive local time as the camera recorded it (microseconds from sub-seconds)
    offset: str | None  # '+02:00': the offset from UTC, where the file says it
    source: str  # 'exif', 'xmp', 'iptc', 'maker' or 'exif-modified'


@dataclass(frozen=True)
class ParsedDate:
    local: datetime
    offset: str | None
    has_time: bool


def capture_time(main: dict[int, Any], exif: dict[int, Any], embedded: EmbeddedMetadata | None) -> CaptureTime | None:
    """The capture time from Pillow's main and Exif directories and exiv2's reading (or None)."""
    fields = embedded.fields if embedded else {}

    def exif_step(keys: tuple[str, str, str], tags: tuple[int, int, int], directory: dict[int, Any]) -> ParsedDate | None:
        date_key, sub_key, offset_key = keys
        parsed = parse_date(fields.get(date_key)) or parse_date(directory.get(tags[0]))
        if parsed is None or not parsed.has_time:
            return None
        sub = fields.get(sub_key) or exif.get(tags[1])
        offset = parsed.offset or parse_offset(fields.get(offset_key) or exif.get(tags[2]))
        return ParsedDate(_with_subseconds(parsed.local, sub), offset, True)

    maker = bool(embedded and embedded.mime == _CIFF_MIME)
    original = exif_step(
        ("Exif.Photo.DateTimeOriginal", "Exif.Photo.SubSecTimeOriginal", "Exif.Photo.OffsetTimeOriginal"),
        _ORIGINAL, exif,
    ) or _tiff_ep_original(fields)
    if original:
        return CaptureTime(original.local, original.offset, "maker" if maker else "exif")
    digitized = exif_step(
        ("Exif.Photo.DateTimeDigitized", "Exif.Photo.SubSecTimeDigitized", "Exif.Photo.OffsetTimeDigitized"),
        _DIGITIZED, exif,
    )
    if digitized:
        return CaptureTime(digitized.local, digitized.offset, "exif")
    editor, editor_has_time = _editor_date(fields)
    modified = exif_step(("Exif.Image.DateTime", "Exif.Photo.SubSecTime", "Exif.Photo.OffsetTime"), _MODIFIED, main)
    if editor and (editor_has_time or modified is None or modified.local.date() != editor.local.date()):
        return editor
    if modified:  # also when it falls on the editor's bare day: it says the time of day
        return CaptureTime(modified.local, modified.offset, "exif-modified")
    return None


def _tiff_ep_original(fields: dict[str, str]) -> ParsedDate | None:
    """DateTimeOriginal in the main directory (TIFF/EP, some early DSLRs' TIFF and RAW files)."""
    parsed = parse_date(fields.get("Exif.Image.DateTimeOriginal"))
    return parsed if parsed and parsed.has_time else None


def _editor_date(fields: dict[str, str]) -> tuple[CaptureTime | None, bool]:
    """XMP's capture dates, then IPTC's: the first with a time of day, else the first bare day
    (and whether it has a time)."""
    candidates = [
        (parse_date(fields.get(key)), "xmp")
        for key in ("Xmp.exif.DateTimeOriginal", "Xmp.xmp.CreateDate", "Xmp.photoshop.DateCreated")
    ]
    iptc_day = parse_date(fields.get("Iptc.Application2.DateCreated"))
    if iptc_day:
        candidates.append((_with_iptc_time(iptc_day, fields.get("Iptc.Application2.TimeCreated")), "iptc"))
    found = [(parsed, source) for parsed, source in candidates if parsed]
    best = next((c for c in found if c[0].has_time), found[0] if found else None)
    if best is None:
        return None, False
    parsed, source = best
    return CaptureTime(parsed.local, parsed.offset, source), parsed.has_time


def _with_iptc_time(day: ParsedDate, time_text: str | None) -> ParsedDate:
    match = _TIME.match(time_text or "")
    if not match:
        return day
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    try:
        local = day.local.replace(hour=hour, minute=minute, second=second)
    except ValueError:
        return day
    return ParsedDate(local, parse_offset(match[4]), True)


def parse_date(value: object) -> ParsedDate | None:
    """'2008:10:22 16:28:39', '2010-07-11T13:53:00.9+02:00' or '2006-10-29' -> ParsedDate.

    None for blanks, zeros and other garbage (month 0, hour 24, second 70...).
    """
    text = clean_text(value)
    match = _DATE.match(text) if text else None
    if not match:
        return None
    year, month, day = int(match[1]), int(match[2]), int(match[3])
    hour, minute, second = (int(g) if g else 0 for g in (match[4], match[5], match[6]))
    if year < _OLDEST_PHOTO_YEAR:
        return None
    try:
        local = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    return ParsedDate(_with_subseconds(local, match[7]), parse_offset(match[8]), match[4] is not None)


def parse_offset(value: object) -> str | None:
    """'+0200', '+02:00', 'Z' -> '+02:00' / '+00:00'; None when absent or out of range."""
    text = clean_text(value)
    match = _OFFSET.match(text) if text else None
    if not match:
        return None
    if match[1]:
        return "+00:00"
    hours, minutes = int(match[3]), int(match[4])
    if hours > 14 or minutes >= 60:
        return None
    return f"{match[2]}{hours:02d}:{minutes:02d}"


def _with_subseconds(local: datetime, digits: object) -> datetime:
    """EXIF SubSecTime is the decimal digits after the second: '25' is 0.25 s."""
    text = clean_text(digits)
    if not text:
        return local
    digits_only = re.match(r"\d+", text)
    if not digits_only:
        return local
    fraction = digits_only[0][:6].ljust(6, "0")
    return local.replace(microsecond=int(fraction))


def clean_text(value: object) -> str | None:
    """An EXIF string cut at its first NUL and stripped; None when nothing is left.

    Cameras pad fixed-size fields with NULs and leave the old bytes after them
    ('ION230\\x00F'): everything from the first NUL on is not part of the value.
    """
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    text = value.split("\x00", 1)[0].strip()
    return text or None
