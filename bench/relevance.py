"""How well search's relevance cut shows what was asked for: `python -m bench.relevance [--calibrate]`.

Per model (default album-mini; `--model module:factory` for another):
  - Caltech-101 (85 classes x 20 photos, ../shared/data/caltech101), each class name typed as a
    query ("grand piano"): mean precision, recall and F1 of the shown set, on two halves of the
    classes (A chooses the phrase threshold, B is held out), with the raw-score baseline beside;
  - Flickr8k val captions as queries over the 500 val photos: how often the described photo is
    shown, and the median number shown (the sentence threshold is chosen on Flickr8k *train*);
  - absent things: a class name over the library without that class, how often nothing is shown;
  - place filters: "dalmatian in Paris" as the class over a random 10% of the library plus half
    the class's photos, precision and recall within that;
  - automatic tags with the 85 class names as labels (precision, recall = own class among tags),
    and the starter labels' counts on Caltech and on Flickr8k val next to what captions say;
  - search latency at 100k photos (synthetic vectors, album-mini's text encoder), idle and with
    a CPU-bound job beside it.
The cut is evaluated with the service's own functions (relevance.py) over exact scores.

`--calibrate` chooses the two thresholds and writes them to resources/relevance/calibration.json
under the model's key (album-mini: `album-mini@<heads digest>`); re-run it after new heads land:
    nice -n 10 python -m bench.relevance --calibrate
Photo vectors are cached under --cache (default $ALBUM_DEV_CACHE or the user cache dir), keyed by
the model key, so a second run takes seconds.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from album.models.prompts import label_to_phrase
from album.resources import resources_dir
from album.services.search.relevance import (CALIBRATION_FILE, Calibration, RelevanceCutoff, logit_scale, model_key,
                                      query_vectors)
from bench.quality import DEFAULT_DATA, encode_photos, resolve_model

SPLIT_SEED = 0  # which Caltech classes are half A (choose) and half B (report)
TRAIN_PHOTOS = 2000  # Flickr8k train photos embedded for choosing the sentence threshold
LIBRARY = 500  # ... drawn into libraries of this size (as val's 500 photos)
MIN_PRECISION = 0.62  # phrase threshold: best F1 on half A with at least this precision
MAX_MEDIAN_SHOWN = 20  # sentence threshold: lowest with a median shown of at most this on train
THRESHOLDS = np.round(np.arange(-7.0, 0.01, 0.25), 2)
# (near_best, near_floor) pairs tried with each threshold; (0, -inf): no near-best rule.
NEAR_RULES = [(0.0, float("-inf"))] + [(b, f) for b in (1.0, 1.5, 2.0, 2.5) for f in (-6.0, -5.5, -5.0, -4.5)]


def cache_root(arg: Path | None) -> Path:
    if arg:
        return arg
    import platformdirs

    return Path(os.environ.get("ALBUM_DEV_CACHE") or platformdirs.user_cache_path("album-dev")) / "relevance"


def cached_vectors(model, folder: Path, name: str, paths: list[Path]) -> np.ndarray:
    path = folder / f"{name}.npy"
    if path.is_file():
        vectors = np.load(path)
        if len(vectors) == len(paths):
            return vectors
    folder.mkdir(parents=True, exist_ok=True)
    started = time.time()
    vectors = encode_photos(model, paths)
    np.save(path, vectors)
    print(f"  embedded {len(paths)} {name} photos in {time.time() - started:.0f}s", file=sys.stderr)
    return vectors


def read_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class Data:
    """The photos' vectors, their baselines and the queries' vectors for one model."""

    def __init__(self, model, data_dir: Path, cache: Path):
        folder = cache / model_key(model).replace("/", "_")
        self.model, self.cutoff = model, RelevanceCutoff()
        rows = read_rows(data_dir / "caltech101" / "labels.csv")
        self.classes = sorted({r["label"] for r in rows})
        self.caltech_y = np.array([self.classes.index(r["label"]) for r in rows])
        self.caltech = cached_vectors(model, folder, "caltech", [data_dir / "caltech101" / r["file"] for r in rows])
        self.class_queries = [label_to_phrase(c).lower() for c in self.classes]
        self.class_vectors = query_vectors(model, self.class_queries)
        captions: dict[str, list[str]] = {}
        split: dict[str, str] = {}
        for r in read_rows(data_dir / "flickr8k" / "captions.csv"):
            captions.setdefault(r["file"], []).append(r["caption"].strip())
            split[r["file"]] = r["split"]
        self.captions = captions
        self.val_files = sorted(f for f in captions if split[f] == "val")
        train = sorted(f for f in captions if split[f] == "train")
        picked = np.sort(np.random.default_rng(0).choice(len(train), min(TRAIN_PHOTOS, len(train)), replace=False))
        self.train_files = [train[i] for i in picked]
        self.val = cached_vectors(model, folder, "flickr_val", [data_dir / "flickr8k" / f for f in self.val_files])
        self.train = cached_vectors(model, folder, "flickr_train", [data_dir / "flickr8k" / f for f in self.train_files])
        self.val_caps, self.val_cap_photo = self._caption_queries(folder, "val", self.val_files)
        self.train_caps, self.train_cap_photo = self._caption_queries(folder, "train", self.train_files)
        scale = logit_scale(model)
        self.scale = scale
        self.base = {name: self.cutoff.compute(model, v) for name, v in
                     (("caltech", self.caltech), ("val", self.val), ("train", self.train))}

    def _caption_queries(self, folder: Path, name: str, files: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Every caption of these photos as a query (cached: ~10k texts take minutes on a busy CPU)."""
        texts = [c for f in files for c in self.captions[f]]
        photo = np.array([i for i, f in enumerate(files) for _ in self.captions[f]])
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
        path = folder / f"captions_{name}_{digest}.npy"
        if path.is_file():
            return np.load(path), photo
        vectors = query_vectors(self.model, texts)
        np.save(path, vectors)
        return vectors, photo

    def margins(self, photos: str, queries: np.ndarray) -> np.ndarray:
        """[queries, photos] margins in logits."""
        vectors = {"caltech": self.caltech, "val": self.val, "train": self.train}[photos]
        return self.scale * (queries @ vectors.T - self.base[photos][None, :])


