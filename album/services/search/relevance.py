"""Where a ranked list stops being relevant: the query against each photo's own best concepts.

A photo is shown for a query when the query competes with what the photo most looks like. Each
photo gets, once, from its vector, a *baseline*: the log-partition of its zero-shot scores over a
broad vocabulary (the 1,000 ImageNet classes, resources/relevance/concepts.txt), at the model's
own temperature:
    baseline(photo) = T · log Σ_c exp(cos(photo, c) / T),   T = 1 / logit_scale
so  margin = (cos(photo, query) − baseline(photo)) / T  is the log-probability that the photo would
be classified as the query among the vocabulary and the query: a piano photo scores high for
"grand piano" *and* for its own best concepts, a photo that scores high against any text (busy
scenes, text-heavy photos) has a high baseline too. A photo is shown when margin ≥ the model's
calibrated threshold. One threshold per kind of query: a *phrase* ("grand piano", up to
PHRASE_MAX_WORDS words, embedded like a tagging label) and a *sentence* (a caption-like
description, which matches fewer concepts' words and so sits lower). Tagging uses the same margin
with its own calibrated threshold; search also shows the photos tagged with the query's words, so a
photo tagged "beach" is shown for "beach". Near a clear match (one photo past the threshold), the
photos within `near_best` logits of the best one are shown too: relative evidence that matters most
inside a filter ("dalmatian in Paris": the Paris photos closest to the clearest dalmatian).

Measured with `python -m bench.relevance` (album-mini, 1,700 Caltech photos typed as class
names): raw-score threshold 0.085 precision / F1 0.141 → this cut ~0.6 / 0.53. The thresholds come
from resources/relevance/calibration.json, written by `python -m bench.relevance --calibrate`
per model (album-mini keyed by its heads' digest); uncalibrated models use FALLBACK, which is in
logits and so carries over between models with different temperatures.

Baselines are computed while indexing, stored per (photo, model) in SQLite (store/baselines.py),
filled in for existing libraries from their stored vectors, and held in memory by search: cutting
a query reads no vectors.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
import weakref
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from album.models.base import EmbeddingModel, l2_normalise
from album.resources import resources_dir
from album.store.baselines import BaselineRepository
from album.store.database import Database
from album.store.embeddings import EmbeddingRepository

log = logging.getLogger(__name__)

CONCEPTS_FILE = "concepts.txt"
CALIBRATION_FILE = "calibration.json"
CONCEPT_TEMPLATE = "a photo of a {}."
CONCEPTS_VERSION = 1  # bump when how baselines are computed changes: stored ones are recomputed
PHRASE_MAX_WORDS = 3  # "grand piano", "a red car": a phrase; longer: a sentence
DEFAULT_SCALE = 100.0  # CLIP's; models that learned their own expose `logit_scale`


@dataclass(frozen=True)
class Calibration:
    """Thresholds on the margin, in logits (log-probability units), for one model."""

    phrase: float
    sentence: float
    # Never cut to nothing when something clearly matches: the best photo is kept when its margin
    # is within this much of the threshold (a 30-photo library with one piano).
    slack: float = 0.5
    source: str = ""
    # Near the best match: a photo whose margin is within `near_best` of the best candidate's (and
    # at least `near_floor`) is shown too. The evidence is relative: among the photos taken in
    # Paris, the ones that score almost like the clearest dalmatian are dalmatians, even where the
    # absolute margin is modest. 0 turns it off.
    near_best: float = 0.0
    near_floor: float = float("-inf")
    # Automatic tags' threshold (None: the phrase threshold). Search also shows every photo tagged
    # with the query's words (services/search/service.py), so a photo tagged "beach" is shown for "beach"
    # even when this is below the phrase threshold.
    tag: float | None = None

    def tag_threshold(self) -> float:
        return self.phrase if self.tag is None else self.tag


# For models nobody calibrated: album-mini's values (chosen on half the Caltech classes and on
# Flickr8k train captions, see calibration.json). In logits, so they mean the same share of a
# photo's zero-shot probability for any temperature.
FALLBACK = Calibration(phrase=-3.5, sentence=-4.0, source="fallback: album-mini's thresholds")


def logit_scale(model: EmbeddingModel) -> float:
    return float(getattr(model, "logit_scale", DEFAULT_SCALE))


def model_key(model: EmbeddingModel) -> str:
    """Which weights these are: album-mini keeps its id across retrained heads, so its key adds
    the heads' digest; other ids already name their weights."""
    from album.models.registry import builtin_version

    version = builtin_version(model.model_id)
    return f"{model.model_id}@{version}" if version else model.model_id


@functools.lru_cache(maxsize=1)
def concept_names() -> tuple[str, ...]:
    text = (resources_dir() / "relevance" / CONCEPTS_FILE).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=1)
def _concepts_digest() -> str:
    return hashlib.sha256("\n".join(concept_names()).encode()).hexdigest()[:8]


