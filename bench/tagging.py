"""Zero-shot tagging on Caltech-101 through the tagging service: `python -m bench.tagging`.

The 85 class names become labels (underscores as spaces, default prompt ensembles), the photos
are indexed into a fresh library, and for each photo the service's best label is compared with
its class (top-1, target ≥ 55%). Also prints how the automatic tags (threshold + top-3) fare:
the share of photos whose true label is among their tags, and tags per photo.

album-mini's label-grounding settings (album/models/mini/grounding.py) are chosen on half of the
classes and reported on the other half, so the number they are judged by was not used to pick
them. The split is fixed: the class names sorted (Python's order, capitals first), every other
one from the first ("tune", 43 classes: Faces_easy, Motorbikes, airplanes, ...) or from the second
("report", 42: Leopards, accordion, anchor, ...). Each half is scored
on its own photos against its own labels only (a 42- or 43-way choice), so neither half's labels
take part in the other's score. `--grid` searches the settings on the tune half and prints the
best setting's numbers on both halves.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from album.library import Library
from album.models import DEFAULT_MODEL_ID, load_model
from album.models.prompts import ensemble_label_vectors
from album.services.tagging import Label

CALTECH = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "caltech101").resolve()
GRID = {  # around the settings first picked by hand (familiar 20, senses 3, gloss 2, levels 2, neighbours 0.5)
    "familiar_captions": (10, 20, 50),
    "senses": (1, 3),
    "gloss_weight": (1.0, 2.0, 3.0),
    "neighbour_levels": (1, 2, 3),
    "neighbour_weight": (0.25, 0.5, 0.75),
}


def split_classes(classes: list[str]) -> tuple[list[str], list[str]]:
    """(tune, report): the sorted classes taken alternately, starting with the tune half."""
    ordered = sorted(classes)
    return ordered[0::2], ordered[1::2]


def top_k(label_vectors: np.ndarray, photo_vectors: np.ndarray, truth: np.ndarray, k: int) -> float:
    """Share of photos whose class is among their k best labels. Ranking by cosine is the tagging
    service's ranking: its probabilities are a rising function of it for each photo."""
    best = np.argsort(-(photo_vectors @ label_vectors.T), axis=1)[:, :k]
    return float((best == truth[:, None]).any(axis=1).mean())


class Halves:
    """Each half's photos (vectors) and classes, scored against that half's labels only."""

    def __init__(self, classes: list[str], photo_vectors: np.ndarray, photo_classes: list[str]):
        self.parts = {}
        for name, part in zip(("tune", "report"), split_classes(classes)):
            rows = [i for i, c in enumerate(photo_classes) if c in part]
            truth = np.array([part.index(photo_classes[i]) for i in rows])
            self.parts[name] = (part, photo_vectors[rows], truth)

    def score(self, embed_labels) -> dict[str, tuple[float, float]]:
        """{half: (top-1, top-5)} with the label vectors `embed_labels(label texts)` gives."""
        result = {}
        for name, (part, vectors, truth) in self.parts.items():
            labels = embed_labels([c.replace("_", " ") for c in part])
            result[name] = (top_k(labels, vectors, truth, 1), top_k(labels, vectors, truth, 5))
        return result


