"""Keeping the HNSW cache in step with the embeddings table it is built from."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from album.index.hnsw import IndexFileError, VectorIndex
from album.store.embeddings import EmbeddingRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexHealth:
    """How the index was found at open: 'ok', 'repaired' (added/removed ids), or 'rebuilt'."""

    state: str
    count: int
    added: int = 0
    removed: int = 0
    reason: str = ""


def index_base(directory: Path, model_id: str) -> Path:
    """File stem for a model's index; model ids like 'ViT-B-32/laion2b' become safe names."""
    return Path(directory) / re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)


def open_synced_index(
    directory: Path, model_id: str, dim: int, embeddings: EmbeddingRepository
) -> tuple[VectorIndex, IndexHealth]:
    """Load the saved index and make its ids equal the database's, or rebuild it from scratch.

    A crash can leave the index behind the database (vectors committed after the last save) or
    ahead of it (photos deleted since); both are repaired by adding or removing the difference.
    A missing or unreadable file is rebuilt from the database, which always has every vector.
    """
    base = index_base(directory, model_id)
    try:
        index = VectorIndex.load(base, dim)
    except IndexFileError as exc:
        missing = not VectorIndex.files(base)[2].exists()
        reason = "no saved index" if missing else str(exc)
        index = _rebuild(embeddings, model_id, dim)
        index.base = base
        if len(index):
            index.save_if_possible(base)
        if not missing:
            log.warning("rebuilt the %s index from the database: %s", model_id, reason)
        return index, IndexHealth("rebuilt", len(index), added=len(index), reason=reason)

    db_ids = embeddings.ids(model_id)
    index_ids = index.ids()
    to_add = np.setdiff1d(db_ids, index_ids, assume_unique=True)
    to_remove = np.setdiff1d(index_ids, db_ids, assume_unique=True)
    if to_add.size == 0 and to_remove.size == 0:
        return index, IndexHealth("ok", len(index))
    index.remove(to_remove)
    for ids, vectors in embeddings.iter_vectors(model_id, to_add):
        index.add(ids, vectors)
    index.save_if_possible(base)
    log.info("repaired the %s index: +%d -%d", model_id, to_add.size, to_remove.size)
    return index, IndexHealth(
        "repaired", len(index), added=int(to_add.size), removed=int(to_remove.size),
        reason="index was out of step with the database",
    )


def _rebuild(embeddings: EmbeddingRepository, model_id: str, dim: int) -> VectorIndex:
    index = VectorIndex(dim, capacity=max(embeddings.count(model_id), 1))
    for ids, vectors in embeddings.iter_vectors(model_id):
        index.add(ids, vectors)
    return index
