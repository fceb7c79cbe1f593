"""The window during a first index run (prints numbers; not a test).

A new user's first minutes: the app starts on a fresh library with the shipped model (album-mini),
the user adds a folder of real photos, and the index run loads the model, the place-name index and
the model's dictionary in the background while it decodes, embeds and stores the photos, then
looks for faces (unless ALBUM_FACES=off in the environment: the face pass is on by default). A 10 ms
QTimer on the GUI thread measures how long the event loop went without turning (a stall: no
painting, no input) from the moment the folder is added until the grid shows every photo and
the app has read what a first query needs (the place-name index, the model's dictionary).
Target: no stall over 100 ms.

Each run is a fresh process (the start-up loads are part of what is measured) on a fresh library:

    .venv/bin/python -m bench.gui_indexing [--photos 60] [--runs 5]

The photos are the first ones of ../shared/data/flickr8k (copied to a temporary folder).
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

SHARED_PHOTOS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "flickr8k" / "images"
TICK_MS = 10


def child(folder: str, library_path: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from bench.gui import open_window

    app, library, context, window = open_window(library_path)  # the folder is added below
    photos = len(list(Path(folder).glob("*.jpg")))

    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    def wait(condition, timeout: float = 600.0) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    def indexed() -> bool:
        indexing = context.indexing
        return (indexing.state == "idle" and indexing.last_summary is not None
                and window.library_page.model.rowCount() == photos and not window.library_page.loading)

    def settled() -> bool:
        """What a first query needs is read too: the place-name index and the model's dictionary."""
        model = library.model if context.warmup.ready else None
        return (model is not None and library.gazetteer.loaded
                and getattr(model, "warmed_up", True))

    meter = QTimer()
    meter.timeout.connect(tick)
    meter.start(TICK_MS)
    started = last[0] = time.perf_counter()
    window.folders_panel.add_folders([folder])
    wait(indexed)
    seconds = time.perf_counter() - started
    wait(settled)
    meter.stop()
    settled_seconds = time.perf_counter() - started
    gaps.sort()
    result = {
        "photos": window.library_page.model.rowCount(),
        "seconds": round(seconds, 2),
        "settled_seconds": round(settled_seconds, 2),
        "ticks": len(gaps),
        "longest_stall_ms": round(gaps[-1] * 1000, 1),
        "p99_gap_ms": round(gaps[int(len(gaps) * 0.99)] * 1000, 1),
        "stalls_over_100ms": sum(gap > 0.1 for gap in gaps),
        "stalls_over_50ms": sum(gap > 0.05 for gap in gaps),
        "load_average": os.getloadavg()[0],
    }
    print("RESULT " + json.dumps(result), flush=True)
    window.remember_geometry = False
    window.close()
    context.indexing.shutdown()
    context.tasks.shutdown()
    library.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--source", type=Path, default=SHARED_PHOTOS, help="a folder of JPEG photos")
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "LIBRARY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sources = sorted(args.source.glob("*.jpg"))[: args.photos]
    if not sources:
        print(f"no photos in {args.source} (../shared/data/flickr8k is expected beside the repository)",
              file=sys.stderr)
        return 1
    results = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="album-bench-indexing-") as temp:
            folder = Path(temp) / "Pictures"
            folder.mkdir()
            for path in sources:
                shutil.copy2(path, folder / path.name)
            out = subprocess.run([sys.executable, "-m", "bench.gui_indexing", "--child", str(folder),
                                  str(Path(temp) / "library")], capture_output=True, text=True,
                                 cwd=Path(__file__).resolve().parents[1])
        line = next((l for l in out.stdout.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            print(out.stdout, out.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(line[7:]))
        print(f"run {run + 1}: {json.dumps(results[-1])}", flush=True)
    longest = [r["longest_stall_ms"] for r in results]
    p99 = [r["p99_gap_ms"] for r in results]
    print(f"{len(sources)} photos, {args.runs} runs: longest stall median {statistics.median(longest):.0f} ms "
          f"(max {max(longest):.0f}); p99 gap median {statistics.median(p99):.0f} ms; "
          f"runs with a stall over 100 ms: {sum(value > 100 for value in longest)} of {args.runs}; "
          f"stalls over 100 / 50 ms per run, median: {statistics.median(r['stalls_over_100ms'] for r in results):.0f}"
          f" / {statistics.median(r['stalls_over_50ms'] for r in results):.0f}; "
          f"run seconds median {statistics.median(r['seconds'] for r in results):.1f}, "
          f"settled {statistics.median(r['settled_seconds'] for r in results):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
