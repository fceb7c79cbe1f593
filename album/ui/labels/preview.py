"""Which photos a label would tag, before it is saved: scores of every photo, computed once per
label text and then filtered by the threshold as the slider moves (typed data, no Qt).

The preview decides as saving does (`TaggingService.retag`): a photo gets the label when its
probability clears the threshold *and* the label is among the photo's best few of all labels,
unless the user removed that tag from it; photos the user tagged by hand always have it.
So the preview shows the photos saving will tag, in the order of their scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class LabelScores:
    name: str
    prompts: tuple[str, ...]
    photo_ids: np.ndarray  # int64, best first
    scores: np.ndarray  # float, same order: the label's probability for each photo
    among_best: np.ndarray | None = None  # bool, same order: among the photo's best few labels
    manual: frozenset = field(default_factory=frozenset)  # tagged by hand: always tagged
    removed: frozenset = field(default_factory=frozenset)  # the user removed it: never tagged

    def above(self, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """The photos saving would tag at this threshold, best first, and their scores."""
        keep = self.scores >= threshold
        if self.among_best is not None:
            keep &= self.among_best
        if self.removed:
            keep &= ~np.isin(self.photo_ids, list(self.removed))
        if self.manual:
            keep |= np.isin(self.photo_ids, list(self.manual))
        return self.photo_ids[keep], self.scores[keep]


def score_label(library, name: str, prompts: tuple[str, ...]) -> LabelScores:
    """Every photo's probability for a label (not saved), next to the other labels. Model pool."""
    from album.services.tagging import Label
    from album.services.tagging import MAX_AUTO_TAGS

    labels = [label for label in library.labels.list() if label.name != name] + [Label(name, prompts)]
    ids, scores, among_best = [], [], []
    for batch_ids, vectors in library.embeddings.iter_vectors(library.model_id):
        probabilities = library.tagging.probabilities(vectors, labels)
        best = np.argsort(-probabilities, axis=1)[:, :MAX_AUTO_TAGS]  # as retag ranks them
        ids.append(batch_ids)
        scores.append(probabilities[:, -1])
        among_best.append((best == len(labels) - 1).any(axis=1))
    manual, removed = library.tagging.user_choices(name)
    if not ids:
        return LabelScores(name, prompts, np.empty(0, np.int64), np.empty(0), np.empty(0, bool))
    ids, scores, among_best = np.concatenate(ids), np.concatenate(scores), np.concatenate(among_best)
    order = np.argsort(-scores, kind="stable")
    return LabelScores(name, prompts, ids[order], scores[order], among_best[order], frozenset(manual),
                       frozenset(removed))


def tagged_count(library, name: str) -> int:
    return library.tagging.tag_counts([name]).get(name, 0)


def labels_with_counts(library) -> tuple[list, dict[str, int]]:
    """The labels, and how many photos each one tags now (for the editor's list)."""
    return library.labels.list(), library.tagging.tag_counts()
