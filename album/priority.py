"""Background work yields the CPU to the window.

On two cores an index run keeps both busy (decoding threads, the image tower's own threads), and
the GUI thread then waits for a core as well as for the GIL: its event loop stalled for 100-400 ms
at a time during a first index run (bench/gui_indexing.py). A background thread that lowers its
priority lets the scheduler run the GUI thread first whenever it has work.

Linux keeps a niceness per thread (set through the thread's own id), and threads started from a
thread inherit it, so the decoding pool an index run starts is lowered with it. Elsewhere this is
a no-op: macOS and Windows have no per-thread niceness through `os.setpriority`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading

INDEXING_NICENESS = 5  # index runs: below the window and the search
FACE_PASS_NICENESS = 10  # the face pass: below indexing too


def lower_thread_priority(niceness: int) -> None:
    """Lower the calling thread (and the threads it starts from now on) to `niceness`, never raise it."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError):
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, max(current, niceness))
