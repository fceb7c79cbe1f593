"""Finding duplicate photos in three tiers, and remembering the pairs a user said are not.

- "exact": the same bytes (same content hash).
- "same": the same picture, edited: resized, recompressed, cropped a little, brightened,
  greyscale, another format, rotated by EXIF or a few degrees.
- "similar": different pictures of one moment or scene (bursts, retakes).

How: every photo's nearest neighbours in the HNSW index (one batched query) give the candidate
pairs above a cosine floor. The embedding alone cannot tell an edited copy from the next frame
of a burst (both score ~0.9+), so the "same" tier is decided by the perceptual hash: an edited
copy keeps the coarse layout of light and dark (few bits differ), a burst frame does not. A copy
cropped a few percent a side moves that layout against the frame; hashes of tighter centres
(perceptual.crop_distance) line the two up again. The layout is all a hash sees, and different
shots can share it (two studio portraits in dark suits before dark backgrounds, passport photos,
products on white): a "same" pair must also be one capture, its detail agreeing everywhere once
one picture is lined up on the other (capture_match.py; measured on the thumbnails for each
member against its keeper, and kept in the database). A pair that is not one capture can
still be "similar".
Pairs are grouped per tier by union-find, the tightest tier first, so the tiers do not mix:
a photo appears in at most one group, and exact copies inside a "same" group are not listed again
as an "exact" group. Pairs the user marked "not duplicates", and RAW+JPEG pairs of one shot,
never end up in one group.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from album.errors import Cancelled
from album.index.hnsw import VectorIndex
from album.media.formats import RAW_EXTENSIONS
from album.media.perceptual import crop_distance, hamming_many
from album.media.sharpness import sharpness_of
from album.progress import CancelToken, Progress, ProgressCallback
from album.services.duplicates.capture_checks import CaptureCheckCache, pair_of
from album.services.duplicates.grouping import ConstrainedUnionFind
from album.services.duplicates.groups import DuplicateError, DuplicateGroup, GroupMember
from album.services.duplicates.rules import (DEFAULT, CaptureFacts, DuplicateThresholds, one_capture, passes_crop_steps,
                                           passes_same_steps, same_picture)
from album.services.duplicates.hash_neighbours import near_hash_pairs
from album.services.duplicates.keeper import PhotoFacts, choose_keeper, choose_shot
from album.services.indexing import PerceptualHashCache
from album.store.chunks import execute_in
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository

log = logging.getLogger(__name__)

TIERS = ("exact", "same", "similar")
_BATCH = 4096  # query vectors per hnswlib call: big enough for its threads, small in memory
# The JPEG that a camera writes next to its RAW file (RAW+JPEG mode): a pair, not duplicates.
_RAW_COMPANION_SUFFIXES = frozenset({".jpg", ".jpeg", ".heic", ".heif", ".hif"})


@dataclass
class _Edges:
    """Candidate pairs of distinct contents: hash indices a < b, best cosine, Hamming distance."""

    a: np.ndarray
    b: np.ndarray
    cosine: np.ndarray
    hamming: np.ndarray  # -1 where a hash is unknown

    def select(self, mask: np.ndarray) -> "_Edges":
        return _Edges(self.a[mask], self.b[mask], self.cosine[mask], self.hamming[mask])

    def concat(self, other: "_Edges") -> "_Edges":
        return _Edges(np.r_[self.a, other.a], np.r_[self.b, other.b], np.r_[self.cosine, other.cosine],
                      np.r_[self.hamming, other.hamming])


class DuplicateFinder:
    def __init__(
        self,
        database: Database,
        embeddings: EmbeddingRepository,
        index: VectorIndex,
        model_id: str,
        thumbnail_path: Callable[[str], Path],
        capture_checks: CaptureCheckCache | None = None,
    ):
        """`capture_checks`: how pairs are found to be one capture (default: measured on the
        thumbnails and kept in the database)."""
        self._db = database
        self._embeddings = embeddings
        self._index = index
        self._model_id = model_id
        self._phashes = PerceptualHashCache(database, thumbnail_path)
        self._capture_checks = capture_checks or CaptureCheckCache(database, thumbnail_path)
        self._thumbnail_path = thumbnail_path

    # --- decisions ------------------------------------------------------------------------------

    def mark_not_duplicates(self, photo_ids: Iterable[int]) -> int:
        """Remember that these photos are not duplicates of each other (every pair of them).

        Stored by content hash, so the decision survives rescans, renames and moves. Byte-identical
        copies cannot be told apart, so a pair with one content hash is skipped. Returns how many
        pairs were recorded.
        """
        ids = list(dict.fromkeys(int(i) for i in photo_ids))
        facts = self._photo_facts(ids)
        missing = sorted(set(ids) - facts.keys())
        if missing:
            raise DuplicateError(f"no such photos in the library: {missing}")
        hashes = sorted({f.content_hash for f in facts.values()})
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        pairs = list(itertools.combinations(hashes, 2))
        with self._db.write() as db:
            for hash_a, hash_b in pairs:
                db.execute(
                    "INSERT OR IGNORE INTO not_duplicates (hash_a, hash_b, decided_at) VALUES (?, ?, ?)",
                    (hash_a, hash_b, now),
                )
        return len(pairs)

    def _not_duplicate_pairs(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._db.query("SELECT hash_a, hash_b FROM not_duplicates")]

    # --- finding --------------------------------------------------------------------------------

    def find(
        self,
        tier: str | None = None,
        thresholds: DuplicateThresholds = DEFAULT,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> list[DuplicateGroup]:
        """Duplicate groups of one tier, or of all tiers (None): exact, then same, then similar,
        largest first.

        tier="exact" lists every set of byte-identical copies; with all tiers, copies that also
        have edited versions are listed once, inside their "same" group. Progress is reported
        per batch of index queries ('duplicates', photos done, total); cancelling raises
        Cancelled.
        """
        if tier is not None and tier not in TIERS:
            raise DuplicateError(f"unknown duplicate tier {tier!r}: use one of {', '.join(TIERS)}")
        photos = self._photo_facts()
        hashes = sorted({p.content_hash for p in photos.values()})
        hash_index = {h: i for i, h in enumerate(hashes)}
        by_hash: dict[int, list[PhotoFacts]] = defaultdict(list)
        for photo in photos.values():
            by_hash[hash_index[photo.content_hash]].append(photo)

        same_groups: list[list[int]] = []
        similar_groups: list[list[int]] = []
        if tier != "exact":
            edges = self._candidate_edges(photos, hash_index, thresholds, progress, cancel)
            edges = self._with_hash_neighbours(edges, hashes, by_hash, thresholds)
            edges = self._with_hamming(edges, hashes, by_hash, thresholds)
            cannot = self._cannot_links(photos, hash_index)
            cropped = self._cropped(edges, hashes, by_hash, thresholds)
            same, similar = _classify(edges, thresholds, cropped)
            same_groups = _union(same, cannot, order=_strongest_first(same))
            same_groups, not_one = self._confirmed_against_keepers(
                same_groups, same, cannot, by_hash, hashes, thresholds, cancel)
            # Alike enough for the hashes but two captures: perhaps one moment ("similar").
            similar = similar.concat(not_one.select(not_one.cosine >= thresholds.similar_min_cosine))
            captures = self._captures(by_hash, len(hashes))
            similar = similar.select(captures.close(similar.a, similar.b, thresholds))
            claimed = {h for group in same_groups for h in group} | {h for h, ps in by_hash.items() if len(ps) > 1}
            unclaimed = ~(np.isin(similar.a, list(claimed)) | np.isin(similar.b, list(claimed)))
            similar = similar.select(unclaimed)
            similar_groups = _union(similar, cannot, order=np.argsort(-similar.cosine))
        in_same = {h for group in same_groups for h in group}
        exact_groups = [[h] for h, ps in by_hash.items() if len(ps) > 1 and h not in in_same]

        wanted = [
            (name, [[p for h in group for p in by_hash[h]] for group in found])
            for name, found in (("exact", exact_groups), ("same", same_groups), ("similar", similar_groups))
            if tier in (None, name)
        ]
        members = [p for _, found in wanted for group in found for p in group]
        vectors = dict(self._vectors([p.id for p in members]))
        phashes = self._phashes.stored({p.content_hash for p in members})
        shots = [p for name, found in wanted if name == "similar" for g in found for p in g]
        sharpness = self._sharpness(shots)
        taken = {p.id: captures.seconds[hash_index[p.content_hash]] for p in shots} if shots else {}
        groups = [_group(name, group, vectors, phashes, sharpness, taken) for name, found in wanted for group in found]
        return sorted(groups, key=lambda g: (TIERS.index(g.tier), -len(g.members), g.keep.path))

    def _confirmed_against_keepers(
        self, groups: list[list[int]], same: _Edges, cannot: dict[int, set[int]], by_hash: dict[int, list[PhotoFacts]],
        hashes: list[str], thresholds: DuplicateThresholds, cancel: CancelToken | None = None,
    ) -> tuple[list[list[int]], _Edges]:
        """Only the photos that are themselves "the same photo" as their group's keeper, and the
        (keeper, photo) pairs that passed the hash test but are not one capture.

        Union-find is transitive: A~B and B~C join A and C although a crop of a crop, or a
        burst chained frame by frame, may no longer be the same picture as A. Resolving a
        group trashes everything but the keeper, so each member must pass the "same" test
        against the keeper itself, hashes and one capture (capture_match.py: measured on the
        thumbnails, ~10 ms a pair, so only these pairs are; n - 1 for a group of n, where
        checking every edge would cost up to n(n-1)/2). The photos that fail are
        grouped again among themselves: two portraits alike in layout, each with its own edited
        copies, end up as two groups, whichever was the keeper.
        """
        confirmed: list[list[int]] = []
        not_one: list[tuple[int, int]] = []
        if not groups:
            return confirmed, same.select(np.zeros(len(same.a), dtype=bool))
        every = sorted({h for group in groups for h in group})
        paths = {hashes[h]: by_hash[h][0].path for h in every}
        vectors = dict(self._vectors([by_hash[h][0].id for h in every]))
        phashes = self._phashes.with_zoom(paths)

        def vector(h):
            return vectors.get(by_hash[h][0].id)

        while groups:
            keepers = []
            for group in groups:
                keeper, _ = choose_keeper([p for h in group for p in by_hash[h]])
                keepers.append(next(h for h in group if hashes[h] == keeper.content_hash))
            alike = {(k, h) for k, group in zip(keepers, groups) for h in group if h != k and same_picture(
                vector(k), vector(h), phashes.get(hashes[k]), phashes.get(hashes[h]), thresholds)}
            matches = self._capture_checks.get(
                [(hashes[k], hashes[h]) for k, h in sorted(alike)], paths, cancel) if thresholds.checks_captures else {}
            regroup = []
            for keep, group in zip(keepers, groups):
                kept, left = [keep], []
                for h in group:
                    if h == keep:
                        continue
                    if (keep, h) in alike and one_capture(matches.get(pair_of(hashes[keep], hashes[h])), thresholds):
                        kept.append(h)
                    else:
                        left.append(h)
                        if (keep, h) in alike:
                            not_one.append((keep, h))
                if len(kept) > 1:
                    confirmed.append(kept)
                if len(left) > 1:
                    among = same.select(np.isin(same.a, left) & np.isin(same.b, left))
                    regroup += _union(among, cannot, order=_strongest_first(among))
            groups = regroup
        a = np.array([min(pair) for pair in not_one], dtype=np.int64)
        b = np.array([max(pair) for pair in not_one], dtype=np.int64)
        cosine = np.array([float(np.dot(vector(x), vector(y))) for x, y in zip(a.tolist(), b.tolist())],
                          dtype=np.float32)
        return confirmed, _Edges(a, b, cosine, np.full(len(a), -1, dtype=np.int64))

    def _photo_facts(self, ids: list[int] | None = None) -> dict[int, PhotoFacts]:
        sql = """SELECT id, path, content_hash, width, height, size, mtime_ns, format,
                        (taken_at_source IN ('exif', 'maker') OR camera_make IS NOT NULL OR camera_model IS NOT NULL)
                 FROM photos WHERE status = 'ok' AND content_hash IS NOT NULL"""
        rows = []
        if ids is None:
            rows = self._db.query(sql)
        rows += execute_in(self._db.query, sql + " AND id IN ({marks})", ids or ())
        return {
            r[0]: PhotoFacts(r[0], r[1], r[2], r[3] or 0, r[4] or 0, r[5], r[6], r[7] or "", bool(r[8]))
            for r in rows
        }

    def _candidate_edges(
        self,
        photos: dict[int, PhotoFacts],
        hash_index: dict[str, int],
        thresholds: DuplicateThresholds,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
    ) -> _Edges:
        """Every pair of distinct contents that are index neighbours above the cosine floor."""
        photo_ids = np.array(sorted(photos), dtype=np.int64)
        photo_hash = np.array([hash_index[photos[i].content_hash] for i in photo_ids.tolist()], dtype=np.int64)
        keys, cosines = [], []
        k = thresholds.neighbours + 1  # each photo finds itself first
        total, done = len(self._index), 0
        for ids, vectors in self._embeddings.iter_vectors(self._model_id, batch=_BATCH):
            if cancel and cancel.cancelled:
                raise Cancelled("duplicate search cancelled")
            if progress:
                progress(Progress("duplicates", done, total))
            done += len(ids)
            labels, scores = self._index.search_batch(vectors, k, ef=max(thresholds.ef, k))
            a = _lookup(photo_ids, photo_hash, np.repeat(ids, labels.shape[1]))
            b = _lookup(photo_ids, photo_hash, labels.ravel())
            scores = scores.ravel()
            keep = (a >= 0) & (b >= 0) & (a != b) & (scores >= thresholds.candidate_cosine)
            a, b, scores = a[keep], b[keep], scores[keep]
            keys.append(np.minimum(a, b) * len(hash_index) + np.maximum(a, b))
            cosines.append(scores)
        if progress:
            progress(Progress("duplicates", done, total))
        if not keys:
            empty = np.empty(0, dtype=np.int64)
            return _Edges(empty, empty, np.empty(0, dtype=np.float32), empty)
        key, cosine = np.concatenate(keys), np.concatenate(cosines)
        # One edge per pair of contents, with its best cosine (HNSW is approximate, and copies of
        # one content are each queried).
        order = np.lexsort((-cosine, key))
        key, cosine = key[order], cosine[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, cosine = key[first], np.minimum(cosine[first], 1.0)
        n = max(len(hash_index), 1)
        return _Edges(key // n, key % n, cosine, np.full(len(key), -1, dtype=np.int64))

    def _with_hash_neighbours(
        self, edges: _Edges, hashes: list[str], by_hash: dict[int, list[PhotoFacts]], t: DuplicateThresholds
    ) -> _Edges:
        """Add the pairs of (stored) perceptual hashes within hash_candidate_bits that the index missed."""
        if t.hash_candidate_bits < 0 or len(hashes) < 2:
            return edges
        stored = self._phashes.stored(hashes)
        index = np.array([h for h in range(len(hashes)) if hashes[h] in stored], dtype=np.int64)
        values = np.array([stored[hashes[h]] for h in index.tolist()], dtype=np.uint64)
        i, j = near_hash_pairs(values, t.hash_candidate_bits)
        a, b = index[i], index[j]
        n = len(hashes)
        new = ~np.isin(a * n + b, edges.a * n + edges.b)
        a, b = a[new], b[new]
        if len(a) == 0:
            return edges
        vectors = dict(self._vectors(sorted({by_hash[h][0].id for h in np.r_[a, b].tolist()})))
        cosine = np.array([
            float(np.dot(vectors[by_hash[x][0].id], vectors[by_hash[y][0].id]))
            if by_hash[x][0].id in vectors and by_hash[y][0].id in vectors else -1.0
            for x, y in zip(a.tolist(), b.tolist())
        ], dtype=edges.cosine.dtype)
        return _Edges(np.r_[edges.a, a], np.r_[edges.b, b], np.r_[edges.cosine, np.minimum(cosine, 1.0)],
                      np.r_[edges.hamming, np.full(len(a), -1, dtype=np.int64)])

    def _with_hamming(
        self, edges: _Edges, hashes: list[str], by_hash: dict[int, list[PhotoFacts]], thresholds: DuplicateThresholds
    ) -> _Edges:
        """Fill in the Hamming distances of the edges that could be "same" (hashes computed lazily)."""
        could_be_same = edges.cosine >= thresholds.same_min_cosine
        needed = np.unique(np.concatenate([edges.a[could_be_same], edges.b[could_be_same]]))
        known = self._phashes.get({hashes[h]: by_hash[h][0].path for h in needed.tolist()})
        values = np.zeros(len(hashes), dtype=np.uint64)
        present = np.zeros(len(hashes), dtype=bool)
        for h in needed.tolist():
            if hashes[h] in known:
                values[h] = known[hashes[h]]
                present[h] = True
        distance = hamming_many(values[edges.a], values[edges.b])
        usable = present[edges.a] & present[edges.b] & could_be_same
        return _Edges(edges.a, edges.b, edges.cosine, np.where(usable, distance, -1))

    def _cropped(
        self, edges: _Edges, hashes: list[str], by_hash: dict[int, list[PhotoFacts]], t: DuplicateThresholds
    ) -> np.ndarray:
        """Edges that fail the hash steps but pass a crop step: one photo is the other cropped."""
        min_cosine = min((cosine for _, cosine in t.crop_steps), default=2.0)
        unsure = ~passes_same_steps(edges.hamming, edges.cosine, t) & (edges.hamming >= 0) & (edges.cosine >= min_cosine)
        cropped = np.zeros(len(edges.a), dtype=bool)
        if not unsure.any():
            return cropped
        needed = np.unique(np.concatenate([edges.a[unsure], edges.b[unsure]])).tolist()
        zoomed = self._phashes.with_zoom({hashes[h]: by_hash[h][0].path for h in needed})
        for k in np.flatnonzero(unsure).tolist():
            a, b = zoomed.get(hashes[edges.a[k]]), zoomed.get(hashes[edges.b[k]])
            cropped[k] = a is not None and b is not None and passes_crop_steps(crop_distance(a, b), edges.cosine[k], t)
        return cropped

    def _cannot_links(self, photos: dict[int, PhotoFacts], hash_index: dict[str, int]) -> dict[int, set[int]]:
        """Pairs of contents never to group: the user's "not duplicates", and RAW+JPEG shots."""
        cannot: dict[int, set[int]] = defaultdict(set)
        for hash_a, hash_b in self._not_duplicate_pairs():
            if hash_a in hash_index and hash_b in hash_index:
                cannot[hash_index[hash_a]].add(hash_index[hash_b])
        for raw, companion in raw_jpeg_pairs(photos.values()):
            cannot[hash_index[raw.content_hash]].add(hash_index[companion.content_hash])
        return cannot

    def _captures(self, by_hash: dict[int, list[PhotoFacts]], size: int) -> CaptureFacts:
        """When, with what and where each content was taken (from one photo holding it)."""
        ids = {by_hash[h][0].id: h for h in range(size) if h in by_hash}
        captures = CaptureFacts(size)
        rows = execute_in(self._db.query, """SELECT id, taken_at, camera_make, camera_model, gps_lat, gps_lon FROM photos
                                     WHERE taken_at_source IN ('exif', 'xmp', 'iptc', 'maker') AND id IN ({marks})""", list(ids))
        for photo_id, taken_at, make, model, lat, lon in rows:
            captures.set(ids[photo_id], taken_at, " ".join(filter(None, (make, model))) or None, lat, lon)
        return captures

    def _sharpness(self, photos: list[PhotoFacts]) -> dict[int, float]:
        """How sharp each photo's thumbnail is (for choosing among similar shots)."""
        found = {}
        for photo in photos:
            value = sharpness_of(self._thumbnail_path(photo.content_hash))
            if value is not None:
                found[photo.id] = value
        return found

    def _vectors(self, ids: list[int]) -> Iterable[tuple[int, np.ndarray]]:
        if not ids:
            return
        for batch_ids, vectors in self._embeddings.iter_vectors(self._model_id, np.array(ids, dtype=np.int64)):
            yield from zip(batch_ids.tolist(), vectors)


