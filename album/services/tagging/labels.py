"""Labels: the user's own words for things in photos, and the prompts that describe them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from album.errors import AlbumError
from album.store.database import Database
from album.store.settings import SettingsRepository

class LabelError(AlbumError):
    """A label the user asked for is empty, unknown or malformed."""


@dataclass(frozen=True)
class Label:
    name: str
    prompts: tuple[str, ...] = ()  # empty: the model's label embedding of the name (prompts.label_vectors)
    threshold: float | None = None  # None: the default threshold

    def to_json(self) -> dict:
        return {"name": self.name, "prompts": list(self.prompts), "threshold": self.threshold}


def starter_labels(resources: Path) -> list[Label]:
    """About fifty everyday labels shipped in resources/labels/starter.json."""
    data = json.loads((resources / "labels" / "starter.json").read_text())
    return [Label(item["name"], tuple(item.get("prompts", ())), item.get("threshold")) for item in data["labels"]]


class LabelRepository:
    def __init__(self, database: Database):
        self._db = database

    def list(self) -> list[Label]:
        rows = self._db.query("SELECT name, prompts, threshold FROM labels ORDER BY name")
        return [Label(r["name"], tuple(json.loads(r["prompts"] or "[]")), r["threshold"]) for r in rows]

    def get(self, name: str) -> Label | None:
        return next((label for label in self.list() if label.name == name), None)

    def replace_all(self, labels: list[Label]) -> None:
        with self._db.write() as db:
            db.execute("DELETE FROM labels")
            for label in labels:
                self.put(db, label)

    @staticmethod
    def put(db, label: Label) -> None:
        name = label.name.strip()
        if not name:
            raise LabelError("a label needs a name")
        if label.threshold is not None and not 0.0 <= label.threshold <= 1.0:
            raise LabelError(f"the threshold of {name!r} must be between 0 and 1")
        db.execute(
            """INSERT INTO labels (name, prompts, threshold, created_at) VALUES (?, ?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET prompts = excluded.prompts, threshold = excluded.threshold""",
            (name, json.dumps(list(label.prompts)) if label.prompts else None, label.threshold,
             datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )

    def add(self, label: Label) -> None:
        with self._db.write() as db:
            self.put(db, label)

    def remove(self, name: str) -> None:
        with self._db.write() as db:
            if db.execute("DELETE FROM labels WHERE name = ?", (name,)).rowcount == 0:
                raise LabelError(f"there is no label called {name!r}")
            # Its automatic tags go with it; tags the user set by hand stay.
            db.execute("DELETE FROM tags WHERE tag = ? AND source = 'auto'", (name,))


def seed_starter_labels(labels: LabelRepository, settings: SettingsRepository, resources: Path) -> None:
    """A new library starts with the starter labels; one whose user removed them all stays empty."""
    if settings.get("labels_seeded") is None:
        labels.replace_all(starter_labels(resources))
        settings.set("labels_seeded", "1")
