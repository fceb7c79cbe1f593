"""Faces, persons and the user's decisions about them: the SQL behind People.

Decisions ('this face is Anna', 'this face is not Anna') are keyed by the photo's content hash
and the face's box, not by row ids: a rescan, a re-index or a photo's trip through the trash
gives its faces new rows, and the decisions find them again by box.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

import numpy as np

from album.store.database import Database
from album.store.embeddings import from_blob, to_blob

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the image
SAME_FACE_IOU = 0.5  # a decision applies to a face whose box overlaps its box at least this much


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class FaceRow:
    id: int
    photo_id: int
    content_hash: str
    ordinal: int
    box: Box
    score: float
    quality: float
    person_id: int | None
    assigned_by: str


@dataclass(frozen=True)
class NewFace:
    """A face the detector found, as the face pass stores it."""

    ordinal: int
    box: Box
    score: float
    quality: float
    descriptor: np.ndarray


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str | None
    hidden: bool
    faces: int
    photos: int


@dataclass(frozen=True)
class FaceSet:
    """Every face's id, descriptor and assignment, as arrays, for grouping."""

    ids: np.ndarray  # int64 [n]
    descriptors: np.ndarray  # float32 [n, 128]
    person_ids: np.ndarray  # int64 [n], -1 for none
    by_user: np.ndarray  # bool [n]
    rejected: list[frozenset[int]]


