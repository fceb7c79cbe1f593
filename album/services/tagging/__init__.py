"""Tagging: the user's labels, and the automatic tags scored from them; manual tags win.

- `service.py`: `TaggingService` (scores of stored vectors against label prompts, manual tags)
- `labels.py`: labels, their prompts and thresholds, and the starter set
- `after_index.py`: tagging the photos each index run reads
"""

from album.services.tagging.after_index import TagNewPhotos
from album.services.tagging.labels import Label, LabelError, LabelRepository, seed_starter_labels, starter_labels
from album.services.tagging.service import DEFAULT_THRESHOLD, MAX_AUTO_TAGS, Tag, TagError, TaggingService

__all__ = [
    "DEFAULT_THRESHOLD", "MAX_AUTO_TAGS", "Label", "LabelError", "LabelRepository", "Tag", "TagError",
    "TagNewPhotos", "TaggingService", "seed_starter_labels", "starter_labels",
]
