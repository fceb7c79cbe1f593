"""Reading one photo file on a decode worker thread: hash, decode, thumbnail, model input."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from album.disk_space import disk_full, is_disk_full
from album.errors import DecodeError, LibraryDiskFull
from album.media.decode import PhotoMetadata, decode_photo
from album.media.hashing import content_hash
from album.media.perceptual import phash, zoom_hashes
from album.media.thumbnails import ThumbnailCache, make_thumbnail
from album.scan.changes import WorkItem

log = logging.getLogger(__name__)


@dataclass
class ReadOk:
    item: WorkItem
    size: int
    mtime_ns: int
    content_hash: str
    format: str
    width: int
    height: int
    metadata: PhotoMetadata
    warnings: list[str]
    model_inputs: dict[str, Any]  # model id -> that model's preprocessed input
    content_changed: bool  # False when only vectors for another model were missing
    phash: int | None = None  # perceptual hash of the new thumbnail (None: thumbnail was cached)
    zoom_hashes: tuple[int, int] | None = None  # its tighter centres (crops), with phash
    photo_id: int | None = None  # set once the row is written


@dataclass
class ReadUnchangedContent:
    """The file's time changed but its bytes did not (touched, or copied over itself)."""

    item: WorkItem
    size: int
    mtime_ns: int


@dataclass
class ReadFailed:
    item: WorkItem
    size: int
    mtime_ns: int
    error: str
    content_hash: str | None = None


ReadResult = ReadOk | ReadUnchangedContent | ReadFailed


class PhotoReader:
    """Turns a WorkItem into a ReadResult. Thread-safe; never writes to the user's file.

    `preprocessors` maps each model being indexed to its preprocess function (usually one
    model; two while the library switches models).
    """

    def __init__(self, thumbnails: ThumbnailCache, preprocessors: dict[str, Callable[[Any], Any]], min_side: int):
        self._thumbnails = thumbnails
        self._preprocessors = preprocessors
        self._min_side = min_side

    def read(self, item: WorkItem) -> ReadResult:
        try:
            return self._read(item)
        except LibraryDiskFull:
            raise  # not this file's fault: the run stops, and the file is read again next time
        except Exception as exc:  # noqa: BLE001 - one odd file must never stop a whole run
            log.exception("unexpected error reading %s", item.path)
            return ReadFailed(item, item.size, item.mtime_ns, f"unexpected error: {exc!r}")

    def _read(self, item: WorkItem) -> ReadResult:
        size, mtime_ns = item.size, item.mtime_ns
        try:
            with open(item.path, "rb") as f:
                data = f.read()
                # The size and time of the bytes we actually read, in case the file changed
                # since the scan saw it.
                st = os.fstat(f.fileno())
                size, mtime_ns = st.st_size, st.st_mtime_ns
        except OSError as exc:
            return ReadFailed(item, size, mtime_ns, _os_reason(exc))
        digest = content_hash(data)
        known = item.known
        same_content = bool(known and known.status == "ok" and known.content_hash == digest)
        needed = set(self._preprocessors) - (known.vector_models if same_content else set())
        if not needed:
            return ReadUnchangedContent(item, size, mtime_ns)
        try:
            photo = decode_photo(data, str(item.path), min_side=self._min_side)
            del data  # the decoded image is all we keep; raw bytes of a RAW file can be 50 MB
            perceptual = zoom = None
            if not self._thumbnails.has(digest):
                thumbnail = make_thumbnail(photo.image)
                self._thumbnails.save(digest, thumbnail)
                # Hashed now, from the image in memory: the duplicate finder would otherwise
                # have to decode every thumbnail again (~1 ms a photo, 100 s for 100k).
                grey = thumbnail.convert("L")
                perceptual, zoom = phash(grey), zoom_hashes(grey)
            model_inputs = {model_id: self._preprocessors[model_id](photo.image) for model_id in needed}
        except DecodeError as exc:
            return ReadFailed(item, size, mtime_ns, str(exc), digest)
        except OSError as exc:
            if is_disk_full(exc):  # the thumbnail could not be written: the photo is fine
                raise disk_full(self._thumbnails.root) from exc
            return ReadFailed(item, size, mtime_ns, _os_reason(exc), digest)
        return ReadOk(
            item, size, mtime_ns, digest, photo.format, photo.width, photo.height,
            photo.metadata, list(photo.warnings), model_inputs, not same_content, perceptual, zoom,
        )


def file_time_iso(mtime_ns: int) -> str:
    """A file's modification time as local ISO time, the fallback when EXIF has no date."""
    return datetime.fromtimestamp(mtime_ns / 1e9).replace(microsecond=0).isoformat()


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied: album cannot read this file"
    if isinstance(exc, FileNotFoundError):
        return "the file disappeared before it could be read"
    if isinstance(exc, IsADirectoryError):
        return "this is a folder, not a file"
    return f"cannot read the file: {exc.strerror or exc}"
