"""Photos with human-written captions (COCO style, 1-5 per photo) that extend album-mini's training
data beyond flickr8k `train`, unlike the machine-written web captions of webdata.py.

Source (research data, never in this repository; training reads it from a cache folder): COCO
photos and their crowd-written COCO captions (annotations CC BY 4.0, photos under their Flickr
licences), gathered from public GitHub snapshots:

- photos: `nsimsiri/Image-Captioning` at 5496cf3bad1c914a99356ba37d997669be26e3f5,
  `data/val_resized2014/` (1,228 COCO val2014 photos, squashed to 256x256 without keeping the
  aspect ratio); `Obmutescence/COCO-MINI` at 644f29e7c1d2eefd9c4412d39bc5b0ee6fd0afd4,
  `train2017/` and `val2017/` (239 photos at their original size).
- captions, joined by COCO image id: the complete `captions_val2017.json` (blob a825900ab0d2 in
  `Farhana100/Bangla_Image_Captioning`), a 4,800-photo subset of `captions_val2014.json`
  (`Elsa1024/ece285_final_project` at 7c8658fc2132fd221c6a5c60659bc67d2346089e), COCO-MINI's own
  `annotations/captions_train2017.json`, and one caption per photo for 30,000 val2014 photos
  (`Yuhyeong/BK-SDM` at 32084913548cbee6eb31c74543ed0999a1d5664c,
  `data/mscoco_val2014_30k/metadata.csv`).

The cache folder holds `captions.csv` (`file,caption,source`, one row per caption, `file`
relative to the folder) and the photos under `images/`; its SOURCES.md gives the counts and the
script that assembled it. Pass the folder to training as `read_captioned(folder)`: `files` and
`captions` line up like flickr8k's (`caption_image` maps each flat caption to its photo).

Photos whose names look like Flickr8k/Flickr30k files (`<digits>_<hex>.jpg`, `<digits>.jpg`) are
refused: those collections hold album-mini's independent evaluation photos.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from album.errors import ModelError

CAPTIONS_FILE = "captions.csv"
SOURCES = (
    ("github.com/nsimsiri/Image-Captioning", "5496cf3bad1c914a99356ba37d997669be26e3f5", "data/val_resized2014/"),
    ("github.com/Obmutescence/COCO-MINI", "644f29e7c1d2eefd9c4412d39bc5b0ee6fd0afd4", "train2017/, val2017/, annotations/"),
    ("github.com/Farhana100/Bangla_Image_Captioning", "b295a0f8162f1c84efe6d04456929789a95ab849", "captions_val2017.json"),
    ("github.com/Elsa1024/ece285_final_project", "7c8658fc2132fd221c6a5c60659bc67d2346089e", "captions_val2014.json"),
    ("github.com/Yuhyeong/BK-SDM", "32084913548cbee6eb31c74543ed0999a1d5664c", "data/mscoco_val2014_30k/metadata.csv"),
)
# Flickr8k names its files <photo id>_<secret>.jpg and Flickr30k <photo id>.jpg.
FLICKR_COLLECTION_NAME = re.compile(r"^\d+(_[0-9a-f]+)?\.jpe?g$", re.IGNORECASE)


@dataclass
class CaptionedPhotos:
    files: list[Path]  # absolute paths, sorted by their name in captions.csv
    captions: list[list[str]]  # per photo, its distinct captions in file order (1 or more)
    sources: list[str]  # per photo, where its captions came from
    skipped: dict[str, int]  # reason → how many photos were left out

    @property
    def flat_captions(self) -> list[str]:
        return [caption for captions in self.captions for caption in captions]

    @property
    def caption_image(self) -> np.ndarray:
        """Per flat caption, the index of its photo in `files` (as features.FlickrCaptions has it)."""
        return np.repeat(np.arange(len(self.files)), [len(c) for c in self.captions])

    def __len__(self) -> int:
        return len(self.files)


def skip_reason(root: Path, name: str) -> str | None:
    """None when the photo `name` (relative to `root`) may be used, else why it is left out."""
    if FLICKR_COLLECTION_NAME.match(Path(name).name):
        return "named like a Flickr8k/Flickr30k photo"
    path = (root / name).resolve()
    if root.resolve() not in path.parents:
        return "outside the captions folder"
    if not path.is_file():
        return "photo missing"
    return None


def read_captioned(root: Path) -> CaptionedPhotos:
    """Every usable photo under `root` with its captions, in a fixed order (sorted by file name)."""
    root = Path(root)
    table = root / CAPTIONS_FILE
    if not table.is_file():
        raise ModelError(f"{table} is missing: {root} is not a captioned-photos folder")
    by_file: dict[str, list[str]] = {}
    source: dict[str, str] = {}
    with open(table, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = (row.get("file") or "").strip()
            caption = " ".join((row.get("caption") or "").split())
            if not name:
                continue
            captions = by_file.setdefault(name, [])
            if caption and caption.lower() not in {c.lower() for c in captions}:
                captions.append(caption)
            source.setdefault(name, (row.get("source") or "").strip())
    files, captions, sources, skipped = [], [], [], Counter()
    for name in sorted(by_file):
        reason = skip_reason(root, name) or (None if by_file[name] else "no caption")
        if reason:
            skipped[reason] += 1
            continue
        files.append((root / name).resolve())
        captions.append(by_file[name])
        sources.append(source[name])
    return CaptionedPhotos(files=files, captions=captions, sources=sources, skipped=dict(skipped))
