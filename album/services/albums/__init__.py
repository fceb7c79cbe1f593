"""Albums: manual ones, smart ones (a saved query kept current), and exporting an album's files.

- `service.py`: `AlbumService` (create, add, rename, delete, organise by tags or place and month)
- `export.py`: copying or linking an album's files into a folder, never over anything there
"""

from album.services.albums.export import ExportError, ExportSummary
from album.services.albums.service import MONTHS, Album, AlbumService, SmartQuery, UnknownAlbum

__all__ = ["MONTHS", "Album", "AlbumService", "ExportError", "ExportSummary", "SmartQuery", "UnknownAlbum"]
