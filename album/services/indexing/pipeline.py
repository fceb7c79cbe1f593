"""The indexing pipeline: scan → read on worker threads → embed in full batches → store + index.

Decoding runs on a small thread pool a bounded number of batches ahead of the model, so the
model always has work and memory stays flat however large the folder. Each batch is written in
one transaction (photos and their vectors together), so a crash loses at most the batch in
flight, and a rerun picks up exactly where the last commit left off.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from album.index.hnsw import VectorIndex
from album.models.base import EmbeddingModel
from album.progress import CancelToken, Progress, ProgressCallback, RateMeter
from album.scan.changes import ScanPlan, WorkItem
from album.services.indexing.perceptual_hashes import PerceptualHashCache
from album.services.indexing.reading import PhotoReader, ReadFailed, ReadOk, ReadResult, ReadUnchangedContent, file_time_iso
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository
from album.store.photos import PhotoRecord, PhotoRepository

log = logging.getLogger(__name__)


@dataclass
class IndexSummary:
    indexed: int = 0
    unchanged: int = 0
    moved: int = 0
    removed: int = 0
    failed: list[dict] = field(default_factory=list)  # [{"path": ..., "error": ...}]
    seconds: float = 0.0
    cancelled: bool = False
    embedded: int = 0  # unchanged photos that got vectors from a model being switched to
    deferred: list[str] = field(default_factory=list)  # too fresh to read (maybe still copying)
    photo_ids: list[int] = field(default_factory=list)  # photos read and embedded in this run
    search_ready_seconds: float = 0.0  # when the run's photos were searchable (before the face pass)
    faces: object | None = None  # the face pass's FaceScanSummary; None when it did not run

    def to_json(self) -> dict:
        summary = asdict(self)
        for internal in ("deferred", "embedded", "photo_ids", "search_ready_seconds", "faces"):
            del summary[internal]
        return summary


@dataclass(frozen=True)
class PipelineSettings:
    batch_size: int = 32
    decode_workers: int = 2
    prefetch_batches: int = 2  # how many batches may be decoded ahead of the model
    save_every_seconds: float = 30.0  # how stale the saved HNSW file may get during a long run


@dataclass(frozen=True)
class EmbeddingTarget:
    """A model whose vectors this run fills in, and the index they go to."""

    model: EmbeddingModel
    index: VectorIndex


class IndexingPipeline:
    def __init__(
        self,
        database: Database,
        targets: list[EmbeddingTarget],
        reader: PhotoReader,
        settings: PipelineSettings = PipelineSettings(),
    ):
        self._db = database
        self._embeddings = EmbeddingRepository(database)
        self._targets = targets
        self._reader = reader
        self._settings = settings

    # --- the plan's cheap parts: moves and removals ------------------------------------------

    def apply_moves_and_removals(self, plan: ScanPlan) -> None:
        with self._db.write() as db:
            for move in plan.moved:
                PhotoRepository.move(db, move.known.id, str(move.found.path), move.folder_id, move.found.size, move.found.mtime_ns)
            PhotoRepository.delete(db, [gone.id for gone in plan.removed])
        # After the commit, so search never returns a photo the database no longer has.
        for target in self._targets:
            target.index.remove([gone.id for gone in plan.removed])

    # --- the expensive part: reading and embedding -------------------------------------------

    def run(
        self,
        items: list[WorkItem],
        summary: IndexSummary,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> None:
        cancel = cancel or CancelToken()
        settings = self._settings
        window = max(settings.batch_size * settings.prefetch_batches, settings.decode_workers)
        meter = RateMeter(time.monotonic)
        batch = _Batch()
        done = 0
        last_report = 0.0
        last_save = time.monotonic()
        queue = iter(items)
        in_flight: deque[Future[ReadResult]] = deque()

        with ThreadPoolExecutor(settings.decode_workers, thread_name_prefix="album-decode") as pool:

            def fill() -> None:
                while len(in_flight) < window and not cancel.cancelled:
                    item = next(queue, None)
                    if item is None:
                        return
                    in_flight.append(pool.submit(self._reader.read, item))

            fill()
            while in_flight:
                if cancel.cancelled:
                    for future in in_flight:
                        future.cancel()
                    # Keep what is already decoded: it costs one model call, not a re-read.
                    for future in in_flight:
                        if not future.cancelled():
                            batch.add(future.result())
                    in_flight.clear()
                    break
                result = in_flight.popleft().result()
                fill()
                batch.add(result)
                done += 1
                if batch.full(settings.batch_size):
                    self._flush(batch, summary)
                    if time.monotonic() - last_save > settings.save_every_seconds:
                        for target in self._targets:
                            target.index.save_if_possible()
                        last_save = time.monotonic()
                now = time.monotonic()
                if progress and (now - last_report > 0.1 or done == len(items)):
                    last_report = now
                    progress(
                        Progress(
                            "indexing", done, len(items), len(summary.failed) + batch.failures,
                            meter.rate(done), meter.eta(done, len(items)), str(result.item.path),
                        )
                    )
        self._flush(batch, summary)
        summary.cancelled = cancel.cancelled

    def _flush(self, batch: "_Batch", summary: IndexSummary) -> None:
        """Embed the batch for each model (reusing vectors of identical content), then commit it
        in one transaction: the rows and all their vectors land together or not at all."""
        if batch.empty():
            return
        new_vectors = {target.model.model_id: self._embed(target.model, batch.ok) for target in self._targets}
        broken_ids = []
        with self._db.write() as db:
            for r in batch.ok:
                photo_id = PhotoRepository.save(db, _record_ok(r))
                r.photo_id = photo_id
                if r.phash is not None:
                    PerceptualHashCache.put(db, r.content_hash, r.phash, r.zoom_hashes)
                if r.content_changed:  # vectors of models not indexed now are stale: drop them
                    db.execute("DELETE FROM embeddings WHERE photo_id = ?", (photo_id,))
                for model_id, vectors in new_vectors.items():
                    if id(r) in vectors:
                        EmbeddingRepository.put(db, model_id, photo_id, vectors[id(r)])
            for r in batch.failed:
                photo_id = PhotoRepository.save(db, _record_failed(r))
                # A photo that was fine and is now broken leaves search with its old vectors.
                db.execute("DELETE FROM embeddings WHERE photo_id = ?", (photo_id,))
                broken_ids.append(photo_id)
            for r in batch.unchanged_content:
                PhotoRepository.touch(db, r.item.known.id, r.size, r.mtime_ns)
        for target in self._targets:
            vectors = new_vectors[target.model.model_id]
            embedded = [r for r in batch.ok if id(r) in vectors]
            if embedded:
                target.index.add(np.array([r.photo_id for r in embedded]), np.stack([vectors[id(r)] for r in embedded]))
            target.index.remove(broken_ids)
        summary.photo_ids.extend(r.photo_id for r in batch.ok)
        summary.indexed += sum(r.content_changed for r in batch.ok)
        summary.embedded += len(batch.ok) - sum(r.content_changed for r in batch.ok)
        summary.unchanged += len(batch.unchanged_content)
        summary.failed.extend({"path": str(r.item.path), "error": r.error} for r in batch.failed)
        batch.clear()

    def _embed(self, model: EmbeddingModel, results: list[ReadOk]) -> dict[int, np.ndarray]:
        """Vectors for the results that need this model, keyed by id(result)."""
        needing = [r for r in results if model.model_id in r.model_inputs]
        vectors, to_encode = {}, []
        for r in needing:
            reused = self._embeddings.vector_for_hash(r.content_hash, model.model_id)
            if reused is None:
                to_encode.append(r)
            else:
                vectors[id(r)] = reused
        if to_encode:
            encoded = model.encode_preprocessed([r.model_inputs[model.model_id] for r in to_encode])
            vectors.update((id(r), v) for r, v in zip(to_encode, encoded))
        return vectors


class _Batch:
    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.ok: list[ReadOk] = []
        self.failed: list[ReadFailed] = []
        self.unchanged_content: list[ReadUnchangedContent] = []

    def add(self, result: ReadResult) -> None:
        if isinstance(result, ReadOk):
            self.ok.append(result)
        elif isinstance(result, ReadFailed):
            self.failed.append(result)
        else:
            self.unchanged_content.append(result)

    @property
    def failures(self) -> int:
        return len(self.failed)

    def full(self, batch_size: int) -> bool:
        # Rows that need no model call are flushed with the next full batch, or on their own
        # once many have piled up (e.g. a folder of broken files).
        return len(self.ok) >= batch_size or len(self.failed) + len(self.unchanged_content) >= 256

    def empty(self) -> bool:
        return not (self.ok or self.failed or self.unchanged_content)


def _record_ok(r: ReadOk) -> PhotoRecord:
    meta = r.metadata
    taken_at = _iso(meta.taken_at) if meta.taken_at else file_time_iso(r.mtime_ns)
    return PhotoRecord(
        path=str(r.item.path), folder_id=r.item.folder_id, size=r.size, mtime_ns=r.mtime_ns,
        status="ok", content_hash=r.content_hash, format=r.format, width=r.width, height=r.height,
        taken_at=taken_at, taken_at_source=meta.taken_at_source if meta.taken_at else "file",
        taken_at_offset=meta.taken_at_offset if meta.taken_at else None,
        gps_lat=meta.gps_lat, gps_lon=meta.gps_lon,
        camera_make=meta.camera_make, camera_model=meta.camera_model,
        warnings="\n".join(r.warnings) or None,
    )


def _iso(moment) -> str:
    """ISO local time; milliseconds only when the camera recorded sub-seconds (bursts)."""
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds")


def _record_failed(r: ReadFailed) -> PhotoRecord:
    return PhotoRecord(
        path=str(r.item.path), folder_id=r.item.folder_id, size=r.size, mtime_ns=r.mtime_ns,
        status="error", content_hash=r.content_hash, error=r.error,
    )
