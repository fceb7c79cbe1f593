"""The bundle's entry point: `album` with no arguments opens the desktop app, as in a dev install."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen app must call this before anything else, or a library that starts a process pool
    # (reverse_geocoder can) would re-run the whole app in each worker.
    multiprocessing.freeze_support()
    from album.cli import main

    sys.exit(main())
