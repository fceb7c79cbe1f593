"""Capture date, GPS and camera model as album reads them, against exiftool: `python -m bench.metadata`.

The corpus is public test images of other projects, never kept in this repository:
exiftool's `t/images` (real camera files of many makers and years, pixel data stripped) and
Pillow's `Tests/images`. Assemble it once from git clones of the two projects:

    python -m bench.metadata --assemble path/to/exiftool.git path/to/Pillow.git

which copies their image files into the corpus folder (default: $ALBUM_BENCH_CACHE/metadata,
else ~/.cache/album-bench/metadata) and records each repository's commit in SOURCES.txt. Then
`python -m bench.metadata` compares. It needs exiftool (Debian: libimage-exiftool-perl) and
says so and stops when it is missing.

album's side: `read_metadata`, the same reading decode_photo does (Pillow's EXIF, exiv2's
EXIF/XMP/IPTC/maker blocks, capture_time's order), without decoding pixels (most of
exiftool's test files have none). exiftool's side, per field, in the order a photographer
expects (the order album implements, applied to exiftool's own reading):
- date: EXIF DateTimeOriginal, EXIF CreateDate (DateTimeDigitized), then XMP
  exif:DateTimeOriginal / xmp:CreateDate / photoshop:DateCreated and IPTC date+time (exiftool's
  Composite:DateTimeOriginal; one with a time of day before a bare day), then a maker block's
  DateTimeOriginal (Casio, FLIR...), then EXIF ModifyDate; a bare day (IPTC/photoshop
  DateCreated) gives way to ModifyDate on that same day. A value that is not a valid date
  (second 70, zeros) counts as absent. Compared to the second.
- GPS: exiftool's Composite:GPSLatitude/GPSLongitude, to 1e-5 degrees; 0,0 counts as absent
  (album drops it: what receivers without a fix write).
- model: IFD0 Model, else any group's Model; compared after stripping.
A field counts when either side has a value; agreement is both equal. Target: >= 98%.
Files of formats album does not index (X3F, CRW, PSD...) are left out: album never reads them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

# What album indexes (album.media.formats.SUPPORTED_EXTENSIONS); other formats (X3F, CRW, PSD...)
# never reach album's reader, so they are not counted.
IMAGE_SUFFIXES = {
    ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".png", ".webp", ".heic", ".heif", ".hif", ".avif", ".bmp", ".gif",
    ".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".rw2", ".orf",
}
SOURCES = {"exiftool": "t/images", "pillow": "Tests/images"}
MAX_FILE = 3_000_000
TAGS = ["-DateTimeOriginal", "-CreateDate", "-ModifyDate", "-DateCreated", "-GPSLatitude", "-GPSLongitude",
        "-Model"]


def default_corpus() -> Path:
    base = os.environ.get("ALBUM_BENCH_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "album-bench") / "metadata"


# --- assembling the corpus -----------------------------------------------------------------------


def assemble(corpus: Path, exiftool_git: Path, pillow_git: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, repo in (("exiftool", exiftool_git), ("pillow", pillow_git)):
        commit = _git(repo, "rev-parse", "HEAD").strip()
        folder = corpus / name
        folder.mkdir(exist_ok=True)
        count = 0
        for row in _git(repo, "ls-tree", "-r", "-l", "HEAD", SOURCES[name]).splitlines():
            meta, path = row.split("\t", 1)
            _, _, sha, size = meta.split()
            if Path(path).suffix.lower() not in IMAGE_SUFFIXES or not size.isdigit() or int(size) > MAX_FILE:
                continue
            target = folder / path[len(SOURCES[name]) + 1 :].replace("/", "_")
            target.write_bytes(subprocess.run(["git", "-C", str(repo), "cat-file", "blob", sha],
                                              check=True, capture_output=True).stdout)
            count += 1
        lines.append(f"{name}: {count} files from {SOURCES[name]} at commit {commit}")
    (corpus / "SOURCES.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


# --- exiftool's reading ----------------------------------------------------------------------------

_FIRST = ["ExifIFD:DateTimeOriginal", "IFD0:DateTimeOriginal", "ExifIFD:CreateDate"]
_EDITOR = ["XMP-exif:DateTimeOriginal", "XMP-xmp:CreateDate", "XMP-photoshop:DateCreated", "Composite:DateTimeOriginal",
           "IPTC:DateCreated"]
_STANDARD_GROUPS = {"ExifIFD", "IFD0", "IFD1", "IFD2", "XMP-exif", "XMP-xmp", "XMP-photoshop", "Composite",
                    "IPTC", "IPTC2", "PNG", "QuickTime", "XMP-tiff"}


def exiftool_reading(files: list[Path]) -> dict[str, dict]:
    out = subprocess.run(["exiftool", "-j", "-n", "-G1", "-a", "-q", "-q", *TAGS, *map(str, files)],
                         capture_output=True, text=True)
    return {row["SourceFile"]: row for row in json.loads(out.stdout or "[]")}


_EXIFTOOL_DATE = re.compile(r"\s*(\d{4}):(\d{2}):(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?")


def _date(text) -> tuple[datetime, bool] | None:
    """exiftool's date text -> (local time, has a time of day); None when it is not a valid date."""
    match = _EXIFTOOL_DATE.match(text) if isinstance(text, str) else None
    if not match:
        return None
    try:
        moment = datetime(*(int(g or 0) for g in match.groups()))
    except ValueError:  # month 0, second 70...
        return None
    return (moment, match[4] is not None) if moment.year >= 1826 else None


