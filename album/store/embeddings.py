"""The embeddings table: one float32 vector per (photo, model), the source of truth for search."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from album.store.chunks import rows_in_chunks
from album.store.database import Database


def to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype=np.float32).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


class EmbeddingRepository:
    def __init__(self, database: Database):
        self._db = database

    @staticmethod
    def put(db, model_id: str, photo_id: int, vector: np.ndarray) -> None:
        db.execute(
            "INSERT OR REPLACE INTO embeddings (photo_id, model_id, vector) VALUES (?, ?, ?)",
            (photo_id, model_id, to_blob(vector)),
        )

    def vector_for_hash(self, content_hash: str, model_id: str) -> np.ndarray | None:
        """A vector already computed for the same bytes (a copy or an earlier version of a file)."""
        rows = self._db.query(
            """SELECT e.vector FROM photos p JOIN embeddings e ON e.photo_id = p.id
               WHERE p.content_hash = ? AND e.model_id = ? LIMIT 1""",
            (content_hash, model_id),
        )
        return from_blob(rows[0][0]).copy() if rows else None

    def get(self, photo_id: int, model_id: str) -> np.ndarray | None:
        rows = self._db.query(
            "SELECT vector FROM embeddings WHERE photo_id = ? AND model_id = ?", (photo_id, model_id)
        )
        return from_blob(rows[0][0]).copy() if rows else None

    def ids(self, model_id: str) -> np.ndarray:
        rows = self._db.query("SELECT photo_id FROM embeddings WHERE model_id = ?", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def count(self, model_id: str) -> int:
        return self._db.query("SELECT count(*) FROM embeddings WHERE model_id = ?", (model_id,))[0][0]

    def models(self) -> dict[str, int]:
        rows = self._db.query("SELECT model_id, count(*) FROM embeddings GROUP BY model_id")
        return {r[0]: r[1] for r in rows}

    def iter_vectors(
        self, model_id: str, ids: np.ndarray | None = None, batch: int = 4096
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors [n, dim]) in batches, for all photos or only `ids`; memory stays bounded."""
        reader = self._db.reader()
        try:
            if ids is None:
                cursor = reader.execute(
                    "SELECT photo_id, vector FROM embeddings WHERE model_id = ? ORDER BY photo_id", (model_id,)
                )
                chunks = iter(lambda: cursor.fetchmany(batch), [])
            else:
                chunks = rows_in_chunks(reader.execute, "SELECT photo_id, vector FROM embeddings WHERE model_id = ? "
                                        "AND photo_id IN ({marks})", map(int, ids), (model_id,))
            for rows in chunks:
                if rows:
                    yield (
                        np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                        np.stack([from_blob(r[1]) for r in rows]),
                    )
        finally:
            reader.close()
