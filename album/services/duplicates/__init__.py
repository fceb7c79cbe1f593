"""Duplicates: exact copies, the same photo edited, and similar shots, each group with a keeper.

- `finder.py`: `DuplicateFinder` (the three tiers, and the pairs a user said are not duplicates)
- `groups.py`: what it hands out: `DuplicateGroup`, its `GroupMember`s, `DuplicateError`
- `capture_checks.py`: whether a "same" pair is one capture, measured once and kept by content pair
- `rules.py`: each tier's thresholds and the tests a pair must pass
- `hash_neighbours.py`: pairs whose perceptual hashes (nearly) agree, without comparing all
- `grouping.py`: union-find that honours "never together" pairs
- `keeper.py`: which photo of a group to keep, and why
"""

from album.services.duplicates.finder import DuplicateFinder
from album.services.duplicates.groups import DuplicateError, DuplicateGroup, GroupMember
from album.services.duplicates.rules import DEFAULT, DuplicateThresholds

__all__ = ["DEFAULT", "DuplicateError", "DuplicateFinder", "DuplicateGroup", "DuplicateThresholds", "GroupMember"]