def concepts_key(model: EmbeddingModel) -> str:
    """What a stored baseline was made with; a baseline with another key is recomputed."""
    return f"v{CONCEPTS_VERSION}-{_concepts_digest()}-{model_key(model)}"


@functools.lru_cache(maxsize=None)
def _calibration_file() -> dict:
    path = resources_dir() / "relevance" / CALIBRATION_FILE
    try:
        return json.loads(path.read_text()).get("models", {})
    except (OSError, ValueError) as error:
        log.warning("cannot read %s (%s): every model uses the fallback relevance thresholds", path, error)
        return {}


def calibration_for(model: EmbeddingModel) -> Calibration:
    entry = _calibration_file().get(model_key(model))
    if entry is None:
        return FALLBACK
    tag = entry.get("tag")
    return Calibration(float(entry["phrase"]), float(entry["sentence"]), float(entry.get("slack", FALLBACK.slack)),
                       f"calibrated: {entry.get('chosen_on', '')}", near_best=float(entry.get("near_best", 0.0)),
                       near_floor=float(entry.get("near_floor", float("-inf"))),
                       tag=None if tag is None else float(tag))


def is_phrase(text: str) -> bool:
    return len(text.split()) <= PHRASE_MAX_WORDS


ARTICLES = frozenset({"a", "an", "the", "some"})


def _without_article(text: str) -> str:
    """'a grand piano' → 'grand piano': the label templates supply their own ('a photo of a {}.')."""
    words = text.split()
    return " ".join(words[1:]) if len(words) > 1 and words[0].lower() in ARTICLES else text


def query_vectors(model: EmbeddingModel, texts: Sequence[str]) -> np.ndarray:
    """Unit vectors for query terms: a phrase as tagging embeds a label (the model's prompt
    ensemble; album-mini grounds words it never learned), a sentence as it is. [n, dim]"""
    from album.models.prompts import label_vectors

    out = np.zeros((len(texts), 0), np.float32)
    phrases = [i for i, text in enumerate(texts) if is_phrase(text)]
    sentences = [i for i, text in enumerate(texts) if not is_phrase(text)]
    parts = {}
    if phrases:
        parts.update(zip(phrases, label_vectors(model, [_without_article(texts[i]) for i in phrases])))
    if sentences:
        parts.update(zip(sentences, model.encode_texts([texts[i] for i in sentences])))
    if parts:
        out = np.stack([parts[i] for i in range(len(texts))])
    return l2_normalise(out)


# Concept vectors per loaded model object: a pure function of its weights that costs ~1,000 text
# encodes (seconds), shared by every library open in the process; weak, so it goes with the model.
_CONCEPTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_CONCEPTS_LOCK = threading.Lock()


def concept_vectors(model: EmbeddingModel) -> np.ndarray:
    """The vocabulary in the model's space: its own `concept_vectors` when it has them (album-mini:
    the ImageNet class texts its image head was trained against), else the concept names through
    its text encoder. [concepts, dim]"""
    with _CONCEPTS_LOCK:
        try:
            vectors = _CONCEPTS.get(model)
        except TypeError:  # not weak-referenceable: computed each time
            vectors = None
        if vectors is None:
            own = getattr(model, "concept_vectors", None)
            vectors = own() if own is not None else None
            if vectors is None:
                vectors = model.encode_texts([CONCEPT_TEMPLATE.format(name) for name in concept_names()])
            vectors = l2_normalise(vectors)
            try:
                _CONCEPTS[model] = vectors
            except TypeError:
                pass
        return vectors


def baselines(vectors: np.ndarray, concepts: np.ndarray, scale: float) -> np.ndarray:
    """Each photo's log-partition over the concepts at temperature 1/scale, in cosine units. [n]"""
    logits = np.asarray(vectors, np.float32) @ concepts.T * scale
    top = logits.max(axis=1, keepdims=True)
    return ((top + np.log(np.exp(logits - top).sum(axis=1, keepdims=True)))[:, 0] / scale).astype(np.float32)


