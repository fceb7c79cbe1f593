"""What the photo viewer shows about one photo, read off the GUI thread: typed data, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhotoDetails:
    photo_id: int
    path: str
    taken_at: str | None = None
    taken_at_source: str | None = None  # 'exif', 'xmp', 'iptc', 'maker', 'exif-modified' or 'file'
    width: int | None = None
    height: int | None = None
    size: int | None = None
    format: str | None = None
    camera: str | None = None
    gps: tuple[float, float] | None = None
    place: str | None = None  # 'Florence, Tuscany, Italy' once reverse-geocoded
    tags: list = field(default_factory=list)  # album.services.tagging.Tag


def load_photo_details(library, photo_id: int) -> PhotoDetails | None:
    record = library.photos.get(photo_id)
    if record is None:
        return None
    camera = " ".join(part for part in (record.camera_make, record.camera_model) if part) or None
    gps = (record.gps_lat, record.gps_lon) if record.gps_lat is not None and record.gps_lon is not None else None
    known = library.places.of([photo_id]).get(photo_id)
    place = known.describe() if known is not None else None
    tags = library.tagging.tags([photo_id]).get(photo_id, [])
    return PhotoDetails(photo_id, record.path, record.taken_at, record.taken_at_source, record.width, record.height,
                        record.size, record.format, camera, gps, place or None, tags)


def name_places(library) -> int:
    """Reverse-geocode photos with GPS that have no place name yet (slow the first time: it loads
    the offline gazetteer). Runs on the model pool."""
    return library.places.fill_missing()
