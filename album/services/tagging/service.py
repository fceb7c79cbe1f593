"""Automatic tags from the user's labels: zero-shot scores of stored embeddings against label prompts.

A label's score for a photo is search's relevance margin for the label's words (search/relevance.py: how
the label competes with the photo's own best concepts, in logits) beyond the model's calibrated
tag threshold, squashed to 0-1:
    p = sigmoid(margin(photo, label) - tag threshold)
So p = 0.5 is the default threshold, whatever the model. Search shows every photo tagged with the
query's words besides those that pass its cut, so a photo tagged "beach" is shown for "beach".
A photo gets a label when p reaches the label's threshold and the label is among the photo's
best few, so one strong subject does not drag in every related label. Everything works from stored vectors, so
changing labels re-tags a whole library in seconds without decoding or embedding a photo.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from album.errors import AlbumError
from album.models.base import EmbeddingModel, l2_normalise
from album.models.prompts import label_vectors
from album.services.tagging.labels import Label, LabelRepository
from album.services.search import RelevanceCutoff
from album.store.chunks import execute_in
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.5  # p = 0.5: the label's words clear search's relevance cutoff
MAX_AUTO_TAGS = 3  # per photo: the best few labels, not every label that clears its threshold
TAGS_MADE_WITH = "auto_tags_made_with"  # settings key: the fingerprint of what the stored automatic tags came from


class TagError(AlbumError):
    """A tag the user gave cannot be a tag (it is empty)."""


def _tag_name(tag: str) -> str:
    """The tag as stored: without surrounding spaces, and never empty."""
    name = tag.strip()
    if not name:
        raise TagError("a tag needs a name: it is empty")
    return name


@dataclass(frozen=True)
class Tag:
    tag: str
    score: float | None
    source: str  # 'auto' or 'manual'

    def to_json(self) -> dict:
        return {"tag": self.tag, "score": None if self.score is None else round(self.score, 4), "source": self.source}


@dataclass(frozen=True)
class TaggingSummary:
    photos: int
    tags: int
    seconds: float


class TaggingService:
    def __init__(
        self,
        database: Database,
        embeddings: EmbeddingRepository,
        labels: LabelRepository,
        model: Callable[[], EmbeddingModel],
        *,
        relevance: RelevanceCutoff | None = None,
    ):
        self._db = database
        self._settings = SettingsRepository(database)
        self._relevance = relevance or RelevanceCutoff(database)
        self._embeddings = embeddings
        self._labels = labels
        self._model = model
        self._text_cache: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    # --- scoring --------------------------------------------------------------------------------

    def _text_vector(self, prompts: tuple[str, ...]) -> np.ndarray:
        model = self._model()
        key = (model.model_id, prompts)
        if key not in self._text_cache:
            self._text_cache[key] = l2_normalise(model.encode_texts(list(prompts)).mean(axis=0, keepdims=True))[0]
        return self._text_cache[key]

    def _label_vector(self, label: Label) -> np.ndarray:
        if label.prompts:  # the user's own phrasings are taken as they are
            return self._text_vector(tuple(label.prompts))
        model = self._model()
        key = (model.model_id, ("label", label.name))
        if key not in self._text_cache:
            # The model's own label embedding: for album-mini the prompt ensemble, grounded in a
            # dictionary when the heads never learned the word (album.models.mini.grounding).
            self._text_cache[key] = label_vectors(model, [label.name])[0]
        return self._text_cache[key]

    def label_matrix(self, labels: list[Label]) -> np.ndarray:
        """One unit vector per label, float32 [n_labels, dim]."""
        return np.stack([self._label_vector(label) for label in labels])

    def explain_label(self, label: Label) -> str:
        """How the model reads a label ('' when by its plain words), for the labels list."""
        explain = getattr(self._model(), "explain_label", None)
        return explain(label.name) if explain is not None and not label.prompts else ""

    def probabilities(self, photo_vectors: np.ndarray, labels: list[Label]) -> np.ndarray:
        """[n_photos, n_labels] in 0-1: 0.5 where search starts showing the photo for the label."""
        model = self._model()
        margins = self._relevance.margins(model, photo_vectors, self.label_matrix(labels)).astype(np.float64)
        # float64: a clear match sits tens of logits above the threshold, where float32 rounds to 1.
        return 1.0 / (1.0 + np.exp(-(margins - self._relevance.tag_threshold(model))))

    def rank_labels(self, photo_vector: np.ndarray, labels: list[Label] | None = None) -> list[tuple[str, float]]:
        """Every label for one photo, best first, with its probability (for 'why' and previews)."""
        labels = labels if labels is not None else self._labels.list()
        if not labels:
            return []
        probabilities = self.probabilities(photo_vector[None, :], labels)[0]
        order = np.argsort(-probabilities)
        return [(labels[i].name, float(probabilities[i])) for i in order]

    # --- writing tags ---------------------------------------------------------------------------

    def retag(self, photo_ids: Iterable[int] | None = None) -> TaggingSummary:
        """Recompute automatic tags for these photos (default: all) from their stored vectors.

        Manual tags are never touched, and an automatic tag the user removed stays removed.
        """
        import time

        started = time.monotonic()
        labels = self._labels.list()
        model_id = self._model().model_id
        ids = None if photo_ids is None else np.fromiter(photo_ids, dtype=np.int64)
        photos = tags = 0
        for batch_ids, vectors in self._embeddings.iter_vectors(model_id, ids):
            rows = self._auto_tags(batch_ids, vectors, labels) if labels else []
            with self._db.write() as db:
                execute_in(db.execute, "DELETE FROM tags WHERE source = 'auto' AND hidden = 0 AND photo_id IN ({marks})",
                           batch_ids.tolist())
                # INSERT OR IGNORE: a manual or user-hidden row for the same tag wins.
                db.conn.executemany(
                    "INSERT OR IGNORE INTO tags (photo_id, tag, score, source) VALUES (?, ?, ?, 'auto')", rows
                )
            photos += len(batch_ids)
            tags += len(rows)
        if photo_ids is None:  # labels removed since: their automatic tags go too
            with self._db.write() as db:
                names = [label.name for label in labels]
                db.execute(
                    f"DELETE FROM tags WHERE source = 'auto' AND tag NOT IN ({','.join('?' * len(names))})", names
                )
            self._settings.set(TAGS_MADE_WITH, self.fingerprint(labels))
        return TaggingSummary(photos, tags, round(time.monotonic() - started, 3))

    def fingerprint(self, labels: list[Label] | None = None) -> str:
        """What the automatic tags depend on besides the photos' vectors: the model, its tag
        threshold, and each label with its vector. A new version of album that embeds labels
        differently (other prompts, a better dictionary) changes it."""
        labels = labels if labels is not None else self._labels.list()
        model = self._model()
        digest = hashlib.sha256(repr((model.model_id, self._relevance.tag_threshold(model),
                                      [(label.name, label.prompts, label.threshold) for label in labels])).encode())
        if labels:
            # Rounded: the same weights give the same vector up to float noise between runs.
            digest.update(np.round(self.label_matrix(labels), 4).tobytes())
        return digest.hexdigest()[:16]

    def retag_if_stale(self) -> TaggingSummary | None:
        """Re-tag the whole library when its automatic tags were made some other way than the
        current model and labels would make them (an upgraded album, a recalibrated threshold);
        None when they are current. Libraries tagged before this check get re-tagged once."""
        if self._settings.get(TAGS_MADE_WITH) == self.fingerprint():
            return None
        return self.retag()

    def _auto_tags(self, ids: np.ndarray, vectors: np.ndarray, labels: list[Label]) -> list[tuple]:
        probabilities = self.probabilities(vectors, labels)
        thresholds = np.array([DEFAULT_THRESHOLD if label.threshold is None else label.threshold for label in labels])
        best = np.argsort(-probabilities, axis=1)[:, :MAX_AUTO_TAGS]
        rows = []
        for row, photo_id in enumerate(ids.tolist()):
            for col in best[row]:
                if probabilities[row, col] >= thresholds[col]:
                    rows.append((photo_id, labels[col].name, float(probabilities[row, col])))
        return rows

    # --- reading and editing tags ---------------------------------------------------------------

    def tags(self, photo_ids: Iterable[int] | None = None) -> dict[int, list[Tag]]:
        """Visible tags per photo id, manual first, then by score."""
        sql = "SELECT photo_id, tag, score, source FROM tags WHERE hidden = 0"
        order = " ORDER BY photo_id, source DESC, score DESC"
        if photo_ids is None:
            rows = self._db.query(sql + order)
        else:  # chunks hold whole photos, so each photo's tags keep their order
            rows = execute_in(self._db.query, sql + " AND photo_id IN ({marks})" + order, photo_ids)
        result: dict[int, list[Tag]] = {}
        for row in rows:
            result.setdefault(row["photo_id"], []).append(Tag(row["tag"], row["score"], row["source"]))
        return result

    def tag_counts(self, tags: Iterable[str] | None = None) -> dict[str, int]:
        """How many photos carry each visible tag (all tags, or only these)."""
        sql = "SELECT tag, count(*) FROM tags WHERE hidden = 0"
        if tags is None:
            rows = self._db.query(sql + " GROUP BY tag")
        else:
            rows = execute_in(self._db.query, sql + " AND tag IN ({marks}) GROUP BY tag", tags)
        return {row[0]: row[1] for row in rows}

    def add_tag(self, photo_id: int, tag: str) -> None:
        """A tag the user set by hand: it wins over (and replaces) an automatic one."""
        self._set_by_hand(photo_id, tag, hidden=False)

    def user_choices(self, tag: str) -> tuple[set[int], set[int]]:
        """Photos the user tagged `tag` by hand, and those they removed it from: re-tagging keeps both."""
        rows = self._db.query("SELECT photo_id, hidden FROM tags WHERE tag = ? AND source = 'manual'", (tag,))
        return {r[0] for r in rows if not r[1]}, {r[0] for r in rows if r[1]}

    def remove_tag(self, photo_id: int, tag: str) -> None:
        """Removed by the user: kept as a hidden manual row so re-tagging does not bring it back."""
        self._set_by_hand(photo_id, tag, hidden=True)

    def _set_by_hand(self, photo_id: int, tag: str, *, hidden: bool) -> None:
        with self._db.write() as db:
            db.execute(
                """INSERT INTO tags (photo_id, tag, score, source, hidden) VALUES (?, ?, NULL, 'manual', ?)
                   ON CONFLICT(photo_id, tag)
                   DO UPDATE SET source = 'manual', score = NULL, hidden = excluded.hidden""",
                (photo_id, _tag_name(tag), int(hidden)),
            )
