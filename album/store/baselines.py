"""The relevance_baselines table: one number per (photo, model), read whole into memory by search."""

from __future__ import annotations

from typing import Iterable

import numpy as np

from album.store.database import Database
from album.store.embeddings import from_blob


class BaselineRepository:
    def __init__(self, database: Database):
        self._db = database

    @staticmethod
    def put_many(db, model_id: str, concepts: str, rows: Iterable[tuple[int, float]]) -> None:
        db.conn.executemany(
            "INSERT OR REPLACE INTO relevance_baselines (photo_id, model_id, concepts, baseline) VALUES (?, ?, ?, ?)",
            [(int(photo_id), model_id, concepts, float(value)) for photo_id, value in rows],
        )

    def all(self, model_id: str, concepts: str) -> tuple[np.ndarray, np.ndarray]:
        """(photo ids, baselines) of every photo whose baseline is current."""
        rows = self._db.query(
            "SELECT photo_id, baseline FROM relevance_baselines WHERE model_id = ? AND concepts = ?",
            (model_id, concepts),
        )
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        values = np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows))
        return ids, values

    def count_missing(self, model_id: str, concepts: str) -> int:
        return self._db.query(
            """SELECT count(*) FROM embeddings e LEFT JOIN relevance_baselines b
               ON b.photo_id = e.photo_id AND b.model_id = e.model_id AND b.concepts = ?
               WHERE e.model_id = ? AND b.photo_id IS NULL""",
            (concepts, model_id),
        )[0][0]

    def iter_missing(self, model_id: str, concepts: str, batch: int = 4096):
        """(ids, vectors) of photos with a vector but no current baseline, in batches."""
        reader = self._db.reader()
        try:
            cursor = reader.execute(
                """SELECT e.photo_id, e.vector FROM embeddings e LEFT JOIN relevance_baselines b
                   ON b.photo_id = e.photo_id AND b.model_id = e.model_id AND b.concepts = ?
                   WHERE e.model_id = ? AND b.photo_id IS NULL ORDER BY e.photo_id""",
                (concepts, model_id),
            )
            while rows := cursor.fetchmany(batch):
                yield (np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
                       np.stack([from_blob(r[1]) for r in rows]))
        finally:
            reader.close()
