"""What runs once an index run has read and embedded its photos: each capability's follow-up.

An index run scans, reads and embeds (`LibraryIndexer`, the pipeline); then every registered
follow-up gets its turn, in the order registered: saving the vector indexes, relevance baselines,
tags, what the trash gives back, place names, the model switch, events, faces. Each capability's
package provides its step (an `IndexFollowUp`) and `Library` registers them where it builds the
services, so a new capability brings its step without changing the index run.

The photos count as searchable once the steps search waits for have run: the run then records
`search_ready_seconds`, and the steps marked `after_search_ready` follow (the face pass).
A step that raises ends the run with its error, as any part of the run would; a step whose
failure must not (events) catches it itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping, Protocol

from album.progress import CancelToken, ProgressCallback
from album.scan.changes import ScanPlan
from album.services.indexing.pipeline import IndexSummary


@dataclass
class IndexRun:
    """One index run as its follow-ups see it; they add what they did to `summary`."""

    summary: IndexSummary
    plan: ScanPlan  # what the scan found: moved, removed and to-read photos
    progress: ProgressCallback | None = None
    cancel: CancelToken | None = None
    # A step's name → True or False: run it or not, whatever its own setting says (e.g. `faces`
    # from `Library.index(faces=...)`); None or absent: the step's own setting.
    choices: Mapping[str, bool | None] = field(default_factory=dict)


class IndexFollowUp(Protocol):
    name: str  # short, unique among the steps: "tags", "events", "faces"
    after_search_ready: bool  # True: runs after the run's photos are searchable (slow, optional work)

    def after_index(self, run: IndexRun) -> None: ...


class IndexFollowUps:
    """The registered follow-ups, in order."""

    def __init__(self) -> None:
        self._steps: list[IndexFollowUp] = []

    def register(self, *steps: IndexFollowUp) -> None:
        for step in steps:
            if step.name in self.names():
                raise ValueError(f"an index follow-up named {step.name!r} is registered already")
            self._steps.append(step)

    def names(self) -> list[str]:
        return [step.name for step in self._steps]

    def run(self, run: IndexRun, started: float) -> None:
        """Every step search waits for, then `search_ready_seconds` (since `started`, monotonic), then the rest."""
        for step in self._steps:
            if not step.after_search_ready:
                step.after_index(run)
        run.summary.search_ready_seconds = round(time.monotonic() - started, 3)
        for step in self._steps:
            if step.after_search_ready:
                step.after_index(run)
