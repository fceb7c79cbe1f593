"""Indexing throughput: `python -m bench.indexing [--model ID] [--count N] [--batch-size B]`.

On Flickr8k photos from ../shared/data, in one run:
  1. end-to-end: a fresh library indexes a folder of N photos (scan, read, hash, decode,
     thumbnail, preprocess, embed, SQLite, HNSW), in images/s until they are searchable, and
     until `Library.index` returns (the face pass runs behind the search-ready point; the app
     runs it on its own thread at low priority, so it delays nothing a user waits for);
  2. the model alone: `encode_preprocessed` on the same photos already decoded and
     preprocessed in memory, at the same batch size, in images/s;
and prints their ratio (target ≥ 0.85: the pipeline keeps the model busy). Then it measures
JPEG decode time for 12 MP photos with and without draft mode (target ≤ 25 ms with draft).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from album.library import Library
from album.media import decode_photo
from album.models import DEFAULT_MODEL_ID, load_model
from album.services.indexing import THUMBNAIL_SIZE, PipelineSettings
from bench.decode import DEFAULT_PHOTO, decode_ms

FLICKR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "flickr8k" / "images"


def model_only_rate(model, photos: list[Path], batch_size: int) -> float:
    inputs = [model.preprocess(decode_photo(p.read_bytes(), p.name, min_side=THUMBNAIL_SIZE).image) for p in photos]
    model.encode_preprocessed(inputs[:batch_size])  # warm-up (lazy init, allocator, caches)
    start = time.perf_counter()
    for i in range(0, len(inputs), batch_size):
        model.encode_preprocessed(inputs[i : i + batch_size])
    return len(inputs) / (time.perf_counter() - start)


class PeakMemory:
    """Samples this process's resident memory every 50 ms; `growth` is peak minus start, in MB."""

    def __init__(self):
        import threading

        self.start = self.peak = _rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _rss_mb())

    def growth(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak - self.start


def _rss_mb() -> float:
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def end_to_end_rate(model, photos: list[Path], settings: PipelineSettings, workdir: Path) -> tuple[float, float, float]:
    """(photos searchable per second, photos through the whole run per second including the face
    pass behind it, peak memory growth in MB)."""
    folder = workdir / "photos"
    folder.mkdir()
    for photo in photos:
        shutil.copyfile(photo, folder / photo.name)
    with Library.open(workdir / "library", model=model, pipeline=settings) as library:
        library.add_folder(folder)
        memory = PeakMemory()
        start = time.perf_counter()
        summary = library.index()
        elapsed = time.perf_counter() - start
        growth = memory.growth()
    assert summary.indexed == len(photos), summary.failed[:3]
    return len(photos) / summary.search_ready_seconds, len(photos) / elapsed, growth


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=DEFAULT_MODEL_ID)
    parser.add_argument("--count", type=int, default=640)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--device", default=None)
    parser.add_argument("--memory-check", type=int, default=0, metavar="N",
                        help="also index N photos and compare peak memory growth with --count")
    args = parser.parse_args()
    if not FLICKR.is_dir():
        print(f"needs the Flickr8k photos at {FLICKR}", file=sys.stderr)
        return 1
    photos = sorted(FLICKR.glob("*.jpg"))[: args.count]
    model = load_model(args.model, args.device)
    settings = PipelineSettings(batch_size=args.batch_size, decode_workers=args.workers)
    print(f"model {model.model_id} on {model.device}, {len(photos)} Flickr8k photos, batch {args.batch_size}, "
          f"{args.workers} decode workers")

    # Model first, then pipeline, then model again: the machine's load drifts, so average both.
    model_rates = [model_only_rate(model, photos, args.batch_size)]
    with tempfile.TemporaryDirectory() as tmp:
        pipeline_rate, with_faces_rate, growth = end_to_end_rate(model, photos, settings, Path(tmp))
    model_rates.append(model_only_rate(model, photos, args.batch_size))
    model_rate = statistics.mean(model_rates)
    print(f"model alone (decoded tensors): {model_rate:7.1f} images/s  (runs: {', '.join(f'{r:.1f}' for r in model_rates)})")
    print(f"end to end (files → searchable): {pipeline_rate:5.1f} images/s")
    print(f"  ...and through the face pass behind it (Library.index returns): {with_faces_rate:.1f} images/s")
    print(f"ratio: {pipeline_rate / model_rate:.2f}  (target ≥ 0.85)")
    print(f"peak memory growth while indexing {len(photos)} photos: {growth:.0f} MB")
    if args.memory_check:
        many = sorted(FLICKR.glob("*.jpg"))[: args.memory_check]
        with tempfile.TemporaryDirectory() as tmp:
            _, _, many_growth = end_to_end_rate(model, many, settings, Path(tmp))
        print(f"peak memory growth while indexing {len(many)} photos: {many_growth:.0f} MB (flat = about the same)")

    if DEFAULT_PHOTO.is_file():
        original = DEFAULT_PHOTO.read_bytes()
        copies = [bytes(bytearray(original)) for _ in range(20)]
        with_draft = statistics.median(decode_ms(copies, THUMBNAIL_SIZE))
        without = statistics.median(decode_ms(copies, 0))
        print(f"12 MP JPEG decode: {with_draft:.1f} ms with draft mode, {without:.1f} ms without (target ≤ 25 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
