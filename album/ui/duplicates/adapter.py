"""Duplicates and the trash, as the UI calls them, over `Library.duplicates` and `Library.trash`.

Groups are the core's `DuplicateGroup` (typed: tier, members with scores, keeper, reason).
`plan` makes the dry-run summary shown before a bulk action; nothing moves until `apply`.
Undo only puts files back: the GUI indexes them on its indexing pool (`Library.undo_trash`
would index on the calling thread, and collide with a running index run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from album.ui.common.warmup import LibraryWarmup


@dataclass(frozen=True)
class TrashPlan:
    """What 'move the others to the trash' would do: counted before anything moves.

    `apply` checks every file again (the keeper still there and unchanged, each other member
    still the bytes that were compared), so a file changed between the dry run and the click
    is left alone.
    """

    groups: int
    paths: list[str] = field(default_factory=list)
    bytes: int = 0
    missing_keepers: list[str] = field(default_factory=list)  # such groups are skipped
    choices: list[tuple[object, int]] = field(default_factory=list)  # (group, keeper id) to apply

class DuplicatesAdapter:
    def __init__(self, library, warmup: LibraryWarmup):
        self._library = library
        self._warmup = warmup

    def find(self, tier: str | None = None, similar_min_cosine: float | None = None) -> list:
        """Runs on the search pool. `similar_min_cosine`: the user's bar for "similar shots"."""
        from album.services.duplicates import DEFAULT

        self._warmup.ensure()
        thresholds = DEFAULT if similar_min_cosine is None else replace(DEFAULT, similar_min_cosine=similar_min_cosine)
        return list(self._library.duplicates(tier, thresholds))

    def mark_not_duplicates(self, group) -> None:
        self._library.mark_not_duplicates(group.paths)

    @staticmethod
    def plan(choices: list[tuple[object, int]]) -> TrashPlan:
        """(group, id of the photo to keep) pairs → what trashing the others means. Pure: no file moves."""
        paths, size, missing, usable = [], 0, [], []
        for group, keep_id in choices:
            keeper = next((m for m in group.members if m.photo_id == keep_id), None)
            if keeper is None or not Path(keeper.path).is_file():
                missing.append(keeper.path if keeper else str(keep_id))
                continue
            usable.append((group, keep_id))
            for member in group.members:
                if member.photo_id != keep_id:
                    paths.append(member.path)
                    try:
                        size += os.stat(member.path).st_size
                    except OSError:
                        pass
        return TrashPlan(len(usable), paths, size, missing, usable)

    def apply(self, plan: TrashPlan):
        """Trash the plan's files as one undoable action, each checked again now (file pool).

        Returns the core's `Resolution`: the action id, the paths moved, and those left alone with why.
        """
        return self._library.trash.resolve_groups(plan.choices)

    def undo(self, action_id: str | None = None) -> list[Path]:
        """Put the action's files back (None: the latest); returns them for indexing (file pool)."""
        return [Path(p) for p in self._library.trash.undo(action_id)]