def shown(margins: np.ndarray, calibration: Calibration, phrase: bool = True) -> np.ndarray:
    """What search shows for each row of [queries, photos] margins: margin ≥ the threshold, or
    near the row's best (calibration.near_best); when nothing passes, the best if within the slack."""
    threshold = calibration.phrase if phrase else calibration.sentence
    slack = calibration.slack
    limit = np.full((len(margins), 1), threshold, np.float64)
    if calibration.near_best > 0 and margins.size:
        best = margins.max(1, keepdims=True)
        near = np.maximum(calibration.near_floor, best - calibration.near_best)
        limit = np.where(best >= threshold, np.minimum(limit, near), limit)  # only near a clear match
    keep = margins >= limit
    best = margins.argmax(axis=1)
    empty = ~keep.any(axis=1) & (margins[np.arange(len(margins)), best] >= threshold - slack)
    keep[np.flatnonzero(empty), best[empty]] = True
    return keep


def prf(keep: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    """Mean precision, recall, F1 over queries (a query showing nothing counts precision 0)."""
    tp = (keep & truth).sum(1)
    n = keep.sum(1)
    precision = np.where(n > 0, tp / np.maximum(n, 1), 0.0)
    recall = tp / truth.sum(1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-9), 0.0)
    return float(precision.mean()), float(recall.mean()), float(f1.mean())


