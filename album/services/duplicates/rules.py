"""When two photos are duplicates: the thresholds of each tier and the tests a pair must pass.

Pure functions of vectors, perceptual hashes, capture matches and capture facts; finding the
pairs (the index, the database, union-find) is finder.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from album.media.capture_match import CaptureMatch
from album.media.perceptual import crop_distance
from album.services.places import distance_km


@dataclass(frozen=True)
class DuplicateThresholds:
    """When two photos are duplicates, per tier. Cosines are of the library's model's vectors.

    The Hamming values hold for any model. The cosine values were measured on Flickr photos,
    their edited copies and distractors (bench/duplicates.py) with EfficientNet-Lite0 features,
    the image tower of album-mini; another model may want other cosines (the bench's --set).
    """

    # Nearest neighbours asked of the index per photo. Copies and burst frames are a photo's
    # very nearest, and union-find joins larger sets through their members' own neighbours.
    neighbours: int = 12
    # HNSW search breadth for those queries: near duplicates are found even with a narrow
    # search (recall@11 0.99 at ef=16 on 100k synthetic vectors, 0.995 at 64, at 3x the time).
    ef: int = 24
    # "same": (most differing hash bits, least cosine) steps; a pair is the same picture when it
    # passes any step. Edits flip 0-12 of 64 bits (crops and rotations the most), different
    # pictures 20-40, but two scenes with one layout (sea, beach, sky) can come within 12: the
    # further apart the hashes, the surer the model must be. The low first floor is because
    # greyscale copies score low with colour-minded models. With album-mini, different photos of
    # one kind of object (Caltech's grand pianos) reach cosine 0.87-0.94 at 18-28 bits, so the
    # wide steps demand near-identity: measured with bench/duplicates.py on album-mini.
    # The first step is for greyscale copies, which colour-minded models place far away (cosine
    # 0.34-0.5 with album-mini) while their hash is 0-2 bits off; different photos were never
    # within 8 bits (bench/duplicates.py, split A: 1,260 photos, every pair).
    same_steps: tuple[tuple[int, float], ...] = ((4, 0.2), (6, 0.45), (12, 0.9), (18, 0.975))
    # Pairs whose hashes are at most this many bits apart are candidates even when the index does
    # not list them among each other's neighbours (hash_neighbours.py; it finds up to 2 bits).
    hash_candidate_bits: int = 2
    # "same" also when one is the other cropped a few percent a side: (most differing bits of the
    # hashes at differing borders, perceptual.crop_distance; least cosine) steps. Copies cropped
    # 5% a side measure 0-2 bits (40 flickr8k "choose" photos, colour and greyscale crops;
    # cosine >= 0.86 in colour, >= 0.41 in grey), while different photos of one kind of object
    # on a plain background (Caltech's grand pianos, anchors, Windsor chairs) come within 4-10
    # bits at cosine 0.58-0.97: only a near-exact crop match counts, whatever the cosine.
    # The low floor is for greyscale copies that are also cropped.
    crop_steps: tuple[tuple[int, float], ...] = ((3, 0.35),)
    # A pair the hashes call "the same photo" must also be one capture: lined up, their detail
    # agrees in every part of the frame (album/media/capture_match.py). Hashes only see the
    # coarse layout, which different shots can share (LFW portraits of two men in dark suits
    # before dark backgrounds: 6 bits, cosine 0.93). The least agreement, the lowest patch
    # correlation of the detail, measured on thumbnails: edited copies 0.58-1.0 (2,000 copies of
    # 200 flickr8k val photos, every edit of bench/duplicate_edits.py), different photos of one
    # face or of one scene -0.7-0.05 (LFW portraits of one person or two; flickr8k pairs whose
    # hashes are within 16 bits); on Caltech, one clip-art recoloured 0.69, a stop sign with its
    # letters changed 0.30. -1 or less turns the check off (bench/duplicates.py --baseline).
    same_capture_agreement: float = 0.4
    similar_min_cosine: float = 0.85  # bursts and retakes of one scene (unrelated: <= 0.76)
    # "Similar shots" are what a photographer means: one moment or scene, so close in capture
    # time as well as in content. Photos of one kind of thing from unrelated sources (eight
    # different grand pianos) look alike to any model; only the camera's clock tells a burst
    # from them. Both photos need an EXIF capture time (file times say when a file was copied,
    # not when the picture was taken) within this many seconds of each other, and where both
    # know it, the same camera and a place within `similar_max_metres`.
    similar_max_seconds: float = 300.0
    similar_max_metres: float = 1000.0

    @property
    def same_min_cosine(self) -> float:
        return min((cosine for _, cosine in self.same_steps), default=2.0)

    @property
    def checks_captures(self) -> bool:
        return self.same_capture_agreement > -1.0

    @property
    def candidate_cosine(self) -> float:
        crop_min_cosine = min((cosine for _, cosine in self.crop_steps), default=2.0)
        return min(self.same_min_cosine, self.similar_min_cosine, crop_min_cosine)


DEFAULT = DuplicateThresholds()


class CaptureFacts:
    """Capture time (seconds, camera clock), camera and GPS position per content, as arrays."""

    def __init__(self, size: int):
        self.seconds = np.full(size, np.nan)
        self.camera = np.full(size, -1, dtype=np.int64)  # a code per camera name; -1: unknown
        self.lat, self.lon = np.full(size, np.nan), np.full(size, np.nan)
        self._codes: dict[str, int] = {}

    def set(self, h: int, taken_at: str | None, camera: str | None, lat: float | None, lon: float | None) -> None:
        try:
            moment = datetime.fromisoformat(taken_at) if taken_at else None
        except ValueError:
            moment = None
        if moment is not None:
            # The camera's own clock, read the same way for every photo: differences are what count.
            self.seconds[h] = moment.replace(tzinfo=timezone.utc).timestamp()
        if camera:
            self.camera[h] = self._codes.setdefault(camera, len(self._codes))
        if lat is not None and lon is not None:
            self.lat[h], self.lon[h] = lat, lon

    def close(self, a: np.ndarray, b: np.ndarray, t: DuplicateThresholds) -> np.ndarray:
        """Element-wise: contents a and b were taken close enough to be shots of one moment."""
        gap = np.abs(self.seconds[a] - self.seconds[b])
        close = gap <= t.similar_max_seconds  # False where either time is unknown (NaN)
        camera_a, camera_b = self.camera[a], self.camera[b]
        close &= (camera_a < 0) | (camera_b < 0) | (camera_a == camera_b)
        metres = 1000 * distance_km(self.lat[a], self.lon[a], self.lat[b], self.lon[b])
        close &= ~(metres > t.similar_max_metres)  # unknown places (NaN) do not separate
        return close


def same_picture(vector_a, vector_b, hashes_a: tuple[int, int, int] | None, hashes_b: tuple[int, int, int] | None,
                  t: DuplicateThresholds) -> bool:
    """The "same" tier's hash test for one pair (as duplicates._classify applies it to candidate
    edges); hashes are (phash, *zoom_hashes). The pair must also be one capture (one_capture)."""
    if vector_a is None or vector_b is None or hashes_a is None or hashes_b is None:
        return False
    cosine, hamming = float(np.dot(vector_a, vector_b)), (hashes_a[0] ^ hashes_b[0]).bit_count()
    if passes_same_steps(np.int64(hamming), np.float64(cosine), t):
        return True
    return passes_crop_steps(crop_distance(hashes_a, hashes_b), cosine, t)


def one_capture(capture: CaptureMatch | None, t: DuplicateThresholds) -> bool:
    """Lined up, the two pictures' detail agrees everywhere (or neither has detail to compare:
    a blank sky is told apart by nothing, and the hashes decide). Unreadable (None): not confirmed."""
    if not t.checks_captures:
        return True
    if capture is None or not capture.aligned:
        return False
    return capture.patches == 0 or capture.agreement >= t.same_capture_agreement


def passes_crop_steps(distance: int, cosine: float, t: DuplicateThresholds) -> bool:
    return any(distance <= max_bits and cosine >= min_cosine for max_bits, min_cosine in t.crop_steps)


def passes_same_steps(hamming, cosine, t: DuplicateThresholds):
    """Element-wise: passes any (most differing bits, least cosine) step; hamming < 0 is unknown."""
    same = np.zeros(np.shape(cosine), dtype=bool)
    for max_hamming, min_cosine in t.same_steps:
        same |= (hamming >= 0) & (hamming <= max_hamming) & (cosine >= min_cosine)
    return same
