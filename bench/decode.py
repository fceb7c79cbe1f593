"""Decode and hash speed: `python -m bench.decode [--runs 30] [--photo PATH]`.

Decode: ms per `decode_photo` of a 12 MP iPhone JPEG (3264x2448), median over distinct
copies of the file's bytes, with JPEG draft mode (min_side=320, what the indexer asks for)
and without (min_side=0: full-size decode). Hash: MB/s of blake2b and sha256 on 64 MiB,
which is how album.media.hashing chose its algorithm.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import time
from pathlib import Path

from album.media import decode_photo

SHARED_FORMATS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "formats"
DEFAULT_PHOTO = SHARED_FORMATS / "iphone_hdr_NO.jpg"


def decode_ms(copies: list[bytes], min_side: int) -> list[float]:
    decode_photo(copies[0], "warmup.jpg", min_side=min_side)
    timings = []
    for i, data in enumerate(copies):
        start = time.perf_counter()
        decode_photo(data, f"copy_{i}.jpg", min_side=min_side)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def hash_mb_per_s(name: str, data: bytes, rounds: int = 3) -> float:
    best = min(_timed(lambda: hashlib.new(name, data).digest()) for _ in range(rounds))
    return len(data) / 1e6 / best


def _timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="decodes per setting (>= 20)")
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    args = parser.parse_args()
    if not args.photo.is_file():
        print(f"no photo at {args.photo}: pass --photo or provide ../shared/data", file=sys.stderr)
        return 1

    original = args.photo.read_bytes()
    # Distinct bytes objects, as the indexer reads each file afresh.
    copies = [bytes(bytearray(original)) for _ in range(max(20, args.runs))]
    result = decode_photo(original, args.photo.name)
    print(f"{args.photo.name}: {result.width}x{result.height}, {len(original) / 1e6:.1f} MB; "
          f"draft decodes to {result.image.width}x{result.image.height}")
    for label, min_side in (("with draft (min_side=320)", 320), ("without draft (full size)", 0)):
        timings = decode_ms(copies, min_side)
        print(f"decode {label}: median {statistics.median(timings):.1f} ms, "
              f"min {min(timings):.1f} ms over {len(timings)} runs")

    blob = os.urandom(64 << 20)
    for name in ("blake2b", "sha256"):
        print(f"hash {name}: {hash_mb_per_s(name, blob):,.0f} MB/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
