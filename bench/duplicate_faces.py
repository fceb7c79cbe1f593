"""Portraits and the capture check, for bench/duplicates.py.

`faces`: the 234 LFW portraits in ../shared/data/faces (26 people, 9 photos each, no two of them
one capture) are indexed by a real Library and grouped: every "exact" or "same" group there is a
false one, whether it joins two people or two photos of one person. Portraits are where the
perceptual hash is weakest (one framing, dark suits, dark backgrounds), so this is the check that
"the same photo" means one capture (album/media/capture_match.py). Target: 0 groups.

`capture_check_ms`: what one capture check costs, measured on real thumbnails (an original and
an edited copy of it), thumbnails read from JPEG included as the finder reads them; the speed
run multiplies it by the checks a first run makes.
"""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from PIL import Image, ImageOps

from bench.duplicate_edits import DATA, EDITS, val_photos


def faces(model, args) -> None:
    from album.library import Library

    labels = DATA / "faces" / "labels.csv"
    if not labels.is_file():
        print("\n## Portraits: skipped, ../shared/data/faces is absent")
        return
    with open(labels, newline="", encoding="utf-8") as handle:
        person = {str(DATA / "faces" / row["file"]): row["person"] for row in csv.DictReader(handle)}
    work = Path(tempfile.mkdtemp(prefix="album-bench-faces-"))
    try:
        with Library.open(work / "library", model=model) as library:
            library.add_folder(DATA / "faces")
            library.index()
            runs = [("--baseline", args.baseline)] if args.baseline else []
            runs.append(("thresholds", args.thresholds))
            results = []
            for name, thresholds in runs:
                start = time.perf_counter()
                groups = library.duplicates(thresholds=thresholds)
                results.append((name, groups, time.perf_counter() - start))
            checks = library.database.query("SELECT COUNT(*) FROM capture_checks")[0][0]
        print(f"\n## Portraits: {len(person)} LFW photos of {len(set(person.values()))} people, model {model.model_id}")
        print("| run | exact/same groups | across different people | one person, different photos | similar groups "
              "| grouping s (first run) |")
        print("|---|---|---|---|---|---|")
        for name, groups, seconds in results:
            false = [g for g in groups if g.tier in ("exact", "same")]
            across = sum(len({person[p] for p in g.paths}) > 1 for g in false)
            tiers = Counter(g.tier for g in groups)
            print(f"| {name} | {len(false)} | {across} | {len(false) - across} | {tiers['similar']} | {seconds:.2f} |")
        print(f"capture checks measured: {checks}")
        for name, groups, _ in results:
            for g in [g for g in groups if g.tier in ("exact", "same")][:5]:
                print(f"   {name}: {g.tier}", [Path(p).name for p in g.paths], list(g.scores.values()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def capture_check_ms(pairs: int = 30) -> float:
    """Median milliseconds of one capture check on thumbnails of flickr8k val photos and edited
    copies of them (each edit of EDITS in turn), decoding the two JPEG thumbnails included."""
    from album.media.capture_match import match_captures
    from album.media.thumbnails import JPEG_QUALITY, make_thumbnail

    def thumbnail_bytes(image):
        out = io.BytesIO()
        make_thumbnail(image).save(out, "JPEG", quality=JPEG_QUALITY)
        return out.getvalue()

    edits = list(EDITS.values())
    times = []
    for i, path in enumerate(val_photos("choose")[:pairs]):
        original = Image.open(path).convert("RGB")
        _, edit = edits[i % len(edits)]
        copy = ImageOps.exif_transpose(Image.open(io.BytesIO(edit(original)))).convert("RGB")
        a, b = thumbnail_bytes(original), thumbnail_bytes(copy)
        start = time.perf_counter()
        match_captures(Image.open(io.BytesIO(a)), Image.open(io.BytesIO(b)))
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


class EveryPairOneCapture:
    """For synthetic photos, which have no pictures: says every pair is one capture, and counts
    the pairs a first run would have measured."""

    def __init__(self):
        self.pairs: set[tuple[str, str]] = set()

    def get(self, pairs, paths, cancel=None):
        from album.media.capture_match import CaptureMatch
        from album.services.duplicates.capture_checks import pair_of

        wanted = {pair_of(*p) for p in pairs}
        self.pairs |= wanted
        return {p: CaptureMatch(True, 1.0, 16, 1.0, 0.0) for p in wanted}
