"""The hostile files of `bench.fuzz`, made from real files in ../shared/data with a seeded RNG.

Each `Case` makes its bytes when asked (some are built by streaming zlib, none is kept for the
whole run). Kinds, as the report groups them:
  original        the real files as they are: formats/, broken/, a few caltech101/ photos, videos/
  video as photo  the videos under photo suffixes (.heic and .avif are ISO boxes like an .mp4)
  random bytes    random bytes under photo suffixes, bare or behind a real format's magic
  truncated       real files cut at a few bytes, at their headers' end, and at 10-95 %
  mutated header  real files with 1-8 bytes of their first 1-4 KB changed, or a 16-bit field
                  set to 0x0000 / 0xFFFF (sizes, lengths, offsets)
  odd size        1 x N and N x 1 in every format that can hold them, 0 x 0 and 65535 x 65535
                  headers with little data, and valid pictures just under the pixel limit
  odd name        a real photo under very long, spaced, multi-line, dashed and unicode names
                  (valid UTF-8 only: names that are not are another piece of work)
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image

from album.media.pixels import DEFAULT_MAX_PIXELS

PHOTO_SUFFIXES = (".jpg", ".png", ".heic", ".avif", ".webp", ".tif", ".gif", ".bmp", ".dng", ".cr3")
MAGIC = {
    ".jpg": b"\xff\xd8\xff\xe0", ".png": b"\x89PNG\r\n\x1a\n", ".gif": b"GIF89a", ".tif": b"II*\x00",
    ".heic": b"\x00\x00\x00\x18ftypheic", ".avif": b"\x00\x00\x00\x1cftypavif", ".bmp": b"BM",
}
KINDS = ("odd size", "original", "truncated", "mutated header", "random bytes", "video as photo", "odd name")
# Just under album's pixel limit: valid pictures that really decode to ~170 MP.
NEAR_LIMIT_SIDE = int(DEFAULT_MAX_PIXELS**0.5) - 300


@dataclass(frozen=True)
class Case:
    kind: str  # the report's group (KINDS)
    name: str  # the file's name on disk
    what: str  # how it was made, for the report
    make: Callable[[], bytes]


def all_cases(data: Path, seed: int) -> list[Case]:
    rng = random.Random(seed)
    originals = _real_files(data)
    images = [p for p in originals if p.parent.name != "videos"]
    videos = [p for p in originals if p.parent.name == "videos"]
    cases = [Case("original", p.name, f"{p.parent.name}/{p.name}", p.read_bytes) for p in originals]
    for video in videos:
        for suffix in rng.sample((".heic", ".avif", ".jpg", ".png"), 2):
            cases.append(Case("video as photo", video.stem + suffix, f"videos/{video.name} named {suffix}",
                              video.read_bytes))
    cases += _random_bytes(rng)
    for path in images:
        cases += _truncations(path, rng)
        cases += _mutations(path, rng)
    cases += _odd_sizes(data)
    cases += _odd_names(data)
    return cases


def sample(cases: list[Case], count: int, seed: int) -> list[Case]:
    """`count` cases (0: all), every kind taking turns, so a short run still tries each kind."""
    rng = random.Random(seed)
    by_kind = {kind: [c for c in cases if c.kind == kind] for kind in KINDS}
    for kind in KINDS[1:]:  # odd sizes keep their order: the 1 x N slivers of the issue come first
        rng.shuffle(by_kind[kind])
    chosen: list[Case] = []
    while any(by_kind.values()) and (count <= 0 or len(chosen) < count):
        for kind in KINDS:
            if by_kind[kind] and (count <= 0 or len(chosen) < count):
                chosen.append(by_kind[kind].pop(0))
    return chosen


# --- from the real files ------------------------------------------------------------------------


def _real_files(data: Path) -> list[Path]:
    caltech = sorted((data / "caltech101" / "images").rglob("*.jpg"))[::400][:4]
    videos = [p for p in sorted((data / "videos").iterdir()) if p.suffix not in (".md", ".json")]
    return sorted((data / "formats").iterdir()) + sorted((data / "broken").iterdir()) + caltech + videos


def _random_bytes(rng: random.Random) -> list[Case]:
    cases = []
    for suffix in PHOTO_SUFFIXES:
        for length in rng.sample((1, 7, 100, 4096, 200_000), 2):
            seed = rng.getrandbits(32)
            cases.append(Case("random bytes", f"random_{length}{suffix}", f"{length} random bytes",
                              lambda seed=seed, length=length: random.Random(seed).randbytes(length)))
        if suffix in MAGIC:
            seed, length = rng.getrandbits(32), rng.choice((16, 1000, 50_000))
            cases.append(Case("random bytes", f"magic_random_{length}{suffix}",
                              f"{suffix} magic + {length} random bytes",
                              lambda seed=seed, length=length, magic=MAGIC[suffix]:
                              magic + random.Random(seed).randbytes(length)))
    return cases


def _truncations(path: Path, rng: random.Random) -> list[Case]:
    size = path.stat().st_size
    points = {1, 8, 64, 512, int(size * 0.1), int(size * 0.5), int(size * 0.95), size - 1}
    points = sorted(p for p in points if 0 < p < size)
    cases = []
    for cut in rng.sample(points, min(3, len(points))):
        cases.append(Case("truncated", f"cut{cut}_{path.name}",
                          f"{path.parent.name}/{path.name} cut at {cut:,} of {size:,} bytes",
                          lambda path=path, cut=cut: path.read_bytes()[:cut]))
    return cases


def _mutations(path: Path, rng: random.Random) -> list[Case]:
    size = path.stat().st_size
    cases = []
    for variant in range(3):
        seed = rng.getrandbits(32)
        span = min(size, rng.choice((64, 1024, 4096)))
        if variant < 2:
            what = f"{path.parent.name}/{path.name}: random bytes changed in its first {span} bytes"
        else:
            what = f"{path.parent.name}/{path.name}: a 16-bit field in its first {span} bytes set to 0 or 65535"
        cases.append(Case("mutated header", f"mut{variant}_{path.name}", what,
                          lambda path=path, seed=seed, span=span, variant=variant:
                          _mutate(path.read_bytes(), random.Random(seed), span, variant)))
    return cases


def _mutate(data: bytes, rng: random.Random, span: int, variant: int) -> bytes:
    out = bytearray(data)
    if len(out) < 4:
        return bytes(out)
    if variant < 2:
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(min(span, len(out)))] = rng.randrange(256)
    else:
        at = rng.randrange(max(1, min(span, len(out)) - 1))
        out[at : at + 2] = rng.choice((b"\x00\x00", b"\xff\xff"))
    return bytes(out)


# --- odd sizes ------------------------------------------------------------------------------------


def _odd_sizes(data: Path) -> list[Case]:
    jpeg = (data / "formats" / "DSCN0010.jpg").read_bytes()
    cases = [
        Case("odd size", "tall_1x100000.png", "1 x 100000 PNG (the issue's 475 bytes)",
             lambda: _saved((1, 100_000), "PNG")),
        Case("odd size", "wide_100000x1.png", "100000 x 1 PNG", lambda: _saved((100_000, 1), "PNG")),
        Case("odd size", "tall_1x65500.jpg", "1 x 65500 JPEG", lambda: _saved((1, 65_500), "JPEG")),
        Case("odd size", "wide_65500x1.jpg", "65500 x 1 JPEG", lambda: _saved((65_500, 1), "JPEG")),
        Case("odd size", "tall_1x16383.webp", "1 x 16383 WebP", lambda: _saved((1, 16_383), "WEBP")),
        Case("odd size", "wide_16383x1.webp", "16383 x 1 WebP", lambda: _saved((16_383, 1), "WEBP")),
        Case("odd size", "tall_1x65535.gif", "1 x 65535 GIF", lambda: _saved((1, 65_535), "GIF")),
        Case("odd size", "tall_1x100000.tif", "1 x 100000 TIFF", lambda: _saved((1, 100_000), "TIFF")),
        Case("odd size", "wide_100000x1.bmp", "100000 x 1 BMP", lambda: _saved((100_000, 1), "BMP")),
        Case("odd size", "tall_2x4096.heic", "2 x 4096 HEIC (x265 encodes no narrower or taller)",
             lambda: _saved((2, 4_096), "HEIF")),
        Case("odd size", "wide_16384x64.heic", "16384 x 64 HEIC", lambda: _saved((16_384, 64), "HEIF")),
        Case("odd size", "wide_65500x3_exif6.jpg", "65500 x 3 JPEG turned by EXIF orientation 6",
             lambda: _saved((65_500, 3), "JPEG", exif=_orientation(6))),
        Case("odd size", "zero_0x0.png", "PNG header saying 0 x 0", lambda: _png(0, 0, idat=zlib.compress(b""))),
        Case("odd size", "zero_0x100.png", "PNG header saying 0 x 100", lambda: _png(0, 100, idat=zlib.compress(b""))),
        Case("odd size", "zero_0x0.jpg", "a real JPEG whose frame header says 0 x 0", lambda: _jpeg_size(jpeg, 0, 0)),
        Case("odd size", "huge_65535x65535.png", "PNG header saying 65535 x 65535, 1 KB of data",
             lambda: _png(65_535, 65_535, idat=zlib.compress(bytes(1024)))),
        Case("odd size", "huge_65535x65535.jpg", "a real JPEG whose frame header says 65535 x 65535",
             lambda: _jpeg_size(jpeg, 65_535, 65_535)),
        Case("odd size", "huge_65535x2700.jpg", "a real JPEG whose frame header says 65535 x 2700 (177 MP)",
             lambda: _jpeg_size(jpeg, 65_535, 2_700)),
        Case("odd size", "tall_1x178000000.png", "PNG header saying 1 x 178,000,000, little data",
             lambda: _png(1, 178_000_000, idat=zlib.compress(bytes(4096)))),
    ]
    side = NEAR_LIMIT_SIDE
    for colour_type, depth, mode in ((2, 8, "RGB"), (6, 8, "RGBA"), (0, 16, "16-bit grey"), (0, 1, "1-bit")):
        cases.append(Case("odd size", f"near_limit_{side}x{side}_{mode.replace(' ', '_')}.png",
                          f"{side} x {side} {mode} PNG, all black (a valid picture of {side * side / 1e6:.0f} MP)",
                          lambda colour_type=colour_type, depth=depth: _blank_png(side, side, colour_type, depth)))
    cases.append(Case("odd size", "near_limit_600x280000_RGBA.png",
                      "600 x 280000 RGBA PNG, all black (a valid sliver of 168 MP)",
                      lambda: _blank_png(600, 280_000, 6, 8)))
    return cases


def _saved(size: tuple[int, int], fmt: str, **options) -> bytes:
    from album.media.pixels import register_plugins

    register_plugins()  # HEIF
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, fmt, **options)
    return buffer.getvalue()


def _orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, colour_type: int = 2, depth: int = 8, idat: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _blank_png(width: int, height: int, colour_type: int, depth: int) -> bytes:
    """A valid all-zero PNG, compressed row by row: ~1,000 times smaller than its pixels."""
    channels = {0: 1, 2: 3, 6: 4}[colour_type]
    row = bytes(1 + (width * channels * depth + 7) // 8)  # filter byte 0, then the row
    packer = zlib.compressobj(9)
    parts = [packer.compress(row * 100) for _ in range(height // 100)]
    parts += [packer.compress(row * (height % 100)), packer.flush()]
    return _png(width, height, colour_type, depth, idat=b"".join(parts))


def _jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """A real JPEG whose start-of-frame header claims another size (its scan data unchanged)."""
    at = 2
    while at + 9 < len(jpeg):
        marker, length = jpeg[at + 1], struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xC3:
            return jpeg[: at + 5] + struct.pack(">HH", height, width) + jpeg[at + 9 :]
        at += 2 + length
    raise ValueError("no start-of-frame marker")


# --- odd names --------------------------------------------------------------------------------------


def _odd_names(data: Path) -> list[Case]:
    photo = data / "formats" / "DSCN0012.jpg"
    names = [
        "a" * 251 + ".jpg",  # 255 bytes: the longest name most file systems allow
        "ä" * 125 + ".jpg",  # 254 bytes of UTF-8 in 129 characters
        "  spaces  around  .jpg",
        "line\nbreak.jpg",
        "tab\there.jpg",
        "-rf.jpg",
        "--help.jpg",
        "фото 📷 写真.jpg",
        "cafe\u0301.jpg",  # decomposed é (NFD), as macOS writes names
        "quote'\"back\\slash.jpg",
        "%s%n%x.jpg",
        "UPPER.JPG",
        "no_suffix",
        "two.dots..jpg",
    ]
    return [Case("odd name", name, f"formats/{photo.name} named {name!r}", photo.read_bytes) for name in names]
