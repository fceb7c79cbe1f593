"""Real photos and the edited copies people make of them (resized, recompressed, cropped,
brightened, greyscale, PNG, EXIF-rotated, turned 3 degrees), for the duplicate and trash tests."""

import hashlib
import io
import os
import shutil
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

from album.services.duplicates import DuplicateFinder, DuplicateThresholds


# The tiny test model is random: its cosines say nothing about pictures (every pair scores
# ~0.94). So every pair is made a candidate and the perceptual hash alone decides "same";
# the "similar" tier and the cosine-assisted rule are switched off. With a real model the
# defaults apply (see test_real_model_tiers).
PHASH_ONLY = DuplicateThresholds(neighbours=64, same_steps=((12, -1.0),), similar_min_cosine=2.0)
# Originals were imported long before the copies were made: a fixed moment (1 Jan 2015), not one
# counted back from the clock, which a faked date can put after the copies' real file times.
OLD_NS = 1_420_070_400 * 10**9


# --- edits of a photo, as people make them ---------------------------------------------------------


def jpeg_bytes(image, quality=90, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **params)
    return out.getvalue()


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _exif_rotated(image) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn right to view": the stored pixels are turned left
    return jpeg_bytes(image.transpose(Image.Transpose.ROTATE_90), exif=exif.tobytes())


def _cropped(image) -> bytes:
    w, h = image.size  # 5% of the width and height, unevenly from the sides
    return jpeg_bytes(image.crop((round(w * 0.03), round(h * 0.02), round(w * 0.98), round(h * 0.97))))


EDITS = {
    "resized.jpg": lambda im: jpeg_bytes(im.resize((im.width * 6 // 10, im.height * 6 // 10), Image.Resampling.LANCZOS)),
    "q40.jpg": lambda im: jpeg_bytes(im, quality=40),
    "cropped.jpg": _cropped,
    "brighter.jpg": lambda im: jpeg_bytes(ImageEnhance.Brightness(im).enhance(1.3)),
    "grey.jpg": lambda im: jpeg_bytes(ImageOps.grayscale(im)),
    "copy.png": _png,
    "exif-rotated.jpg": _exif_rotated,
    "rotated3.jpg": lambda im: jpeg_bytes(im.rotate(3, Image.Resampling.BICUBIC)),
}


def make_family(original: Path, folder: Path, edits=EDITS) -> list[Path]:
    """Copy a real photo in as an old original, and write its edited copies beside it."""
    target = folder / original.name
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(original, target)
    os.utime(target, ns=(OLD_NS, OLD_NS))
    image = Image.open(target).convert("RGB")
    copies = []
    for suffix, edit in edits.items():
        copy = folder / "edited" / f"{original.stem}-{suffix}"
        copy.parent.mkdir(exist_ok=True)
        copy.write_bytes(edit(image))
        copies.append(copy)
    return [target, *copies]


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def finder_of(library) -> DuplicateFinder:
    return DuplicateFinder(
        library.database, library.embeddings, library.vector_index(), library.model_id, library.thumbnails.path_for
    )