def iou(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


_FACE_COLUMNS = "id, photo_id, content_hash, ordinal, box_left, box_top, box_right, box_bottom, score, quality, person_id, assigned_by"


def _face(row) -> FaceRow:
    return FaceRow(row[0], row[1], row[2], row[3], (row[4], row[5], row[6], row[7]), row[8], row[9], row[10], row[11])


class FaceRepository:
    def __init__(self, database: Database):
        self._db = database

    # --- the face pass -----------------------------------------------------------------------

    def photos_to_scan(self, limit: int = 256) -> list[tuple[int, str, str]]:
        """(photo id, path, content hash) of readable photos whose current content has no scan."""
        rows = self._db.query(
            """SELECT p.id, p.path, p.content_hash FROM photos p
               LEFT JOIN face_scans s ON s.photo_id = p.id
               WHERE p.status = 'ok' AND p.content_hash IS NOT NULL
                 AND (s.photo_id IS NULL OR s.content_hash != p.content_hash)
               ORDER BY p.id LIMIT ?""",
            (limit,),
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def count_to_scan(self) -> int:
        return self._db.query(
            """SELECT count(*) FROM photos p LEFT JOIN face_scans s ON s.photo_id = p.id
               WHERE p.status = 'ok' AND p.content_hash IS NOT NULL
                 AND (s.photo_id IS NULL OR s.content_hash != p.content_hash)"""
        )[0][0]

    def save_scan(self, photo_id: int, content_hash: str, faces: list[NewFace], error: str | None = None) -> list[int]:
        """Replace a photo's faces with a fresh scan, applying the user's decisions for this
        content; one transaction, so a crash leaves the photo either scanned or not."""
        with self._db.write() as db:
            db.execute("DELETE FROM faces WHERE photo_id = ?", (photo_id,))
            decisions = db.execute(
                """SELECT box_left, box_top, box_right, box_bottom, person_id, verdict
                   FROM face_decisions WHERE content_hash = ? ORDER BY id""",
                (content_hash,),
            ).fetchall()
            ids = []
            for face in faces:
                person_id, rejected = None, set()
                for *box, decided_person, verdict in decisions:
                    if iou(face.box, tuple(box)) < SAME_FACE_IOU:
                        continue
                    if verdict == "is":
                        person_id = decided_person  # the latest 'is' wins
                        rejected.discard(decided_person)
                    else:
                        rejected.add(decided_person)
                        if person_id == decided_person:
                            person_id = None
                ids.append(db.execute(
                    """INSERT INTO faces (photo_id, content_hash, ordinal, box_left, box_top, box_right, box_bottom,
                       score, quality, descriptor, person_id, assigned_by, rejected)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (photo_id, content_hash, face.ordinal, *face.box, face.score, face.quality,
                     to_blob(face.descriptor), person_id, "user" if person_id else "auto",
                     json.dumps(sorted(rejected)) if rejected else None),
                ).lastrowid)
            db.execute(
                """INSERT OR REPLACE INTO face_scans (photo_id, content_hash, faces, error, scanned_at)
                   VALUES (?, ?, ?, ?, ?)""",
                (photo_id, content_hash, len(faces), error, _now()),
            )
        return ids

    def scanned_count(self) -> int:
        return self._db.query("SELECT count(*) FROM face_scans")[0][0]

    # --- reading faces -----------------------------------------------------------------------

    def face_set(self, known: dict[int, np.ndarray] | None = None, persons: list[int] | None = None) -> FaceSet:
        """All faces (or only the unassigned ones and those of `persons`); descriptors found in
        `known` (id → vector, filled in here) are not read again: a face's descriptor never
        changes, only its person does."""
        known = {} if known is None else known
        if persons is None:
            rows = self._db.query("SELECT id, person_id, assigned_by, rejected FROM faces ORDER BY id")
        else:
            rows = self._db.query(
                f"""SELECT id, person_id, assigned_by, rejected FROM faces
                    WHERE person_id IS NULL OR person_id IN ({','.join('?' * len(persons))}) ORDER BY id""",
                tuple(persons),
            )
        n = len(rows)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        missing = [int(i) for i in ids.tolist() if i not in known]
        for start in range(0, len(missing), 900):
            part = missing[start : start + 900]
            for face_id, blob in self._db.query(
                f"SELECT id, descriptor FROM faces WHERE id IN ({','.join('?' * len(part))})", tuple(part)
            ):
                known[face_id] = from_blob(blob)
        return FaceSet(
            ids,
            np.stack([known[i] for i in ids.tolist()]) if n else np.empty((0, 128), np.float32),
            np.fromiter((-1 if r[1] is None else r[1] for r in rows), dtype=np.int64, count=n),
            np.fromiter((r[2] == "user" for r in rows), dtype=bool, count=n),
            [frozenset(json.loads(r[3])) if r[3] else frozenset() for r in rows],
        )

    def faces(self, *, photo_id: int | None = None, person_id: int | None = None) -> list[FaceRow]:
        if photo_id is not None:
            rows = self._db.query(f"SELECT {_FACE_COLUMNS} FROM faces WHERE photo_id = ? ORDER BY ordinal", (photo_id,))
        elif person_id is not None:
            rows = self._db.query(
                f"SELECT {_FACE_COLUMNS} FROM faces WHERE person_id = ? ORDER BY quality DESC, id", (person_id,)
            )
        else:
            rows = self._db.query(f"SELECT {_FACE_COLUMNS} FROM faces WHERE person_id IS NULL ORDER BY quality DESC, id")
        return [_face(r) for r in rows]

    def face(self, face_id: int) -> FaceRow | None:
        rows = self._db.query(f"SELECT {_FACE_COLUMNS} FROM faces WHERE id = ?", (face_id,))
        return _face(rows[0]) if rows else None

    def count(self) -> int:
        return self._db.query("SELECT count(*) FROM faces")[0][0]

    # --- persons -----------------------------------------------------------------------------

    def persons(self) -> list[PersonRow]:
        rows = self._db.query(
            """SELECT pe.id, pe.name, pe.hidden, count(f.id), count(DISTINCT f.photo_id)
               FROM persons pe LEFT JOIN faces f ON f.person_id = pe.id
               GROUP BY pe.id ORDER BY count(f.id) DESC, pe.id"""
        )
        return [PersonRow(r[0], r[1], bool(r[2]), r[3], r[4]) for r in rows]

    def person(self, person_id: int) -> PersonRow | None:
        rows = self._db.query(
            """SELECT pe.id, pe.name, pe.hidden, count(f.id), count(DISTINCT f.photo_id)
               FROM persons pe LEFT JOIN faces f ON f.person_id = pe.id WHERE pe.id = ? GROUP BY pe.id""",
            (person_id,),
        )
        return PersonRow(rows[0][0], rows[0][1], bool(rows[0][2]), rows[0][3], rows[0][4]) if rows else None

    def visible_names(self) -> dict[int, str]:
        """{person id: name} of the named persons not hidden."""
        return dict(self._db.query("SELECT id, name FROM persons WHERE name IS NOT NULL AND hidden = 0"))

    def unconfirmed(self, person_id: int) -> list[int]:
        """The person's faces that grouping put there and the user has not confirmed."""
        return [r[0] for r in self._db.query(
            "SELECT id FROM faces WHERE person_id = ? AND assigned_by = 'auto'", (person_id,))]

    def photo_paths(self, person_id: int) -> list[str]:
        rows = self._db.query(
            """SELECT DISTINCT p.path FROM faces f JOIN photos p ON p.id = f.photo_id
               WHERE f.person_id = ? AND p.status = 'ok' ORDER BY p.taken_at, p.path""",
            (person_id,),
        )
        return [r[0] for r in rows]

    def named(self) -> dict[str, list[int]]:
        """Lower-case name → ids of the persons with that name (two people may share a name)."""
        found: dict[str, list[int]] = {}
        for person_id, name in self._db.query("SELECT id, name FROM persons WHERE name IS NOT NULL ORDER BY id"):
            found.setdefault(name.lower(), []).append(person_id)
        return found

    def create_persons(self, count: int) -> list[int]:
        with self._db.write() as db:
            return [db.execute("INSERT INTO persons (created_at) VALUES (?)", (_now(),)).lastrowid for _ in range(count)]

    def set_name(self, person_id: int, name: str | None) -> None:
        with self._db.write() as db:
            db.execute("UPDATE persons SET name = ? WHERE id = ?", (name, person_id))

    def set_hidden(self, person_id: int, hidden: bool) -> None:
        with self._db.write() as db:
            db.execute("UPDATE persons SET hidden = ? WHERE id = ?", (int(hidden), person_id))

    def assign(self, assignments: Iterable[tuple[int, int | None]], by: str = "auto") -> None:
        """(face id, person id or None) pairs."""
        with self._db.write() as db:
            db.conn.executemany(
                "UPDATE faces SET person_id = ?, assigned_by = ? WHERE id = ?",
                [(person_id, by, face_id) for face_id, person_id in assignments],
            )

    def release_auto(self) -> dict[int, int]:
        """Unassign every face the user did not decide about; returns {face id: old person id}."""
        with self._db.write() as db:
            old = dict(db.execute("SELECT id, person_id FROM faces WHERE assigned_by = 'auto' AND person_id IS NOT NULL"))
            db.execute("UPDATE faces SET person_id = NULL WHERE assigned_by = 'auto'")
        return old

    def delete_empty_unnamed(self) -> None:
        """Unnamed persons left without faces and without decisions are gone for good."""
        with self._db.write() as db:
            db.execute(
                """DELETE FROM persons WHERE name IS NULL
                   AND NOT EXISTS (SELECT 1 FROM faces f WHERE f.person_id = persons.id)
                   AND NOT EXISTS (SELECT 1 FROM face_decisions d WHERE d.person_id = persons.id)"""
            )

    # --- decisions ---------------------------------------------------------------------------

    def decide(self, face_ids: Iterable[int], person_id: int, verdict: str) -> None:
        """Record 'these faces are (not) this person' and apply it to the faces now."""
        face_ids = list(face_ids)
        with self._db.write() as db:
            for start in range(0, len(face_ids), 500):
                part = face_ids[start : start + 500]
                rows = db.execute(
                    f"""SELECT id, content_hash, box_left, box_top, box_right, box_bottom, rejected FROM faces
                        WHERE id IN ({','.join('?' * len(part))})""",
                    part,
                ).fetchall()
                now = _now()
                db.conn.executemany(
                    """INSERT INTO face_decisions (content_hash, box_left, box_top, box_right, box_bottom,
                       person_id, verdict, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(r[1], r[2], r[3], r[4], r[5], person_id, verdict, now) for r in rows],
                )
                if verdict == "is":
                    # A later 'is' outweighs an earlier 'is not' (as save_scan reads them on a rescan).
                    updates = []
                    for r in rows:
                        rejected = sorted(set(json.loads(r[6]) if r[6] else []) - {person_id})
                        updates.append((person_id, json.dumps(rejected) if rejected else None, r[0]))
                    db.conn.executemany(
                        "UPDATE faces SET person_id = ?, assigned_by = 'user', rejected = ? WHERE id = ?", updates
                    )
                else:
                    updates = []
                    for r in rows:
                        rejected = sorted(set(json.loads(r[6]) if r[6] else []) | {person_id})
                        updates.append((json.dumps(rejected), person_id, r[0]))
                    db.conn.executemany(
                        """UPDATE faces SET rejected = ?, assigned_by = 'user',
                           person_id = CASE WHEN person_id = ? THEN NULL ELSE person_id END WHERE id = ?""",
                        updates,
                    )

    def merge(self, target: int, others: list[int]) -> None:
        """Everything the others were becomes the target's, decisions included; the others go."""
        with self._db.write() as db:
            for other in others:
                db.execute("UPDATE faces SET person_id = ? WHERE person_id = ?", (target, other))
                db.execute("UPDATE face_decisions SET person_id = ? WHERE person_id = ?", (target, other))
                rows = db.execute("SELECT id, rejected FROM faces WHERE rejected LIKE ?", (f"%{other}%",)).fetchall()
                for face_id, rejected in rows:
                    ids = {target if p == other else p for p in json.loads(rejected)}
                    db.execute("UPDATE faces SET rejected = ? WHERE id = ?", (json.dumps(sorted(ids)), face_id))
                db.execute("DELETE FROM persons WHERE id = ?", (other,))
