"""Events: trips away from home and busy days, albums that organise themselves as photos arrive.

- `service.py`: `EventService` (organise after each index run, the timeline, on this day,
  rename, merge, split, hide)
- `grouping.py`: finding events in a timeline of photos, and where home is
- `titles.py`: titles a person would write ("Tokyo and Kyoto, 1–7 Mar 2020")
- `covers.py`: an event's cover photo
- `decisions.py`: the user's decisions, applied to freshly found groups
- `after_index.py`: regrouping after each index run (and a folder removed)
"""

from album.services.events.after_index import OrganiseEvents
from album.services.events.service import (NO_BUSY_DAYS, NO_CAPTURE_DATES, NO_PHOTOS, Event, EventService,
                                           EventsSummary, OnThisDay, TimelineSection)
from album.services.events.titles import date_range

__all__ = [
    "NO_BUSY_DAYS", "NO_CAPTURE_DATES", "NO_PHOTOS", "Event", "EventService", "EventsSummary", "OnThisDay",
    "OrganiseEvents", "TimelineSection", "date_range",
]
