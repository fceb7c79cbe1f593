"""What the search filters can offer: the library's folders, tags, albums and cameras (typed, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

from album.store.browsing import BrowsingRepository


@dataclass(frozen=True)
class FilterChoices:
    folders: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)


def load_filter_choices(library) -> FilterChoices:
    """Runs on the search pool, on read connections of its own."""
    browsing = BrowsingRepository(library.database)
    return FilterChoices(browsing.folder_paths(), browsing.visible_tags(), browsing.album_names(), browsing.cameras())
