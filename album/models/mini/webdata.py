"""Captioned web photos that extend album-mini's training data beyond flickr8k `train`.

Source (research data, never in this repository; training reads it from a cache folder):
GitHub `heon01px2020/csci1470-prismer-final-project` at commit
e059e1606aef04521e399c2b421438a46658a018 (the folder was deleted later), folder `data/`:
five shards `00000`-`00004` of 18,643 web photos, each `<key>.jpg` (downscaled to fit 256x256,
aspect kept, centred on white padding) with `<key>.json` (one caption in the Conceptual Captions
style, the source URL, the original size, a sha256 of the photo). Unpack it with e.g.

    git --git-dir=<mirror> archive e059e1606aef04521e399c2b421438a46658a018 data | tar -x -C CACHE/prismer

and pass `--web CACHE/prismer/data` to `python -m album.models.mini.train`.

Not every pair is a photo: about a seventh are graphics (vector art, logos, clip art, posters,
rendered text) whose captions say so, and a few dozen are placeholders that many keys share.
`read_web_pairs` drops both (`keep_reason` says why for each), and photos whose original was
too small to show anything.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SOURCE = ("github.com/heon01px2020/csci1470-prismer-final-project", "e059e1606aef04521e399c2b421438a46658a018",
          "data/")
PADDED_SIZE = 256  # the shards' photos were fitted into this square
MIN_ORIGINAL_SIDE = 128  # smaller originals are thumbnails or placeholders

# Words with which a caption admits the picture is made, not photographed.
GRAPHIC_WORDS = re.compile(
    r"\b(vectors?|illustrations?|cartoons?|logos?|icons?|clip ?art|cliparts?|templates?|seamless|infographics?|"
    r"fonts?|typography|silhouettes?|drawings?|sketch(es)?|posters?|banners?|stickers?|emblems?|badges?|"
    r"render(ing|ed)?|doodles?|patterns?|diagrams?|png|transparent|text|quotes?|comics?|animated|animation|"
    r"flyers?|graphics?|concept art|wallpapers?|clipart|coloring|colouring|screenshot|screen shot|mockup)\b")


@dataclass
class WebPairs:
    files: list[Path]  # absolute paths of the kept photos, sorted by shard and key
    captions: list[str]  # one per photo
    boxes: list[tuple[int, int, int, int]]  # the photo's area inside the white padding (l, t, r, b)
    dropped: dict[str, int]  # reason → how many pairs were left out


def content_box(original_width: int, original_height: int, size: int = PADDED_SIZE) -> tuple[int, int, int, int]:
    """Where a photo of the original size sits after being fitted into a centred size x size square."""
    scale = size / max(original_width, original_height)
    width = max(1, min(size, round(original_width * scale)))
    height = max(1, min(size, round(original_height * scale)))
    left, top = (size - width) // 2, (size - height) // 2
    return left, top, left + width, top + height


def keep_reason(meta: dict, copies: int) -> str | None:
    """None when the pair is a usable photo, else why it is left out."""
    caption = str(meta.get("caption") or "").strip()
    if not caption:
        return "no caption"
    if copies > 1:
        return "placeholder (same bytes as other keys)"
    if min(int(meta.get("original_width") or 0), int(meta.get("original_height") or 0)) < MIN_ORIGINAL_SIDE:
        return "original too small"
    if GRAPHIC_WORDS.search(caption.lower()):
        return "graphic, not a photo"
    return None


def read_web_pairs(root: Path) -> WebPairs:
    """Every kept (photo, caption) pair under `root` (the unpacked `data/` folder), in a fixed order."""
    metas = []
    for meta_path in sorted(Path(root).glob("*/*.json")):
        image_path = meta_path.with_suffix(".jpg")
        if image_path.is_file():
            metas.append((image_path, json.loads(meta_path.read_text(encoding="utf-8"))))
    copies = Counter(meta.get("sha256") for _, meta in metas)
    files, captions, boxes, dropped = [], [], [], Counter()
    for image_path, meta in metas:
        reason = keep_reason(meta, copies[meta.get("sha256")] if meta.get("sha256") else 1)
        if reason:
            dropped[reason] += 1
            continue
        files.append(image_path)
        captions.append(" ".join(str(meta["caption"]).split()))
        boxes.append(content_box(int(meta["original_width"]), int(meta["original_height"])))
    return WebPairs(files=files, captions=captions, boxes=boxes, dropped=dict(dropped))