def class_halves(n: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(SPLIT_SEED).permutation(n)
    return np.sort(perm[: n // 2]), np.sort(perm[n // 2:])


def choose_phrase(d: Data, slack: float) -> tuple[Calibration, tuple]:
    """The phrase threshold and the near-best rule together: best F1 on class half A with at
    least MIN_PRECISION."""
    a_half, _ = class_halves(len(d.classes))
    margins = d.margins("caltech", d.class_vectors[a_half])
    truth = d.caltech_y[None, :] == a_half[:, None]
    scored = []
    for near_best, near_floor in NEAR_RULES:
        for t in THRESHOLDS:
            calibration = Calibration(t, t, slack, near_best=near_best, near_floor=near_floor)
            scored.append((calibration, prf(shown(margins, calibration), truth)))
    good = [s for s in scored if s[1][0] >= MIN_PRECISION] or scored
    return max(good, key=lambda s: s[1][2])


def choose_tag(d: Data) -> tuple[float, tuple]:
    """The automatic tags' threshold: the lowest with tag precision ≥ MIN_PRECISION on the photos
    of class half A (the 85 class names as labels)."""
    from album.models.prompts import label_vectors

    a_half, _ = class_halves(len(d.classes))
    photos = np.isin(d.caltech_y, a_half)
    margins = d.margins("caltech", label_vectors(d.model, d.class_queries)).T[photos]
    y = d.caltech_y[photos]
    scored = []
    for t in THRESHOLDS:
        tagged = auto_tags(margins, t)
        right = tagged[np.arange(len(y)), y]
        scored.append((float(t), (right.sum() / max(tagged.sum(), 1), right.mean())))
    good = [s for s in scored if s[1][0] >= MIN_PRECISION] or scored[-1:]
    return min(good, key=lambda s: s[0])


def caption_stats(d: Data, which: str, calibration: Calibration) -> tuple[float, float]:
    vectors, photo = (d.val_caps, d.val_cap_photo) if which == "val" else (d.train_caps, d.train_cap_photo)
    keep = shown(d.margins(which, vectors), calibration, phrase=False)
    return float(keep[np.arange(len(photo)), photo].mean()), float(np.median(keep.sum(1)))


def train_libraries(d: Data, calibration: Calibration, libraries: int = 4) -> tuple[float, float]:
    """Keep rate and median shown for train captions over libraries of LIBRARY train photos."""
    rng = np.random.default_rng(1)
    margins_all = d.margins("train", d.train_caps)
    kept, counts = [], []
    for _ in range(libraries):
        members = np.sort(rng.choice(len(d.train_files), LIBRARY, replace=False))
        rows = np.flatnonzero(np.isin(d.train_cap_photo, members))
        keep = shown(margins_all[np.ix_(rows, members)], calibration, phrase=False)
        where = np.searchsorted(members, d.train_cap_photo[rows])
        kept.append(keep[np.arange(len(rows)), where].mean())
        counts.append(np.median(keep.sum(1)))
    return float(np.mean(kept)), float(np.median(counts))


def choose_sentence(d: Data, phrase: Calibration) -> tuple[float, tuple]:
    """The sentence threshold, with the phrase's near-best rule: the lowest with a median shown
    of at most MAX_MEDIAN_SHOWN over Flickr8k train libraries."""
    scored = [(t, train_libraries(d, replace(phrase, sentence=float(t)))) for t in THRESHOLDS]
    good = [s for s in scored if s[1][1] <= MAX_MEDIAN_SHOWN] or scored[-1:]
    return min(good, key=lambda s: s[0])


def choose(d: Data) -> tuple[Calibration, str]:
    """The three thresholds and the near-best rule, chosen on training data only, and a line
    saying on what."""
    chosen, on_a = choose_phrase(d, Calibration(0, 0).slack)
    sentence, on_train = choose_sentence(d, chosen)
    tag, tag_on_a = choose_tag(d)
    chosen_on = (f"phrase and near-best rule: best F1 with precision >= {MIN_PRECISION} on Caltech-101 class "
                 f"half A (seed {SPLIT_SEED}): P {on_a[0]:.3f} R {on_a[1]:.3f} F1 {on_a[2]:.3f}; sentence: lowest "
                 f"with median shown <= {MAX_MEDIAN_SHOWN} for Flickr8k train captions over {LIBRARY}-photo train "
                 f"libraries: kept {on_train[0]:.3f}, median {on_train[1]:.0f}; tag: lowest with tag precision "
                 f">= {MIN_PRECISION} on half A's photos: P {tag_on_a[0]:.3f} R {tag_on_a[1]:.3f}")
    return replace(chosen, sentence=float(sentence), tag=tag), chosen_on


def calibrate(d: Data, model) -> Calibration:
    """`choose`, written to calibration.json under the model's key."""
    chosen, chosen_on = choose(d)
    key = model_key(model)
    path = resources_dir() / "relevance" / CALIBRATION_FILE
    data = json.loads(path.read_text()) if path.is_file() else {}
    data.setdefault("about", "Relevance thresholds per model, in logits; written by `python -m bench.relevance "
                             "--calibrate` (see album/services/search/relevance.py).")
    data.setdefault("models", {})[key] = {
        "phrase": float(chosen.phrase), "sentence": chosen.sentence, "slack": chosen.slack, "tag": chosen.tag,
        **({"near_best": chosen.near_best, "near_floor": chosen.near_floor} if chosen.near_best > 0 else {}),
        "chosen_on": chosen_on,
    }
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}: {key} phrase {chosen.phrase} sentence {chosen.sentence} tag {chosen.tag} "
          f"near {chosen.near_best}/{chosen.near_floor}")
    return chosen


def caption_truth(captions: list[str], words: list[str]) -> bool:
    text = " ".join(captions).lower()
    return any(re.search(rf"\b{re.escape(w)}(s|es)?\b", text) for w in words)


def report(d: Data, calibration: Calibration) -> None:
    m = d.model
    a_half, b_half = class_halves(len(d.classes))
    print(f"\nmodel {m.model_id} (key {model_key(m)}), logit scale {d.scale:.1f}; thresholds phrase "
          f"{calibration.phrase}, sentence {calibration.sentence}, slack {calibration.slack}, tag "
          f"{calibration.tag_threshold()}, near best {calibration.near_best} (floor {calibration.near_floor}) "
          f"({calibration.source or 'given'})")
    print("\nCaltech-101, 85 class names typed as queries over 1,700 photos: mean P / R / F1, mean shown")
    raw = np.asarray(d.class_vectors @ d.caltech.T)
    for name, half in (("A (chose the threshold)", a_half), ("B (held out)", b_half), ("all 85", np.arange(85))):
        truth = d.caltech_y[None, :] == half[:, None]
        keep = shown(d.margins("caltech", d.class_vectors[half]), calibration)
        p, r, f = prf(keep, truth)
        print(f"  classes {name:<24} P {p:.3f}  R {r:.3f}  F1 {f:.3f}  shown {keep.sum(1).mean():.1f}")
    truth = d.caltech_y[None, :] == np.arange(85)[:, None]
    plain = np.asarray(m.encode_texts(d.class_queries)) @ d.caltech.T
    cut_before = plain > 0.15 + (d.caltech @ np.asarray(m.encode_texts(["a photo", "an image", "a picture",
                                                                       "a photograph", "a snapshot"])).T).max(1)
    p, r, f = prf(cut_before, truth)
    print(f"  before (neutral prompts + 0.15, plain text)  P {p:.3f}  R {r:.3f}  F1 {f:.3f}  shown {cut_before.sum(1).mean():.1f}")
    best = [max(prf(raw[i:i + 1] >= t, truth[i:i + 1])[2] for t in np.unique(raw[i])[-60:]) for i in range(85)]
    print(f"  (best raw-score threshold per query, answers known: F1 {np.mean(best):.3f})")

    kept, median = caption_stats(d, "val", calibration)
    tkept, tmedian = train_libraries(d, calibration)
    print(f"\nFlickr8k captions as queries: val (500 photos, {len(d.val_caps)} captions): own photo shown "
          f"{kept:.3f}, median shown {median:.0f}   [train libraries, chose it: {tkept:.3f}, {tmedian:.0f}]")

    absent = []
    for c in range(85):
        others = d.caltech_y != c
        margins = d.margins("caltech", d.class_vectors[c:c + 1])[:, others]
        absent.append(not shown(margins, calibration).any())
    print(f"\nabsent: a class name over the library without that class shows nothing for {np.mean(absent):.3f} of classes")

    rng = np.random.default_rng(2)
    precision, recall = [], []
    for c in range(85):
        members = np.flatnonzero(d.caltech_y == c)
        allowed = np.zeros(len(d.caltech_y), bool)
        allowed[rng.choice(len(allowed), len(allowed) // 10, replace=False)] = True
        allowed[d.caltech_y == c] = False
        allowed[rng.choice(members, len(members) // 2, replace=False)] = True
        margins = d.margins("caltech", d.class_vectors[c:c + 1])[:, allowed]
        keep = shown(margins, calibration)[0]
        truth = d.caltech_y[allowed] == c
        precision.append((keep & truth).sum() / max(keep.sum(), 1))
        recall.append((keep & truth).sum() / truth.sum())
    print(f"place filter ('<class> in Paris': 10% of the library + half the class taken there): "
          f"P {np.mean(precision):.3f}  R {np.mean(recall):.3f}")

    deep_passers(d, calibration)
    tags(d, calibration)


def deep_passers(d: Data, calibration: Calibration) -> None:
    """Photos that pass the cut from deep in the ranking, with all the real photos as one library:
    search judges the top 100 first and looks deeper only while many of them pass."""
    photos = np.concatenate([d.caltech, d.val, d.train])
    base = np.concatenate([d.base["caltech"], d.base["val"], d.base["train"]])
    y = np.concatenate([d.caltech_y, np.full(len(d.val) + len(d.train), -1)])
    scores = d.class_vectors @ photos.T
    keep = shown(d.scale * (scores - base[None, :]), calibration)
    ranks = np.argsort(np.argsort(-scores, axis=1), axis=1) + 1
    parts = []
    for name, low, high in (("1-100", 1, 100), ("101-500", 101, 500), ("501+", 501, len(y))):
        kept = keep & (ranks >= low) & (ranks <= high)
        right = (kept & (y[None, :] == np.arange(len(d.classes))[:, None])).sum()
        parts.append(f"ranks {name}: {kept.sum()} shown, {right} right")
    print(f"85 class names over all {len(y):,} real photos (Caltech + Flickr8k) as one library, "
          f"where the shown photos rank: {'; '.join(parts)}")


def tags(d: Data, calibration: Calibration) -> None:
    from album.models.prompts import label_vectors
    from album.services.tagging import starter_labels
    from album.services.tagging import MAX_AUTO_TAGS

    labels = label_vectors(d.model, d.class_queries)
    margins = d.margins("caltech", labels).T  # [photos, labels]
    tagged = auto_tags(margins, calibration.tag_threshold())
    right = tagged[np.arange(len(d.caltech_y)), d.caltech_y]
    print(f"\nautomatic tags, 85 class names as labels (top {MAX_AUTO_TAGS}, p >= 0.5): {tagged.sum(1).mean():.2f} "
          f"tags/photo, precision {right.sum() / max(tagged.sum(), 1):.3f}, recall {right.mean():.3f}")
    starter = starter_labels(resources_dir())
    vectors = np.stack([_label_vector(d.model, label) for label in starter])
    caltech = auto_tags(d.margins("caltech", vectors).T, calibration.tag_threshold()).sum(0)
    val = auto_tags(d.margins("val", vectors).T, calibration.tag_threshold()).sum(0)
    said = [sum(caption_truth(d.captions[f], [label.name]) for f in d.val_files) for label in starter]
    print("starter labels: photos tagged on Caltech (1,700; none of them people scenes) | Flickr8k val (500) | "
          "val photos whose captions say the word")
    order = np.argsort(-(caltech + val))
    print("  " + "; ".join(f"{starter[i].name} {caltech[i]}|{val[i]}|{said[i]}" for i in order))


def _label_vector(model, label) -> np.ndarray:
    from album.models.base import l2_normalise
    from album.models.prompts import label_vectors

    if label.prompts:
        return l2_normalise(model.encode_texts(list(label.prompts)).mean(axis=0, keepdims=True))[0]
    return label_vectors(model, [label.name])[0]


def auto_tags(margins: np.ndarray, threshold: float) -> np.ndarray:
    from album.services.tagging import MAX_AUTO_TAGS

    top = np.argsort(-margins, axis=1)[:, :MAX_AUTO_TAGS]
    tagged = np.zeros(margins.shape, bool)
    np.put_along_axis(tagged, top, True, axis=1)
    return tagged & (margins >= threshold)


def latency(model, n: int, rounds: int, busy: bool, limit: int = 50) -> tuple[float, float, float]:
    """p50/p95 ms of Library.search(text, limit=limit) at n synthetic photos; `busy`: a CPU-bound
    process per core beside."""
    from album.library import Library
    from bench.search import QUERY_TEXTS, bulk_load, percentiles, synthetic_photos
    from album.models.base import l2_normalise

    rng = np.random.default_rng(n)
    topics = l2_normalise(rng.standard_normal((max(n // 200, 20), model.dim)).astype(np.float32))
    offset = l2_normalise(rng.standard_normal((1, model.dim)).astype(np.float32))[0]
    with tempfile.TemporaryDirectory() as tmp, Library.open(Path(tmp) / "library", model=model) as library:
        bulk_load(library, synthetic_photos(n, model.dim, rng, topics, offset), model.model_id, rng)
        library.vector_index()
        started = time.time()
        library.relevance.fill(model)
        fill_s = time.time() - started
        library.gazetteer.load()  # as the app does in the background at start-up (ui/common/warmup.py)
        if hasattr(model, "warm_up"):
            model.warm_up()  # ...and album-mini's dictionary
        for text in QUERY_TEXTS[:3]:
            library.search(text)
        burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)] if busy else []
        try:
            samples = []
            for round_ in range(rounds):
                for text in QUERY_TEXTS:
                    text = text if round_ == 0 else f"{text} {round_}"  # a new text: no cached query vector
                    start = time.perf_counter()
                    library.search(text, limit=limit)
                    samples.append((time.perf_counter() - start) * 1000)
        finally:
            for burner in burners:
                burner.kill()
                burner.wait()
    p50, p95 = percentiles(samples)
    return p50, p95, fill_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="album-mini", help="album-mini, or module:factory returning a model")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=None, help="where photo vectors are cached")
    parser.add_argument("--calibrate", action="store_true", help="choose the thresholds and write calibration.json")
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000], help="library sizes for latency (none: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--limit", type=int, default=50,
                        help="page size for latency: 50 is Library.search's default, the GUI asks for 500")
    args = parser.parse_args(argv)
    if not (args.data / "flickr8k").is_dir() or not (args.data / "caltech101").is_dir():
        print(f"benchmark data not found under {args.data}", file=sys.stderr)
        return 1
    model = resolve_model(args.model)
    data = Data(model, args.data, cache_root(args.cache))
    calibration = calibrate(data, model) if args.calibrate else RelevanceCutoff().calibration(model)
    report(data, calibration)
    for n in args.sizes:
        for busy in (False, True):
            p50, p95, fill_s = latency(model, n, args.rounds, busy, args.limit)
            print(f"\nsearch latency at {n:,} photos, pages of {args.limit}"
                  f"{' with a CPU-bound job per core beside it' if busy else ''}: "
                  f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (text encode included; baselines filled in {fill_s:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
