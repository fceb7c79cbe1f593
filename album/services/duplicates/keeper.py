"""Which photo of a duplicate group to keep, and why, in words a user can check.

The rules are filters applied in order; each one that narrows the field adds its reason:
1. the largest resolution: a smaller copy lost pixels;
2. has an EXIF date or camera: a stripped copy lost when and with what it was taken;
3. a camera format (JPEG, HEIF, RAW) over a conversion (PNG, TIFF, WebP...) at equal size:
   a PNG made from a JPEG is bigger on disk but holds nothing more;
4. the older file (by more than 2 s): edited, converted and recompressed copies are made after
   their original; copy tools that keep file times make this a tie, and then
5. the larger file: at equal resolution and format, the original over a recompressed copy;
6. the path, so the choice is stable from run to run.

Similar shots (a burst, retakes of one scene) are different pictures, so those rules do not
apply to them: `choose_shot` suggests the sharpest frame, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from album.errors import AlbumError


class EmptyGroup(AlbumError):
    """A keeper was asked for among no photos."""


# What cameras and phones write. Everything else in a group next to one of these is more
# likely a conversion made later (exports, downloads, screenshots of the photo).
_CAMERA_FORMATS = frozenset({"JPEG", "HEIF", "HEIC", "MPO"})


@dataclass(frozen=True)
class PhotoFacts:
    """What the keeper rules look at: one row of `photos`."""

    id: int
    path: str
    content_hash: str
    width: int
    height: int
    size: int
    mtime_ns: int
    format: str
    has_exif: bool  # an EXIF capture date or camera make/model was read from the file

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def camera_format(self) -> bool:
        return self.format in _CAMERA_FORMATS or self.format.startswith("RAW-")


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 1e5 else f"{size / 1e3:.0f} KB"


def _sizes(kept: int, other: int) -> str:
    """'1.2 MB vs 0.9 MB', in bytes when the rounded sizes would read the same ('25 KB vs 25 KB')."""
    if _mb(kept) != _mb(other):
        return f"{_mb(kept)} vs {_mb(other)}"
    return f"{kept:,} vs {other:,} bytes"


def _best(score: Callable[[PhotoFacts], object]) -> Callable[[list[PhotoFacts]], list[PhotoFacts]]:
    def keep(field: list[PhotoFacts]) -> list[PhotoFacts]:
        top = max(score(p) for p in field)
        return [p for p in field if score(p) == top]

    return keep


# Two seconds: FAT and some copy tools round file times to that; closer than this is "as old".
_SAME_TIME_NS = 2_000_000_000


def _oldest(field: list[PhotoFacts]) -> list[PhotoFacts]:
    first = min(p.mtime_ns for p in field)
    return [p for p in field if p.mtime_ns <= first + _SAME_TIME_NS]


# (which photos stay in the running, the reason when that narrows the field), in order.
_RULES: list[tuple[Callable[[list[PhotoFacts]], list[PhotoFacts]], Callable[[PhotoFacts, list[PhotoFacts]], str]]] = [
    (_best(lambda p: p.pixels), lambda k, rest: f"largest resolution ({k.width}x{k.height})"),
    (_best(lambda p: p.has_exif), lambda k, rest: "has EXIF date/camera, the other copies are stripped"),
    (_best(lambda p: p.camera_format), lambda k, rest: f"camera format ({k.format}) over a converted copy"),
    (_oldest, lambda k, rest: "the oldest file: edited and recompressed copies are made after their original"),
    (
        _best(lambda p: p.size),
        lambda k, rest: f"larger file at equal resolution ({_sizes(k.size, max(r.size for r in rest))}): "
        "the original over a recompressed copy",
    ),
]


def choose_keeper(photos: Sequence[PhotoFacts]) -> tuple[PhotoFacts, str]:
    """The photo to keep and the reason, e.g. 'largest resolution (4000x3000)'."""
    if not photos:
        raise EmptyGroup("an empty group has no keeper")
    field = sorted(photos, key=lambda p: p.path)
    reasons = []
    for narrow, explain in _RULES:
        kept = narrow(field)
        if len(kept) < len(field):
            reasons.append(explain(kept[0], [p for p in field if p not in kept]))
            field = kept
        if len(field) == 1:
            break
    if len(field) > 1:
        reasons.append("identical copies: the first by path")
    return field[0], "; ".join(reasons)


# Sharpness within this fraction of the best counts as "as sharp": thumbnails are small.
_AS_SHARP = 0.9


def choose_shot(
    photos: Sequence[PhotoFacts], sharpness: dict[int, float], taken: dict[int, float]
) -> tuple[PhotoFacts, str]:
    """Of similar shots, the one to suggest keeping and why: the sharpest, then the largest.

    `taken`: capture time in seconds per photo id (the camera's clock), for the reason.
    """
    if not photos:
        raise EmptyGroup("an empty group has no keeper")
    field = sorted(photos, key=lambda p: p.path)
    times = [taken[p.id] for p in field if p.id in taken]
    what = f"{len(field)} shots taken within {_span(max(times) - min(times))}" if len(times) > 1 else f"{len(field)} shots"
    best = max((sharpness.get(p.id, 0.0) for p in field), default=0.0)
    sharp = [p for p in field if best > 0 and sharpness.get(p.id, 0.0) >= _AS_SHARP * best]
    if sharp and len(sharp) < len(field):
        return max(sharp, key=lambda p: sharpness.get(p.id, 0.0)), f"{what}; the sharpest"
    largest = _best(lambda p: p.pixels)(sharp or field)
    if len(largest) < len(sharp or field):
        return largest[0], f"{what}, equally sharp; the largest ({largest[0].width}x{largest[0].height})"
    return largest[0], f"{what}, equally sharp; the first by name"


def _span(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
