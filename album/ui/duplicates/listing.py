"""Duplicate groups plus what their tiles show (thumbnail key, size), read off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field

from album.store.browsing import BrowsingRepository


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
    known = BrowsingRepository(context.library.database).tile_facts(ids)
    facts = {photo_id: MemberFacts(*values) for photo_id, values in known.items()}
    return DuplicateListing(tier, list(groups), facts)
