"""People: the face pass over indexed photos, faces grouped into persons, and the user's corrections.

- `service.py`: `PeopleService` (scan, names, merges and their undo, "not this person", hidden)
- `grouping.py`: grouping face descriptors into persons (pure numpy, no database)
- `after_index.py`: the face pass after each index run
"""

from album.services.people.after_index import FindFaces
from album.services.people.service import FaceScanSummary, MergeRecord, PeopleError, PeopleService, Person

__all__ = ["FaceScanSummary", "FindFaces", "MergeRecord", "PeopleError", "PeopleService", "Person"]
