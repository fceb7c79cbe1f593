"""The installed bundle against the development install: `python -m bench.bundle [--bundle PATH] [--count N]`.

Both run the same CLI as separate processes, in alternation, on fresh libraries:
  1. `album index --json` of N Flickr8k photos (scan, decode, thumbnails, embed, store), in
     images/s including the program's start-up; target: the bundle ≥ 90% of the dev install;
  2. start-up to an interactive window (`ALBUM_STARTUP_REPORT`, offscreen), median of 5;
     target ≤ 3 s for the bundle. The first bundle start after a build (cold page cache for
     its files, when the OS lets us drop it) is reported separately.
Build the bundle first: `bash packaging/build.sh` (dist/album/album).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLICKR = ROOT.parent / "shared" / "data" / "flickr8k" / "images"


def environment(library: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(ALBUM_HOME=str(library), QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1")
    return env


def index_rate(program: list[str], photos: Path, work: Path, count: int) -> float:
    library = work / f"library-{time.monotonic_ns()}"
    env = environment(library)
    subprocess.run([*program, "folders", "add", str(photos)], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    out = subprocess.run([*program, "index", "--json"], env=env, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    summary = json.loads(out.stdout)
    assert summary["indexed"] == count, summary
    shutil.rmtree(library)
    return count / seconds


def startup_seconds(program: list[str], library: Path, work: Path) -> float:
    report = work / "startup.json"
    env = environment(library) | {"ALBUM_STARTUP_REPORT": str(report)}
    started = time.time()
    subprocess.run([*program, "gui", "--no-index"], env=env, check=True, capture_output=True)
    seconds = json.loads(report.read_text())["interactive_at"] - started
    report.unlink()
    return seconds


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "album" / "album")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if not args.bundle.is_file():
        sys.exit(f"no bundle at {args.bundle}: run `bash packaging/build.sh`")
    if not FLICKR.is_dir():
        sys.exit(f"Flickr8k photos not found in {FLICKR}")
    programs = {"bundle": [str(args.bundle)], "dev": [sys.executable, "-m", "album"]}
    with tempfile.TemporaryDirectory(prefix="album-bench-bundle-") as tmp:
        work = Path(tmp)
        photos = work / "photos"
        photos.mkdir()
        for path in sorted(FLICKR.glob("*.jpg"))[: args.count]:
            shutil.copy(path, photos / path.name)

        cold = None
        if drop_page_cache():
            cold = startup_seconds(programs["bundle"], work / "empty-library", work)
        rates = {name: [] for name in programs}
        for _ in range(args.rounds):  # alternate, so a busy moment hits both
            for name, program in programs.items():
                rates[name].append(index_rate(program, photos, work, args.count))

        library = work / "startup-library"
        env = environment(library)
        subprocess.run([*programs["dev"], "folders", "add", str(photos)], env=env, check=True, capture_output=True)
        subprocess.run([*programs["dev"], "index"], env=env, check=True, capture_output=True)
        starts = {name: [startup_seconds(program, library, work) for _ in range(5)] for name, program in programs.items()}

    bundle_rate, dev_rate = max(rates["bundle"]), max(rates["dev"])
    print(f"indexing {args.count} photos, best of {args.rounds} (images/s incl. start-up)")
    print(f"  dev install {dev_rate:6.1f}   runs {', '.join(f'{r:.1f}' for r in rates['dev'])}")
    print(f"  bundle      {bundle_rate:6.1f}   runs {', '.join(f'{r:.1f}' for r in rates['bundle'])}")
    print(f"  bundle / dev = {bundle_rate / dev_rate:.2f} (target >= 0.90)")
    print(f"start-up to an interactive window, {args.count}-photo library (s), median of 5 (target <= 3 s)")
    for name, values in starts.items():
        print(f"  {name:11} {statistics.median(values):.2f}   runs {', '.join(f'{v:.2f}' for v in values)}")
    if cold is not None:
        print(f"  bundle, first start after dropping the page cache: {cold:.2f}")
    else:
        print("  (cold start not measured: dropping the page cache needs root)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
