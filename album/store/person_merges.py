"""Taking the last merge of persons back: what a merge (and the regrouping right after it) will
change, saved before it runs, and put back on request.

A merge moves the others' faces, decisions and the mentions of them in faces' "not this person"
lists to the target, confirms the target's faces, and lets the target attract unsorted faces.
The snapshot holds the rows before all of that; `state()` fingerprints the target as the merge
left it, so an undo only runs while nothing about the target changed since (a rename, a face
moved, new faces from a scan): then putting the rows back loses no later decision.
"""

from __future__ import annotations

import hashlib
import json

from album.store.database import Database

_DECISION_COLUMNS = "id, content_hash, box_left, box_top, box_right, box_bottom, person_id, verdict, decided_at"


def snapshot(db: Database, target: int, others: list[int]) -> dict:
    """The rows a merge of `others` into `target` touches, as they are now (JSON-ready)."""
    ids = [target, *others]
    marks = ",".join("?" * len(ids))
    mentioned = set(ids)
    rejecting = [
        [face_id, rejected] for face_id, rejected in db.query("SELECT id, rejected FROM faces WHERE rejected IS NOT NULL")
        if mentioned & set(json.loads(rejected))
    ]
    return {
        "target": target,
        "others": others,
        "persons": [list(r) for r in db.query(f"SELECT id, name, hidden, created_at FROM persons WHERE id IN ({marks})", ids)],
        "faces": [list(r) for r in db.query(
            f"SELECT id, person_id, assigned_by, rejected FROM faces WHERE person_id IN ({marks})", ids)],
        "rejecting": rejecting,
        "decisions": [list(r) for r in db.query(
            f"SELECT {_DECISION_COLUMNS} FROM face_decisions WHERE person_id IN ({marks})", ids)],
    }


def state(db: Database, person_id: int) -> str:
    """A fingerprint of the person: name, hidden, faces (with who assigned them and their 'not'
    lists) and decisions."""
    parts = [
        [list(r) for r in db.query("SELECT name, hidden FROM persons WHERE id = ?", (person_id,))],
        [list(r) for r in db.query(
            "SELECT id, assigned_by, rejected FROM faces WHERE person_id = ? ORDER BY id", (person_id,))],
        [list(r) for r in db.query(
            "SELECT id, verdict FROM face_decisions WHERE person_id = ? ORDER BY id", (person_id,))],
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def restore(db: Database, saved: dict) -> None:
    """Put the rows of `snapshot()` back, in one transaction: the others exist again with their
    ids, names, faces and decisions; faces the target attracted after the merge are unsorted."""
    target, others = saved["target"], saved["others"]
    before = {row[0] for row in saved["faces"]}
    with db.write() as w:
        attracted = [r[0] for r in w.execute("SELECT id FROM faces WHERE person_id = ?", (target,)) if r[0] not in before]
        w.conn.executemany("UPDATE faces SET person_id = NULL, assigned_by = 'auto' WHERE id = ?",
                           [(face_id,) for face_id in attracted])
        for person_id, name, hidden, created_at in saved["persons"]:
            if person_id == target:
                w.execute("UPDATE persons SET name = ?, hidden = ? WHERE id = ?", (name, hidden, target))
            else:
                w.execute("INSERT INTO persons (id, name, hidden, created_at) VALUES (?, ?, ?, ?)",
                          (person_id, name, hidden, created_at))
        w.conn.executemany("UPDATE faces SET person_id = ?, assigned_by = ?, rejected = ? WHERE id = ?",
                           [(person_id, by, rejected, face_id) for face_id, person_id, by, rejected in saved["faces"]])
        w.conn.executemany("UPDATE faces SET rejected = ? WHERE id = ?",
                           [(rejected, face_id) for face_id, rejected in saved["rejecting"]])
        marks = ",".join("?" * (1 + len(others)))
        w.execute(f"DELETE FROM face_decisions WHERE person_id IN ({marks})", [target, *others])
        w.conn.executemany(f"INSERT INTO face_decisions ({_DECISION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           saved["decisions"])
