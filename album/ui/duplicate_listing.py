"""Duplicate groups plus what their tiles show (thumbnail key, size), read off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MemberFacts:
    content_hash: str | None
    width: int | None
    height: int | None
    size: int | None


@dataclass(frozen=True)
class DuplicateListing:
    tier: str | None
    groups: list = field(default_factory=list)  # album.services.duplicates.DuplicateGroup
    facts: dict[int, MemberFacts] = field(default_factory=dict)


def load_duplicates(context, tier: str | None, similar_min_cosine: float | None = None) -> DuplicateListing:
    """Runs on the search pool."""
    groups = context.duplicates.find(tier, similar_min_cosine)
    ids = [m.photo_id for g in groups for m in g.members]
    facts: dict[int, MemberFacts] = {}
    reader = context.library.database.reader()
    try:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for row in reader.execute(
                f"SELECT id, content_hash, width, height, size FROM photos WHERE id IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                facts[row[0]] = MemberFacts(row[1], row[2], row[3], row[4])
    finally:
        reader.close()
    return DuplicateListing(tier, list(groups), facts)
