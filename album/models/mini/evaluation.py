"""Retrieval and zero-shot metrics on embeddings, shared by training (model selection on held-out
train photos) and bench/quality.py (the reported numbers), so both measure the same way."""

from __future__ import annotations

import numpy as np


def _ranks_of_targets(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """0-based rank of each row's target column (ties, rare with float scores, go to the target)."""
    target_scores = scores[np.arange(len(scores)), targets]
    return (scores > target_scores[:, None]).sum(axis=1)


def text_to_image(image_vectors: np.ndarray, text_vectors: np.ndarray, text_image: np.ndarray) -> dict[str, float]:
    """Each caption queries the gallery of photos; its own photo is the one right answer."""
    ranks = _ranks_of_targets(text_vectors @ image_vectors.T, np.asarray(text_image))
    return {"R@1": 100 * float((ranks < 1).mean()), "R@5": 100 * float((ranks < 5).mean()),
            "R@10": 100 * float((ranks < 10).mean()), "median_rank": float(np.median(ranks + 1))}


def image_to_text(image_vectors: np.ndarray, text_vectors: np.ndarray, text_image: np.ndarray) -> dict[str, float]:
    """Each photo queries all captions; a hit is any of its own captions (the standard protocol)."""
    scores = image_vectors @ text_vectors.T
    order = np.argsort(-scores, axis=1)
    hits = np.asarray(text_image)[order] == np.arange(len(image_vectors))[:, None]
    first = hits.argmax(axis=1)
    return {"R@1": 100 * float((first < 1).mean()), "R@5": 100 * float((first < 5).mean()),
            "R@10": 100 * float((first < 10).mean())}


def zero_shot(image_vectors: np.ndarray, label_vectors: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Top-1/top-5 accuracy (%) of classifying each photo by its nearest label vector."""
    ranks = _ranks_of_targets(image_vectors @ label_vectors.T, np.asarray(labels))
    return {"top1": 100 * float((ranks < 1).mean()), "top5": 100 * float((ranks < 5).mean())}


def mean_average_precision(image_vectors: np.ndarray, label_vectors: np.ndarray, positives: np.ndarray) -> float:
    """Tagging quality (%): for each label, the average precision of ranking all photos by their
    similarity to it; `positives` is a bool [n_photos, n_labels] matrix. Labels without positives
    are skipped."""
    scores = image_vectors @ label_vectors.T
    precisions = []
    for label in range(label_vectors.shape[0]):
        truth = positives[:, label]
        if not truth.any():
            continue
        order = np.argsort(-scores[:, label], kind="stable")
        hits = truth[order]
        cumulative = np.cumsum(hits)
        precisions.append(float((cumulative[hits] / (np.flatnonzero(hits) + 1)).mean()))
    return 100 * float(np.mean(precisions)) if precisions else float("nan")
