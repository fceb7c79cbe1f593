"""Where a ranked list stops being relevant: each photo against a baseline of neutral prompts.

A photo is kept when it matches the query better than it matches saying nothing at all:
    score(photo, query) > max over neutral prompts of score(photo, prompt) + MARGIN
Neutral prompts ('a photo', 'an image', ...) describe every photo equally badly, so the baseline
adapts to each photo (some photos score high against any text) and to each model's scale,
without a threshold per model. See MARGIN for what was measured.
"""

from __future__ import annotations

import threading

import numpy as np

from album.models.base import EmbeddingModel

NEUTRAL_PROMPTS = ("a photo", "an image", "a picture", "a photograph", "a snapshot")
# Calibrated with `python -m bench.search --relevance` on album-mini over 800 Flickr8k *train*
# photos (truth: a caption uses the word; 24 one-word queries). F1 peaks at 0.15 (precision 0.40,
# recall 0.50, 57 of 800 photos kept per query); 0.0 kept 260 of 800 (precision 0.15), i.e. a
# third of the library for every query. Precision is understated: captions omit much.
MARGIN = 0.15
# Models differ in how far apart their cosines sit: CLIP's learned temperature is 1/100,
# album-mini's 1/15.9. A margin is a difference of logits (cosine x scale) that means the same
# for both, so MARGIN, measured on album-mini, becomes MARGIN_LOGITS / scale for any model.
ALBUM_MINI_SCALE = 15.9
MARGIN_LOGITS = MARGIN * ALBUM_MINI_SCALE
DEFAULT_SCALE = 100.0  # CLIP's; models that learned their own expose `logit_scale`


def logit_scale(model: EmbeddingModel) -> float:
    return float(getattr(model, "logit_scale", DEFAULT_SCALE))


def margin_for(model: EmbeddingModel) -> float:
    """The relevance margin in this model's cosine units (0.15 for album-mini, 0.024 for CLIP)."""
    return MARGIN_LOGITS / logit_scale(model)


class RelevanceCutoff:
    def __init__(self, margin: float | None = None, prompts: tuple[str, ...] = NEUTRAL_PROMPTS):
        self.margin = margin  # None: each model's own (margin_for)
        self.prompts = prompts
        self._lock = threading.Lock()
        self._neutral: dict[str, np.ndarray] = {}  # model id → [prompts, dim]

    def baseline(self, model: EmbeddingModel, vectors: np.ndarray) -> np.ndarray:
        """Each photo's best score against the neutral prompts."""
        return (np.asarray(vectors, np.float32) @ self._neutral_vectors(model).T).max(axis=1)

    def relevant(self, model: EmbeddingModel, vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Boolean mask over `vectors` (photos, [n, dim]) of those relevant to `query` ([dim])."""
        vectors = np.asarray(vectors, np.float32)
        if vectors.size == 0:
            return np.zeros(0, bool)
        margin = margin_for(model) if self.margin is None else self.margin
        return vectors @ query > self.baseline(model, vectors) + margin

    def _neutral_vectors(self, model: EmbeddingModel) -> np.ndarray:
        with self._lock:
            if model.model_id not in self._neutral:
                self._neutral[model.model_id] = np.asarray(model.encode_texts(list(self.prompts)), np.float32)
            return self._neutral[model.model_id]
