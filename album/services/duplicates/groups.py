"""What the duplicate finder hands out: groups of photos, each with its suggested keeper first.

These are the types the trash, the CLI and the Duplicates view work with; finder.py makes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from album.errors import AlbumError


class DuplicateError(AlbumError):
    """A duplicate request that cannot be carried out (unknown tier, unknown photo...)."""


@dataclass(frozen=True)
class GroupMember:
    photo_id: int
    path: str
    cosine: float  # with the keeper (1.0 for the keeper itself)
    hamming: int | None  # perceptual-hash bits that differ from the keeper's; None: unreadable
    content_hash: str | None = None  # the bytes the comparison saw: trashing re-checks them


@dataclass(frozen=True)
class DuplicateGroup:
    tier: str
    members: tuple[GroupMember, ...]  # the keeper first, then by path
    reason: str  # why the keeper was suggested

    @property
    def keep(self) -> GroupMember:
        return self.members[0]

    @property
    def photo_ids(self) -> list[int]:
        return [m.photo_id for m in self.members]

    @property
    def paths(self) -> list[str]:
        return [m.path for m in self.members]

    @property
    def scores(self) -> dict[str, dict[str, float | int | None]]:
        """For each member but the keeper: its cosine and Hamming distance to the keeper."""
        return {m.path: {"cosine": round(m.cosine, 4), "hamming": m.hamming} for m in self.members[1:]}

    def to_json(self) -> dict:
        """What `album duplicates --json` prints for one group."""
        return {
            "tier": self.tier, "keep": self.keep.path, "photos": self.paths, "scores": self.scores,
            "reason": self.reason,
        }