def _line(title: str, scores: dict[str, tuple[float, float]]) -> str:
    return f"{title:<34} " + "  ".join(
        f"{half} top-1 {100 * s[0]:.1f}% top-5 {100 * s[1]:.1f}%" for half, s in scores.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL_ID)
    parser.add_argument("--grid", action="store_true", help="search album-mini's grounding settings on the tune half")
    args = parser.parse_args()
    if not CALTECH.is_dir():
        print(f"needs {CALTECH}", file=sys.stderr)
        return 1
    with open(CALTECH / "labels.csv") as f:
        truth = {str(CALTECH / row["file"]): row["label"] for row in csv.DictReader(f)}
    classes = sorted(set(truth.values()))
    model = load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp) / "lib", model=model) as library:
        library.set_labels([Label(name.replace("_", " ")) for name in classes])
        library.add_folder(CALTECH / "images")
        started = time.perf_counter()
        library.index()
        indexed = time.perf_counter() - started
        started = time.perf_counter()
        library.tagging.retag()
        retag = time.perf_counter() - started
        labels = library.labels.list()
        names = [label.name for label in labels]
        top1 = top5 = in_tags = n_tags = 0
        tags = library.tags()
        photo_vectors = []
        for path, label in truth.items():
            photo = library.photos.by_path(path)
            vector = library.embeddings.get(photo.id, model.model_id)
            photo_vectors.append(vector)
            ranked = library.tagging.rank_labels(vector, labels)
            wanted = label.replace("_", " ")
            top1 += ranked[0][0] == wanted
            top5 += wanted in [name for name, _ in ranked[:5]]
            photo_tags = [t.tag for t in tags.get(path, [])]
            in_tags += wanted in photo_tags
            n_tags += len(photo_tags)
    n = len(truth)
    print(f"model {model.model_id}: {n} Caltech photos, {len(names)} labels (no custom prompts: embedded as tagging does)")
    print(f"all 85 classes: top-1 {100 * top1 / n:.1f}%  top-5 {100 * top5 / n:.1f}%  (target top-1 ≥ 55%)")
    print(f"automatic tags: true label among a photo's tags for {100 * in_tags / n:.1f}% of photos, "
          f"{n_tags / n:.2f} tags per photo")
    print(f"indexing {n} photos: {indexed:.1f} s; re-tagging the library from stored vectors: {retag:.2f} s")

    halves = Halves(classes, np.stack(photo_vectors), list(truth.values()))
    tune, report = split_classes(classes)
    print(f"\nhalves: tune {len(tune)} classes, {len(halves.parts['tune'][2])} photos; "
          f"report {len(report)} classes, {len(halves.parts['report'][2])} photos")
    print(_line("plain prompts (no grounding)", halves.score(lambda texts: ensemble_label_vectors(texts, model.encode_texts))))
    grounding = getattr(model, "label_grounding", None)
    if grounding is None:
        print(_line("the model's label vectors", halves.score(lambda texts: library_free_vectors(model, texts))))
        return 0
    shipped = grounding()
    print(_line(f"shipped grounding {_settings_text(shipped.settings)}", halves.score(shipped.vectors)))
    if args.grid:
        from album.models.mini.grounding import GroundingSettings

        known: dict[str, np.ndarray] = {}  # each prompt is encoded once across the whole grid

        def encode(texts: list[str]) -> np.ndarray:
            missing = [t for t in dict.fromkeys(texts) if t not in known]
            if missing:
                known.update(zip(missing, model.encode_texts(missing)))
            return np.stack([known[t] for t in texts])

        results = []
        for values in itertools.product(*GRID.values()):
            settings = GroundingSettings(**dict(zip(GRID, values)))
            results.append((halves.score(shipped.with_settings(settings, encode).vectors), settings))
        best_scores, best = max(results, key=lambda r: (r[0]["tune"][0], r[0]["tune"][1]))
        tune_top1 = sorted(r[0]["tune"][0] for r in results)
        print(f"grid: {len(results)} settings; tune-half top-1 from {100 * tune_top1[0]:.1f}% to "
              f"{100 * tune_top1[-1]:.1f}% (median {100 * tune_top1[len(tune_top1) // 2]:.1f}%)")
        print(_line(f"best on tune {_settings_text(best)}", best_scores))
    return 0


def library_free_vectors(model, texts):
    from album.models.prompts import label_vectors

    return label_vectors(model, texts)


def _settings_text(settings) -> str:
    return (f"(familiar {settings.familiar_captions}, senses {settings.senses}, gloss {settings.gloss_weight:g}, "
            f"levels {settings.neighbour_levels}, neighbours {settings.neighbour_weight:g})")


if __name__ == "__main__":
    sys.exit(main())
