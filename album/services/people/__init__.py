"""People: the face pass over indexed photos, faces grouped into persons, and the user's corrections.

- `service.py`: `PeopleService` (scan, names, merges and their undo, "not this person", hidden)
- `grouping.py`: grouping face descriptors into persons (pure numpy, no database)
"""

from album.services.people.service import FaceScanSummary, MergeRecord, PeopleError, PeopleService, Person

__all__ = ["FaceScanSummary", "MergeRecord", "PeopleError", "PeopleService", "Person"]
