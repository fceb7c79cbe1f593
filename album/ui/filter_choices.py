"""What the search filters can offer: the library's folders, tags, albums and cameras (typed, no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FilterChoices:
    folders: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    cameras: list[str] = field(default_factory=list)


def load_filter_choices(library) -> FilterChoices:
    """Runs on the search pool, on its own read connection."""
    reader = library.database.reader()
    try:
        folders = [r[0] for r in reader.execute("SELECT path FROM folders ORDER BY path")]
        tags = [r[0] for r in reader.execute("SELECT DISTINCT tag FROM tags WHERE hidden = 0 ORDER BY tag")]
        albums = [r[0] for r in reader.execute("SELECT name FROM albums ORDER BY name")]
        cameras = [
            r[0] for r in reader.execute(
                "SELECT DISTINCT trim(coalesce(camera_make, '') || ' ' || coalesce(camera_model, '')) AS c "
                "FROM photos WHERE status = 'ok' AND (camera_make IS NOT NULL OR camera_model IS NOT NULL) ORDER BY c"
            )
        ]
    finally:
        reader.close()
    return FilterChoices(folders, tags, albums, cameras)
