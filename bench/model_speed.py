"""Inference speed of an EmbeddingModel: `python -m bench.model_speed [--model album-mini]`.

Text: latency of single short queries (p50/p95, ms), the search box's case.
Images: throughput at batch 32 (images/s) through `encode_preprocessed`, i.e. the model alone;
decoding and preprocessing run on other threads in the indexer and are timed separately.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from PIL import Image

from bench.quality import resolve_model

QUERIES = ["a dog running on the beach", "sunset", "two children playing in the snow", "birthday cake",
           "a man riding a bike", "mountains and a lake", "a red car", "people at a wedding"]


def text_latency_ms(model, rounds: int = 25) -> tuple[float, float]:
    model.encode_texts(QUERIES[:2])  # warm-up
    timings = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            model.encode_texts([query])
            timings.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(timings, 50)), float(np.percentile(timings, 95))


def image_throughput(model, batch: int = 32, rounds: int = 6) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)) for _ in range(batch)]
    start = time.perf_counter()
    inputs = [model.preprocess(image) for image in images]
    preprocess_ms = (time.perf_counter() - start) * 1000 / batch
    model.encode_preprocessed(inputs)  # warm-up
    start = time.perf_counter()
    for _ in range(rounds):
        model.encode_preprocessed(inputs)
    return batch * rounds / (time.perf_counter() - start), preprocess_ms


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Text latency and image throughput of an embedding model")
    parser.add_argument("--model", default="album-mini")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = resolve_model(args.model)
    load_s = time.perf_counter() - start
    p50, p95 = text_latency_ms(model)
    images_per_s, preprocess_ms = image_throughput(model)
    flip = getattr(model, "test_time_flip", None)
    print(f"model: {args.model} = {model.model_id} (dim {model.dim}, {model.device}"
          f"{', test-time flip' if flip else ''}); load {load_s:.1f}s")
    print(f"text query encode: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"image encode, batch 32: {images_per_s:.0f} images/s (+ preprocess {preprocess_ms:.1f} ms/image "
          f"on the decode threads)")


if __name__ == "__main__":
    main()