def reference(row: dict) -> dict:
    date = None
    for key in _FIRST:
        parsed = _date(row.get(key))
        if parsed and parsed[1]:
            date = parsed[0]
            break
    modified = _date(row.get("IFD0:ModifyDate"))
    modified = modified[0] if modified and modified[1] else None
    if date is None:
        editor = [p for p in (_date(row.get(k)) for k in _EDITOR) if p]
        timed = [p for p in editor if p[1]]
        if timed:
            date = timed[0][0]
        elif editor and (modified is None or modified.date() != editor[0][0].date()):
            date = editor[0][0]  # a bare day, unless ModifyDate gives that day's time
    if date is None:
        makers = [k for k in row if k.endswith(":DateTimeOriginal") and k.split(":")[0] not in _STANDARD_GROUPS]
        for key in makers:
            parsed = _date(row[key])
            if parsed and parsed[1]:
                date = parsed[0]
                break
    if date is None:
        date = modified
    lat, lon = row.get("Composite:GPSLatitude"), row.get("Composite:GPSLongitude")
    gps = (float(lat), float(lon)) if isinstance(lat, (int, float)) and isinstance(lon, (int, float)) else None
    if gps == (0.0, 0.0):
        gps = None
    model = row.get("IFD0:Model")
    if model is None:
        model = next((v for k, v in row.items() if k.endswith(":Model")), None)
    model = str(model).strip() or None if model is not None else None
    return {"date": date, "gps": gps, "model": model}


# --- album's reading --------------------------------------------------------------------------------


def album_reading(path: Path) -> dict:
    from album.media.decode import read_metadata

    meta = read_metadata(path.read_bytes(), path.name)
    date = meta.taken_at.replace(microsecond=0) if meta.taken_at else None
    gps = (meta.gps_lat, meta.gps_lon) if meta.gps_lat is not None else None
    return {"date": date, "gps": gps, "model": meta.camera_model, "source": meta.taken_at_source}


def agree(field: str, ours, theirs) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if field == "gps":
        return abs(ours[0] - theirs[0]) < 1e-5 and abs(ours[1] - theirs[1]) < 1e-5
    return ours == theirs


def compare(corpus: Path, show: int) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        sys.exit(f"no corpus in {corpus}: assemble it first (see `python -m bench.metadata --help`)")
    theirs = exiftool_reading(files)
    counted, agreed, sources = Counter(), Counter(), Counter()
    misses = []
    for path in files:
        ref = reference(theirs.get(str(path), {}))
        ours = album_reading(path)
        sources[ours["source"] or "none"] += 1
        for field in ("date", "gps", "model"):
            if ref[field] is None and ours[field] is None:
                continue
            counted[field] += 1
            if agree(field, ours[field], ref[field]):
                agreed[field] += 1
            else:
                misses.append((path.relative_to(corpus), field, ours[field], ref[field]))
    print(f"\n## Metadata against exiftool {_exiftool_version()}: {len(files)} files in {corpus}")
    if (corpus / "SOURCES.txt").is_file():
        print("".join(f"  {line}\n" for line in (corpus / "SOURCES.txt").read_text().splitlines()))
    print("| field | files with a value | agree | agreement |")
    print("|---|---|---|---|")
    for field in ("date", "gps", "model"):
        print(f"| {field} | {counted[field]} | {agreed[field]} | {agreed[field] / max(counted[field], 1):.1%} |")
    total_n, total_ok = sum(counted.values()), sum(agreed.values())
    print(f"| all | {total_n} | {total_ok} | {total_ok / max(total_n, 1):.1%} |  (target >= 98%)")
    print(f"\nwhere album's dates came from: {dict(sources)}")
    print(f"\ndisagreements ({len(misses)}):")
    for path, field, ours, ref in misses[:show]:
        print(f"  {path} {field}: album {ours!r}, exiftool {ref!r}")


def _exiftool_version() -> str:
    return subprocess.run(["exiftool", "-ver"], capture_output=True, text=True).stdout.strip()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=default_corpus())
    parser.add_argument("--assemble", nargs=2, type=Path, metavar=("EXIFTOOL_GIT", "PILLOW_GIT"),
                        help="copy the test images of these two git repositories into the corpus")
    parser.add_argument("--show", type=int, default=30, help="disagreements to list")
    args = parser.parse_args(argv)
    if args.assemble:
        assemble(args.corpus, *args.assemble)
        return
    if shutil.which("exiftool") is None:
        print("skipped: exiftool is not installed (Debian/Ubuntu: apt-get install libimage-exiftool-perl)")
        return
    compare(args.corpus, args.show)


if __name__ == "__main__":
    main()
