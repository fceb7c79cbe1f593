"""`AppContext`: the one object every window and widget is given (after git-cola's ApplicationContext).

It is built once, by `app.py` (or by a test with a fake part), and holds the library, the task
pools, the settings store and the service adapters. Nothing in album/ui looks anything up
globally, so a test can build a context around a temporary library and synchronous tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSettings

from album.ui.duplicates.adapter import DuplicatesAdapter
from album.ui.search.adapter import SearchAdapter
from album.ui.trash.adapter import PhotoTrash
from album.ui.common.warmup import LibraryWarmup
from album.ui.indexing.controller import IndexingController
from album.ui.common.library_changes import LibraryChanges
from album.ui.common.tasks import TaskPools
from album.ui.common.thumbnails import ThumbnailLoader
from album.ui.library.photo_grid import THUMBNAIL_BOX


@dataclass
class AppContext:
    library: object  # album.Library
    tasks: TaskPools  # or SynchronousTasks in tests
    settings: QSettings
    warmup: LibraryWarmup
    search: SearchAdapter
    duplicates: DuplicatesAdapter
    thumbnails: ThumbnailLoader
    indexing: "IndexingController | None" = None  # set by build(): it needs the context itself
    trash: PhotoTrash | None = None  # set by build()
    changes: LibraryChanges | None = None  # set by build(): views refresh when the library changes

    @classmethod
    def build(cls, library, *, tasks=None, settings: QSettings | None = None, device_pixel_ratio: float = 1.0,
              watch: bool = True):
        tasks = tasks if tasks is not None else TaskPools()
        settings = settings if settings is not None else QSettings()
        warmup = LibraryWarmup(library)
        thumbnails = ThumbnailLoader(tasks, library.thumbnails.path_for, THUMBNAIL_BOX, device_pixel_ratio)
        context = cls(library, tasks, settings, warmup, SearchAdapter(library, warmup),
                      DuplicatesAdapter(library, warmup), thumbnails)
        context.trash = PhotoTrash(library)
        context.changes = LibraryChanges()
        context.indexing = IndexingController(context, watch=watch)
        return context
