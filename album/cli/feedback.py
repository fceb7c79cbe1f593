"""Terminal feedback shared by the commands: a progress bar on stderr and Ctrl-C handling."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Iterator

from album.progress import CancelToken, Progress


@contextlib.contextmanager
def sigint_cancels(cancel: CancelToken) -> Iterator[None]:
    """First Ctrl-C asks the work to stop cleanly (keeping what is done); a second one aborts."""

    def handler(signum, frame):
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\nstopping after the current batch (Ctrl-C again to abort)...", file=sys.stderr)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


PHASE_LABELS = {"faces": "finding faces", "duplicates": "comparing"}


@contextlib.contextmanager
def progress_bar():
    from tqdm import tqdm

    cancel = CancelToken()
    bar = tqdm(total=0, unit="photo", file=sys.stderr, disable=None, dynamic_ncols=True)

    def report(progress: Progress) -> None:
        if progress.phase == "scanning":
            bar.set_description("scanning")
            return
        # The face pass runs after the photos are searchable; its own label says the bar restarts
        # for it rather than indexing the same photos again.
        bar.set_description(PHASE_LABELS.get(progress.phase, "indexing"))
        bar.total = progress.total
        bar.n = progress.done
        if progress.current:
            bar.set_postfix_str(Path(progress.current).name[-30:], refresh=False)
        bar.refresh()

    with sigint_cancels(cancel):
        try:
            yield report, cancel
        finally:
            bar.close()