def _group(
    tier: str, members: list[PhotoFacts], vectors: dict[int, np.ndarray], phashes: dict[str, int],
    sharpness: dict[int, float], taken: dict[int, float],
) -> DuplicateGroup:
    keeper, reason = choose_shot(members, sharpness, taken) if tier == "similar" else choose_keeper(members)
    keep_vector, keep_phash = vectors.get(keeper.id), phashes.get(keeper.content_hash)

    def member(photo: PhotoFacts) -> GroupMember:
        if photo.content_hash == keeper.content_hash:
            return GroupMember(photo.id, photo.path, 1.0, 0, photo.content_hash)
        vector, other = vectors.get(photo.id), phashes.get(photo.content_hash)
        cosine = float(np.dot(keep_vector, vector)) if vector is not None and keep_vector is not None else 0.0
        distance = (keep_phash ^ other).bit_count() if keep_phash is not None and other is not None else None
        return GroupMember(photo.id, photo.path, min(cosine, 1.0), distance, photo.content_hash)

    rest = sorted((m for m in members if m.id != keeper.id), key=lambda m: m.path)
    return DuplicateGroup(tier, tuple(member(m) for m in [keeper, *rest]), reason)


def _lookup(photo_ids: np.ndarray, photo_hash: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Hash index of each photo id (-1 for ids that are not usable photos, e.g. hnswlib's padding)."""
    if len(photo_ids) == 0:
        return np.full(len(ids), -1, dtype=np.int64)
    pos = np.clip(np.searchsorted(photo_ids, ids), 0, len(photo_ids) - 1)
    return np.where(photo_ids[pos] == ids, photo_hash[pos], -1)


def _classify(edges: _Edges, t: DuplicateThresholds, cropped: np.ndarray) -> tuple[_Edges, _Edges]:
    """Split candidate edges into "same" (confirmed by the hash, or a crop) and "similar" (the rest above the bar)."""
    same = passes_same_steps(edges.hamming, edges.cosine, t) | cropped
    similar = ~same & (edges.cosine >= t.similar_min_cosine)
    return edges.select(same), edges.select(similar)


def _strongest_first(edges: _Edges) -> np.ndarray:
    """"Same" edges in the order union-find takes them: fewest differing hash bits, then highest cosine."""
    return np.lexsort((-edges.cosine, edges.hamming))


def _union(edges: _Edges, cannot: dict[int, set[int]], order: np.ndarray) -> list[list[int]]:
    groups = ConstrainedUnionFind(cannot)
    for a, b in zip(edges.a[order].tolist(), edges.b[order].tolist()):
        groups.union(a, b)
    return groups.groups()


def raw_jpeg_pairs(photos: Iterable[PhotoFacts]) -> list[tuple[PhotoFacts, PhotoFacts]]:
    """(RAW, JPEG/HEIC) photos of one shot: same folder and file stem, as cameras write them."""
    photos = list(photos)
    shots: dict[str, list[PhotoFacts]] = defaultdict(list)  # folder/stem -> RAW files
    for photo in photos:  # plain string splits: pathlib costs seconds on 100k paths
        stem, suffix = os.path.splitext(photo.path)
        if suffix.lower() in RAW_EXTENSIONS:
            shots[stem.lower()].append(photo)
    pairs = []
    if shots:
        for photo in photos:
            stem, suffix = os.path.splitext(photo.path)
            if suffix.lower() in _RAW_COMPANION_SUFFIXES:
                pairs += [(raw, photo) for raw in shots.get(stem.lower(), ()) if raw.content_hash != photo.content_hash]
    return pairs
