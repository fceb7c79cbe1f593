"""Which photos a label would tag, before it is saved: scores of every photo, computed once per
label text and then filtered by the threshold as the slider moves (typed data, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LabelScores:
    name: str
    prompts: tuple[str, ...]
    photo_ids: np.ndarray  # int64, best first
    scores: np.ndarray  # float, same order: the label's probability for each photo

    def above(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        keep = self.scores >= threshold
        return self.photo_ids[keep], self.scores[keep]


def score_label(library, name: str, prompts: tuple[str, ...]) -> LabelScores:
    """Every photo's probability for a label (not saved). Runs on the model pool."""
    from album.services.labels import Label

    label = Label(name, prompts)
    ids, scores = [], []
    for batch_ids, vectors in library.embeddings.iter_vectors(library.model_id):
        ids.append(batch_ids)
        scores.append(library.tagging.probabilities(vectors, [label])[:, 0])
    if not ids:
        return LabelScores(name, prompts, np.empty(0, np.int64), np.empty(0))
    ids, scores = np.concatenate(ids), np.concatenate(scores)
    order = np.argsort(-scores, kind="stable")
    return LabelScores(name, prompts, ids[order], scores[order])


def tagged_count(library, name: str) -> int:
    return library.tagging.tag_counts([name]).get(name, 0)


def labels_with_counts(library) -> tuple[list, dict[str, int]]:
    """The labels, and how many photos each one tags now (for the editor's list)."""
    return library.labels.list(), library.tagging.tag_counts()