class RelevanceCutoff:
    """Baselines per model (in memory, filled from and into SQLite) and the keep decision."""

    def __init__(self, database: Database | None = None, calibration: Calibration | None = None):
        self._db = database
        self._store = BaselineRepository(database) if database is not None else None
        self._embeddings = EmbeddingRepository(database) if database is not None else None
        self._calibration = calibration  # None: each model's own (calibration_for)
        self._lock = threading.RLock()
        self._memory: dict[str, np.ndarray] = {}  # concepts key → baseline per photo id (NaN: unknown)

    def calibration(self, model: EmbeddingModel) -> Calibration:
        return self._calibration or calibration_for(model)

    def threshold(self, model: EmbeddingModel, phrase: bool) -> float:
        calibration = self.calibration(model)
        return calibration.phrase if phrase else calibration.sentence

    def tag_threshold(self, model: EmbeddingModel) -> float:
        return self.calibration(model).tag_threshold()

    # --- concepts and baselines ---------------------------------------------------------------

    def concept_vectors(self, model: EmbeddingModel) -> np.ndarray:
        return concept_vectors(model)

    def compute(self, model: EmbeddingModel, vectors: np.ndarray) -> np.ndarray:
        """Baselines of these photo vectors, from the vectors alone."""
        if len(vectors) == 0:
            return np.zeros(0, np.float32)
        return baselines(vectors, self.concept_vectors(model), logit_scale(model))

    def margins(self, model: EmbeddingModel, vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
        """[photos, queries] margins in logits, baselines computed from the vectors (tagging)."""
        vectors = np.asarray(vectors, np.float32)
        return logit_scale(model) * (vectors @ np.atleast_2d(queries).T - self.compute(model, vectors)[:, None])

    def fill(self, model: EmbeddingModel) -> int:
        """Store a baseline for every photo that has a vector of this model but no current
        baseline (new photos, or a library from before baselines or with other weights)."""
        if self._store is None:
            return 0
        key = concepts_key(model)
        if self._store.count_missing(model.model_id, key) == 0:
            return 0
        done = 0
        for ids, vectors in self._store.iter_missing(model.model_id, key):
            values = self.compute(model, vectors)
            with self._db.write() as db:
                BaselineRepository.put_many(db, model.model_id, key, zip(ids.tolist(), values.tolist()))
            self._remember(key, ids, values)
            done += len(ids)
        log.info("relevance baselines: %d photos for %s", done, model.model_id)
        return done

    def for_ids(self, model: EmbeddingModel, ids: np.ndarray) -> np.ndarray:
        """Baselines of these photos: from memory, else SQLite (read whole once), else computed
        from their vectors (photos indexed by another process since)."""
        key = concepts_key(model)
        ids = np.asarray(ids, np.int64)
        with self._lock:
            if key not in self._memory and self._store is not None:
                self._remember(key, *self._store.all(model.model_id, key))
            values = self._lookup(key, ids)
        missing = np.isnan(values)
        if missing.any() and self._embeddings is not None:
            found = {}
            for part_ids, vectors in self._embeddings.iter_vectors(model.model_id, ids[missing]):
                found.update(zip(part_ids.tolist(), self.compute(model, vectors).tolist()))
            if found:
                self._remember(key, np.fromiter(found, np.int64), np.fromiter(found.values(), np.float32))
            values[missing] = [found.get(i, np.nan) for i in ids[missing].tolist()]
        return values

    def lowest(self, model: EmbeddingModel) -> float:
        """The smallest baseline known for this model: no photo scoring below it plus the
        threshold can be kept, which tells search when to stop fetching."""
        key = concepts_key(model)
        with self._lock:
            memory = self._memory.get(key)
            if memory is None or not np.isfinite(memory).any():
                return -np.inf
            return float(np.nanmin(memory))

    def _remember(self, key: str, ids: np.ndarray, values: np.ndarray) -> None:
        with self._lock:
            memory = self._memory.get(key, np.full(0, np.nan, np.float32))
            if ids.size and ids.max() >= memory.size:
                grown = np.full(int(ids.max()) + 1 + memory.size // 4, np.nan, np.float32)
                grown[: memory.size] = memory
                memory = grown
            memory[ids] = values
            self._memory[key] = memory

    def _lookup(self, key: str, ids: np.ndarray) -> np.ndarray:
        memory = self._memory.get(key, np.full(0, np.nan, np.float32))
        values = np.full(ids.size, np.nan, np.float32)
        inside = ids < memory.size
        values[inside] = memory[ids[inside]]
        return values

    def forget(self, model_id: str | None = None) -> None:
        """Drop what is held in memory (after photos were re-embedded elsewhere)."""
        with self._lock:
            self._memory.clear()

    # --- the decision ---------------------------------------------------------------------------

    def keep(self, model: EmbeddingModel, ids: np.ndarray, scores: np.ndarray, phrase: bool) -> tuple[np.ndarray, np.ndarray]:
        """(keep mask, margins in logits) for ranked photos and their cosine scores to the query.

        `ids` are the candidates judged together (the best ranked photos of the library, or of
        the photos a filter allows): the near-best rule compares each with the best of them."""
        values = self.for_ids(model, ids)
        margins = logit_scale(model) * (np.asarray(scores, np.float32) - values)
        margins = np.where(np.isnan(margins), -np.inf, margins)  # no vector left: not shown
        return margins >= self.effective_threshold(model, phrase, margins), margins

    def effective_threshold(self, model: EmbeddingModel, phrase: bool, margins: np.ndarray) -> float:
        """The lowest margin shown among these candidates: the threshold, or lower near the best."""
        calibration = self.calibration(model)
        threshold = self.threshold(model, phrase)
        if calibration.near_best > 0 and margins.size and float(margins.max()) >= threshold:  # near a clear match
            threshold = min(threshold, max(calibration.near_floor, float(margins.max()) - calibration.near_best))
        return threshold
