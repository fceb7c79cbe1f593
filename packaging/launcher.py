"""The bundle's entry point: `album` with no arguments opens the desktop app, as in a dev install."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A frozen app must call this before anything else: the face pass runs dlib in a child
    # process started with "spawn" (album/faces/process.py), and that child is this executable
    # again; without it the child would re-run the whole app instead of serving the pass.
    multiprocessing.freeze_support()
    from album.cli import main

    sys.exit(main())
