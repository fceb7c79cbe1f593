"""Real photo files for tests: made with Pillow, and hashed to prove album never modifies them.

Imported by test modules as `from photo_files import ...` (not from conftest, whose module name
is ambiguous once tests/ui has its own conftest).
"""

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def write_photo(path: Path, seed: int, size=(480, 360), fmt: str | None = None, **save_args) -> Path:
    """A distinct, photo-like picture: smooth colour fields plus noise, different for each seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.002, 0.03, 2).tolist() + [rng.uniform(0, 6.28)]
        channels.append(127 + 100 * np.sin(x * fx + y * fy + phase))
    pixels = np.stack(channels, axis=-1) + rng.normal(0, 12, (h, w, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, fmt, **save_args)
    return path


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, to prove album never modified a user's file."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def encode(image: Image.Image, fmt: str, **save_args) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save_args)
    return buffer.getvalue()


def jpeg_bytes(size=(480, 360), color=(200, 80, 40), **save_args) -> bytes:
    """A noisy colour field (noise so the JPEG has real scan data to cut or scale)."""
    buffer = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 40, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(np.asarray(Image.new("RGB", size, color)) | noise)
    image.save(buffer, "JPEG", quality=90, **save_args)
    return buffer.getvalue()


def png_chunks(width: int, height: int, bit_depth=8, color_type=2, idat: bytes | None = None) -> bytes:
    """A PNG written by hand, so headers can say things Pillow would never write."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    body = chunk(b"IHDR", header) + (chunk(b"IDAT", idat) if idat is not None else b"")
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IEND", b"")


def decode_file(path: Path, **kwargs):
    """album's decoder on a file's bytes, as the indexer calls it."""
    from album.media import decode_photo

    return decode_photo(path.read_bytes(), path.name, **kwargs)


def copy_with_capture_exif(source: Path, target: Path, taken_at, lat: float | None = None,
                           lon: float | None = None) -> Path:
    """A copy of a real photo carrying a camera's capture time (and GPS position) in its EXIF."""
    from PIL import TiffImagePlugin

    with Image.open(source) as image:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"
        exif.get_ifd(0x8769)[0x9003] = taken_at.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
        if lat is not None and lon is not None:
            gps = exif.get_ifd(0x8825)

            def dms(value: float):
                value = abs(value)
                degrees, minutes = int(value), int(value * 60) % 60
                seconds = round((value * 3600) % 60, 4)
                return tuple(TiffImagePlugin.IFDRational(x) for x in (degrees, minutes, seconds))

            gps[1], gps[2] = ("N" if lat >= 0 else "S"), dms(lat)
            gps[3], gps[4] = ("E" if lon >= 0 else "W"), dms(lon)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(target, "JPEG", quality=90, exif=exif)
    return target
