"""Zero-shot tagging on Caltech-101 through the tagging service: `python -m bench.tagging`.

The 85 class names become labels (underscores as spaces, default prompt ensembles), the photos
are indexed into a fresh library, and for each photo the service's best label is compared with
its class (top-1, target ≥ 55%). Also prints how the automatic tags (threshold + top-3) fare:
the share of photos whose true label is among their tags, and tags per photo.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from album.library import Library
from album.models import DEFAULT_MODEL_ID, load_model
from album.services.labels import Label

CALTECH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "caltech101"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL_ID)
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
        for path, label in truth.items():
            photo = library.photos.by_path(path)
            ranked = library.tagging.rank_labels(library.embeddings.get(photo.id, model.model_id), labels)
            wanted = label.replace("_", " ")
            top1 += ranked[0][0] == wanted
            top5 += wanted in [name for name, _ in ranked[:5]]
            photo_tags = [t.tag for t in tags.get(path, [])]
            in_tags += wanted in photo_tags
            n_tags += len(photo_tags)
    n = len(truth)
    print(f"model {model.model_id}: {n} Caltech photos, {len(names)} labels (no custom prompts: embedded as tagging does)")
    print(f"top-1 {100 * top1 / n:.1f}%  top-5 {100 * top5 / n:.1f}%  (target top-1 ≥ 55%)")
    print(f"automatic tags: true label among a photo's tags for {100 * in_tags / n:.1f}% of photos, "
          f"{n_tags / n:.2f} tags per photo")
    print(f"indexing {n} photos: {indexed:.1f} s; re-tagging the library from stored vectors: {retag:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
