"""How long-running work reports progress and is told to stop: no Qt, no printing.

The CLI, the GUI and the tests all drive the same core through these two small types.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Progress:
    phase: str  # 'scanning', 'indexing', 'done'
    done: int
    total: int
    failed: int = 0
    rate: float = 0.0  # items per second
    eta_seconds: float | None = None
    current: str | None = None  # the file being worked on


ProgressCallback = Callable[[Progress], None]


class CancelToken:
    """Set from any thread (Ctrl-C handler, a Cancel button); work checks it between items."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early when cancelled; returns whether it was."""
        return self._event.wait(seconds)


class RateMeter:
    """Items per second over the whole run so far, and the ETA that follows from it."""

    def __init__(self, clock: Callable[[], float]):
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def rate(self, done: int) -> float:
        elapsed = self.elapsed()
        return done / elapsed if elapsed > 0 else 0.0

    def eta(self, done: int, total: int) -> float | None:
        rate = self.rate(done)
        return (total - done) / rate if rate > 0 and done else None
