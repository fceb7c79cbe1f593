"""Metadata as exiv2 reads it (through pyexiv2): EXIF, XMP, IPTC and the maker blocks exiv2 decodes.

Why exiv2 next to Pillow's EXIF: Pillow reads EXIF only. A capture date written only in XMP
(Lightroom, phone export paths, most editors) or IPTC, and the camera data of formats Pillow
cannot open (Canon's CIFF .crw), come from exiv2, a maintained C++ library that photo managers
(digiKam, darktable, GIMP) rely on. pyexiv2's wheels carry one self-contained libexiv2 (~5 MB,
linked against libstdc++ only), so it bundles cleanly; python-exiv2 (~50 MB with libcurl and
Kerberos for exiv2's remote I/O) and exifread (no XMP, no CIFF) were the alternatives.

A file exiv2 cannot read (Sigma X3F, damaged blocks) gives None: the caller falls back to
Pillow's EXIF, so nothing is lost against reading EXIF alone.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

# exiv2's XMP toolkit keeps process-wide state and is not safe to enter from several decode
# threads at once; reading one file's metadata takes ~1 ms, so one reader at a time costs little.
_EXIV2 = threading.Lock()
_MUTE = 4  # pyexiv2.set_log_level: 4 mutes exiv2's own messages (album reports problems itself)
_PREFIXES = ("Exif.Photo.", "Exif.Image.", "Exif.GPSInfo.", "Xmp.exif.", "Xmp.xmp.", "Xmp.photoshop.",
             "Xmp.tiff.", "Iptc.Application2.", "Exif.Pentax.")


@dataclass(frozen=True)
class EmbeddedMetadata:
    fields: dict[str, str]  # exiv2 keys: {'Exif.Photo.DateTimeOriginal': '2008:10:22 16:28:39', ...}
    mime: str  # 'image/jpeg', 'image/x-canon-crw'...

    def get(self, key: str) -> str | None:
        return self.fields.get(key)


def read_embedded(data: bytes) -> EmbeddedMetadata | None:
    """The metadata exiv2 finds in a whole file's bytes; None when exiv2 cannot read the file."""
    try:
        import pyexiv2
    except ImportError:  # a platform without a pyexiv2 wheel: Pillow's EXIF still works
        log.debug("pyexiv2 is not installed; reading EXIF with Pillow only")
        return None
    with _EXIV2:
        pyexiv2.set_log_level(_MUTE)
        try:
            with pyexiv2.ImageData(data) as image:
                fields: dict[str, str] = {}
                for read in (image.read_exif, image.read_xmp, image.read_iptc):
                    fields.update(_wanted(_decoded(read)))
                return EmbeddedMetadata(fields, image.get_mime_type() or "")
        except MemoryError:
            raise
        except Exception as exc:  # exiv2 raises RuntimeError with its own message on odd files
            log.debug("exiv2 cannot read this file: %s", exc)
            return None


def read_xmp_packet(packet: object) -> EmbeddedMetadata | None:
    """An XMP packet on its own (Pillow's image.info['xmp']), for files exiv2 refuses as a whole
    (a damaged EXIF block makes it drop the file's intact XMP too)."""
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    if not isinstance(packet, bytes) or b"xmpmeta" not in packet[:4096]:
        return None
    sidecar = read_embedded(packet)  # exiv2 reads a bare packet as an XMP sidecar...
    if sidecar is None:
        return None
    # ...and, as for sidecars, copies XMP into EXIF keys (dates converted to UTC): keep only XMP.
    return EmbeddedMetadata({k: v for k, v in sidecar.fields.items() if k.startswith("Xmp.")}, sidecar.mime)


def _decoded(read) -> dict:
    try:
        return read()
    except UnicodeDecodeError:  # an old camera's Latin-1 strings
        return read(encoding="latin-1")


def _wanted(values: dict) -> dict[str, str]:
    """Only the directories album reads, as text (repeated IPTC values keep their first)."""
    out = {}
    for key, value in values.items():
        if not key.startswith(_PREFIXES):
            continue
        if isinstance(value, list):
            value = value[0] if value else ""
        if isinstance(value, dict):  # XMP language alternatives
            value = next(iter(value.values()), "")
        out[key] = str(value)
    return out
