"""What the search filters can offer: the library's folders, tags, albums, cameras and persons (typed, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field

from album.store.browsing import BrowsingRepository
from album.ui.common import formatting


@dataclass(frozen=True)
class FilterChoices:
    folders: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)
    persons: list[tuple[int, str]] = field(default_factory=list)  # (person id, what the picker shows)


def load_filter_choices(library) -> FilterChoices:
    """Runs on the search pool, on read connections of its own."""
    browsing = BrowsingRepository(library.database)
    return FilterChoices(browsing.folder_paths(), browsing.visible_tags(), browsing.album_names(), browsing.cameras(),
                         person_choices(library.people.people()))


def person_choices(people) -> list[tuple[int, str]]:
    """The persons People shows (not hidden; unnamed ones once they have a few faces): named ones
    by name, then unnamed ones largest first, with a count so they can be told apart. Ids, not
    names, are what a filter keeps: a rename changes the label, not the filter."""
    named = sorted((p for p in people if p.name), key=lambda p: (p.name.casefold(), p.id))
    names = [p.name.casefold() for p in named]
    choices = [(p.id, p.name if names.count(p.name.casefold()) == 1 else
                f"{p.name} · {formatting.count(len(p.photos), 'photo')}") for p in named]
    choices += [(p.id, f"Unnamed person · {formatting.count(len(p.photos), 'photo')}") for p in people if not p.name]
    return choices
