"""How many prompt templates a label or typed phrase needs: `python -m bench.prompt_ensembles`.

For ensembles of the first 8, 4, 2 and 1 of LABEL_TEMPLATES (album-mini by default):
  - the relevance cut recalibrated for each exactly as `bench.relevance --calibrate` does (Caltech
    class half A chooses, half B is held out), then its Caltech, caption and tag numbers;
  - familiar words: every caption noun album-mini knows well (used by >= 15 captions of the
    photos below), typed as a query over the Flickr8k val photos and the train photos
    bench.relevance embeds; mean average precision (a photo is right when one of its captions
    says the word), paired against the shipped ensemble with a bootstrap 95% interval;
  - the text-encoder time per phrase for the 85 class names, encoded together.
Nothing is written: the shipped calibration stays as it is. Reads the photo vectors
bench.relevance caches (--cache), so run that first.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

import album.models.prompts as prompts
import bench.relevance as relevance
from album.services.search.relevance import query_vectors
from bench.quality import DEFAULT_DATA, resolve_model

COUNTS = (8, 4, 2, 1)
MIN_CAPTIONS = 15
NOT_SUBJECTS = {"the", "and", "are", "his", "her", "one", "two", "three", "with", "while", "man", "men", "person",
                "people", "other", "front", "top", "side", "something", "area", "being", "does", "going", "getting",
                "above", "behind", "down"}
REPORT_LINES = ("classes", "Flickr8k", "absent", "place", "automatic")


@contextlib.contextmanager
def templates(chosen: tuple[str, ...]):
    """label_prompts and ensemble_label_vectors with these templates for their default."""
    before = prompts.label_prompts.__defaults__, prompts.ensemble_label_vectors.__defaults__
    prompts.label_prompts.__defaults__ = prompts.ensemble_label_vectors.__defaults__ = (chosen,)
    try:
        yield
    finally:
        prompts.label_prompts.__defaults__, prompts.ensemble_label_vectors.__defaults__ = before


def average_precision(truth: np.ndarray, scores: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = truth[order]
    if not hits.any():
        return 0.0
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float(precision_at[hits].mean())


def familiar_words(d: relevance.Data, files: list[str]) -> list[str]:
    grounding = d.model._label_grounding() if hasattr(d.model, "_label_grounding") else None
    counts: Counter = Counter()
    for f in files:
        counts.update(set(re.findall(r"[a-z]+", " ".join(d.captions[f]).lower())))
    words = [w for w, c in counts.items() if c >= MIN_CAPTIONS and len(w) > 2 and w not in NOT_SUBJECTS]
    if grounding is not None:  # nouns it knows well: their vectors are the plain prompt ensemble
        words = [w for w in words if grounding._lexicon.lemmas(w) and grounding.familiar(w)]
    return sorted(words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="album-mini")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=None, help="bench.relevance's vector cache")
    args = parser.parse_args(argv)
    model = resolve_model(args.model)
    d = relevance.Data(model, args.data, relevance.cache_root(args.cache))
    files = d.val_files + d.train_files
    photos = np.concatenate([d.val, d.train])
    words = familiar_words(d, files)
    truth = np.array([[relevance.caption_truth(d.captions[f], [w]) for f in files] for w in words])
    print(f"familiar words: {len(words)} caption nouns over {len(files)} Flickr8k photos")
    shipped = len(prompts.ENSEMBLE_TEMPLATES)
    aps = {}
    for count in COUNTS:
        with templates(prompts.LABEL_TEMPLATES[:count]):
            started = time.perf_counter()
            d.class_vectors = query_vectors(model, d.class_queries)
            per_phrase = (time.perf_counter() - started) / len(d.class_queries) * 1000
            chosen, _ = relevance.choose(d)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                relevance.report(d, chosen)
            scores = query_vectors(model, words) @ photos.T
        aps[count] = np.array([average_precision(truth[i], scores[i]) for i in range(len(words))])
        print(f"\n{count} template(s){' (shipped)' if count == shipped else ''}: {per_phrase:.1f} ms per class "
              f"name; thresholds phrase {chosen.phrase}, near best {chosen.near_best}/{chosen.near_floor}, tag {chosen.tag}; "
              f"familiar words mean AP {aps[count].mean():.4f}")
        for line in out.getvalue().splitlines():
            if line.strip().startswith(REPORT_LINES):
                print("   ", line.strip())
    rng = np.random.default_rng(0)
    for count in COUNTS:
        if count == shipped:
            continue
        diff = aps[count] - aps[shipped]
        boots = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
        print(f"familiar words, {count} vs {shipped} templates: mean AP {diff.mean():+.4f} (95% "
              f"[{np.percentile(boots, 2.5):+.4f}, {np.percentile(boots, 97.5):+.4f}]), better for "
              f"{int((diff > 0).sum())} words, worse for {int((diff < 0).sum())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
