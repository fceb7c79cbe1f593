"""Calibrates find-similar's cut (`album.services.search.similar_cut.Z_SCORE`) on real photos:
`python -m bench.similar_cut LIBRARY`, where LIBRARY was indexed from ../shared/data/caltech101
(e.g. `album --library /tmp/lib index ../shared/data/caltech101 ../shared/data/formats`).

For 300 random Caltech photos (seeded), every other photo's cosine to it, and for each z: how many
photos the cut keeps, and precision/recall of "same Caltech class" among them (the class is the
photo's folder). Prints one line per z; the numbers are for the model the library uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from album import Library
from album.services.search.similar_cut import bar_over


def main(library_path: str, z_values=(2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0)) -> None:
    with Library.open(Path(library_path)) as library:
        batches = list(library.embeddings.iter_vectors(library.model_id))
        ids = np.concatenate([b for b, _ in batches])
        vectors = np.concatenate([v for _, v in batches])
        paths = library.photos.paths(ids.tolist())
        classes = np.array([Path(paths[i]).parent.name if "caltech101" in paths[i] else "" for i in ids.tolist()])
        picks = np.random.default_rng(0).choice(np.flatnonzero(classes != ""), 300, replace=False)
        print(f"{library.model_id}, {len(ids)} photos, 300 queries")
        for z in z_values:
            kept, precision, recall = [], [], []
            for i in picks:
                scores = vectors @ vectors[i]
                others = np.arange(len(ids)) != i
                bar = bar_over(scores[others], z)
                keep = (scores >= bar) & others
                same = (classes == classes[i]) & others
                kept.append(keep.sum())
                precision.append((keep & same).sum() / max(1, keep.sum()))
                recall.append((keep & same).sum() / max(1, same.sum()))
            print(f"z={z}: kept median {np.median(kept):.0f}, precision {np.mean(precision):.2f}, "
                  f"recall {np.mean(recall):.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
