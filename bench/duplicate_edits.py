"""The edit set bench.duplicates measures on: real Flickr8k `val` photos from ../shared/data,
each with the edited copies people make (EDITS), byte-identical backups, unrelated distractors
and simulated bursts, written to a folder with the truth about every file (`build_quality_set`).
The val photos are split in two fixed halves by file name (SPLITS): thresholds are chosen on
"choose" and reported on "report"."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PIL import Image, ImageEnhance, ImageOps

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA = REPO_ROOT.parent / "shared" / "data"
DAY_NS = 86_400 * 10**9


# --- the edits ------------------------------------------------------------------------------------


def _jpeg(image: Image.Image, quality: int = 90, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = image.size
    return image.crop((round(w * left), round(h * top), round(w * (1 - right)), round(h * (1 - bottom))))


def exif_rotated(image: Image.Image) -> bytes:
    """The pixels stored turned a quarter left, with EXIF orientation 6 saying 'turn right to view'."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return _jpeg(image.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes())


def straightened(image: Image.Image, degrees: float) -> Image.Image:
    """Rotated, then cropped to the largest centred rectangle without corners: an editor's 'straighten'."""
    w, h = image.size
    a = math.radians(abs(degrees))
    scale = 1 / (math.cos(a) + max(w, h) / min(w, h) * math.sin(a))
    rotated = image.rotate(degrees, Image.Resampling.BICUBIC)
    return _crop(rotated, *(((1 - scale) / 2,) * 4))


# name -> (suffix, make bytes from the upright RGB original)
EDITS: dict[str, tuple[str, Callable[[Image.Image], bytes]]] = {
    "resized 50%": (".jpg", lambda im: _jpeg(im.resize((im.width // 2, im.height // 2), Image.Resampling.LANCZOS))),
    "recompressed q40": (".jpg", lambda im: _jpeg(im, quality=40)),
    "cropped 5%": (".jpg", lambda im: _jpeg(_crop(im, 0.03, 0.02, 0.02, 0.03))),
    "cropped 5% a side": (".jpg", lambda im: _jpeg(_crop(im, 0.05, 0.05, 0.05, 0.05))),
    "brightened +30%": (".jpg", lambda im: _jpeg(ImageEnhance.Brightness(im).enhance(1.3))),
    "greyscale": (".jpg", lambda im: _jpeg(ImageOps.grayscale(im))),
    "PNG copy": (".png", _png),
    "EXIF-rotated": (".jpg", exif_rotated),
    "rotated 3deg": (".jpg", lambda im: _jpeg(im.rotate(3, Image.Resampling.BICUBIC))),
    "rotated 3deg, straightened": (".jpg", lambda im: _jpeg(straightened(im, 3))),
}


def burst_frames(image: Image.Image, count: int, rng: random.Random, start: str = "2021:06:01 10:00:00") -> list[bytes]:
    """Frames of a simulated burst: an 80% window panning across the scene, exposure jittered,
    each with the EXIF capture time a camera writes, one second apart from `start`."""
    frames = []
    base = time.strptime(start, "%Y:%m:%d %H:%M:%S")
    for i in range(count):
        shift = 0.2 * i / max(count - 1, 1)
        frame = _crop(image, shift, shift / 2, 0.2 - shift, 0.1 - shift / 2).resize(image.size, Image.Resampling.LANCZOS)
        exif = Image.Exif()
        exif[0x0110] = "BENCH CAM"
        exif.get_ifd(0x8769)[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S", time.localtime(time.mktime(base) + i))
        frames.append(_jpeg(ImageEnhance.Brightness(frame).enhance(rng.uniform(0.92, 1.08)), exif=exif.tobytes()))
    return frames


# --- 1. quality -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Truth:
    family: str  # photos of one family are duplicates: 'edit:N', 'burst:N' or 'alone:path'
    kind: str  # 'original', an EDITS name, 'exact copy', 'burst frame' or 'distractor'


# The thresholds are chosen on one half of the photos ("choose") and reported on the other
# ("report"): a fixed split by file name, so numbers printed for "report" were never tuned on.
SPLITS = ("choose", "report")


def val_photos(split: str | None = None) -> list[Path]:
    with open(DATA / "flickr8k" / "captions.csv", newline="", encoding="utf-8") as handle:
        files = sorted({row["file"] for row in csv.DictReader(handle) if row["split"] == "val"})
    if split is not None:
        files = [f for f in files if SPLITS[int(hashlib.sha256(f.encode()).hexdigest(), 16) % 2] == split]
    return [DATA / "flickr8k" / f for f in files]


def build_quality_set(
    folder: Path, originals: int, distractors: int, bursts: int, seed: int = 0, split: str | None = None
) -> dict[str, Truth]:
    photos = val_photos(split)
    rng = random.Random(seed)
    rng.shuffle(photos)
    if len(photos) < originals + distractors + bursts:
        raise SystemExit(f"only {len(photos)} val photos: ask for fewer")
    truth: dict[str, Truth] = {}
    old = time.time_ns() - 400 * DAY_NS  # originals were imported long before the copies were made

    def write(path: Path, data: bytes, t: Truth, mtime_ns: int | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime_ns:
            os.utime(path, ns=(mtime_ns, mtime_ns))
        truth[str(path)] = t

    for i, source in enumerate(photos[:originals]):
        data = source.read_bytes()
        family = f"edit:{i}"
        write(folder / "camera" / f"IMG_{i:04d}.jpg", data, Truth(family, "original"), old)
        image = Image.open(io.BytesIO(data)).convert("RGB")
        for j, (name, (suffix, edit)) in enumerate(EDITS.items()):
            write(folder / "edits" / f"IMG_{i:04d}_e{j}{suffix}", edit(image), Truth(family, name))
        if i % 4 == 0:
            write(folder / "backup" / f"IMG_{i:04d}.jpg", data, Truth(family, "exact copy"), old)
    for source in photos[originals : originals + distractors]:
        write(folder / "other" / source.name, source.read_bytes(), Truth(f"alone:{source.name}", "distractor"), old)
    for b, source in enumerate(photos[originals + distractors : originals + distractors + bursts]):
        image = Image.open(source).convert("RGB")
        for f, frame in enumerate(burst_frames(image, 3, rng, start=f"2021:06:{1 + b % 28:02d} {8 + b % 10:02d}:00:00")):
            write(folder / "bursts" / f"BURST_{b:03d}_{f}.jpg", frame, Truth(f"burst:{b}", "burst frame"), old)
    return truth
