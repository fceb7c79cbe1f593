"""The user's decisions about events, applied to freshly found groups; and matching groups to
the event albums they continue.

Decisions name photos by content hash, so they hold through re-indexing and renamed files.
Splits and merges reshape the groups in the order they were made; renames and hides then go
to the group holding most of the photos they were about.
"""

from __future__ import annotations

from dataclasses import dataclass

from album.store.events import Decision


@dataclass
class EventGroup:
    """A group of photos on its way to becoming (or updating) an event album."""

    photo_ids: list[int]  # in capture order
    away: bool
    name: str | None = None  # the user's name for it
    hidden: bool = False
    album_id: int | None = None  # the event album it continues
    title: str = ""
    places: tuple[str, ...] = ()
    cover: int | None = None


def apply_decisions(groups: list[EventGroup], decisions: list[Decision], hashes: dict[int, str | None],
                    times: dict[int, int]) -> list[EventGroup]:
    """Splits and merges reshape the groups in the order they were made; renames and hides then
    name (or hide) the group holding most of the photos they were about."""
    for decision in decisions:
        if decision.action == "split":
            groups = _split(groups, decision, hashes)
        elif decision.action == "merge":
            groups = _merge(groups, decision, hashes, times)
    for decision in decisions:
        if decision.action not in ("rename", "hide"):
            continue
        group = _holding_most(groups, decision.hashes, hashes)
        if group is None:
            continue
        if decision.action == "hide":
            group.hidden = True
        else:
            group.name = decision.value
    return groups


def _split(groups: list[EventGroup], decision: Decision, hashes: dict[int, str | None]) -> list[EventGroup]:
    result = []
    for group in groups:
        at = next((i for i, p in enumerate(group.photo_ids) if hashes.get(p) == decision.anchor), None)
        # Only the event the user split (mostly the same photos), and never at its first photo.
        if at and _share(group.photo_ids, decision.hashes, hashes) >= 0.5:
            result += [EventGroup(group.photo_ids[:at], group.away), EventGroup(group.photo_ids[at:], group.away)]
        else:
            result.append(group)
    return result


def _merge(groups: list[EventGroup], decision: Decision, hashes: dict[int, str | None],
           times: dict[int, int]) -> list[EventGroup]:
    joined = [g for g in groups if _share(g.photo_ids, decision.hashes, hashes) >= 0.5]
    if len(joined) < 2:
        return groups
    ids = sorted({p for g in joined for p in g.photo_ids}, key=lambda p: (times[p], p))
    merged = EventGroup(ids, any(g.away for g in joined))
    rest = [g for g in groups if not any(g is j for j in joined)]
    return sorted(rest + [merged], key=lambda g: (times[g.photo_ids[0]], g.photo_ids[0]))


def _share(photo_ids: list[int], wanted: frozenset[str], hashes: dict[int, str | None]) -> float:
    return sum(hashes.get(p) in wanted for p in photo_ids) / max(1, len(photo_ids))


def _holding_most(groups: list[EventGroup], wanted: frozenset[str], hashes: dict[int, str | None]) -> EventGroup | None:
    """The group holding most of the photos a decision was about, if it holds at least half of
    those still in the library."""
    present = {h for h in hashes.values() if h in wanted}
    best, best_count = None, 0
    for group in groups:
        count = len({hashes.get(p) for p in group.photo_ids} & present)
        if count > best_count:
            best, best_count = group, count
    return best if present and best_count * 2 >= len(present) else None


def match_albums(groups: list[EventGroup], members: dict[int, set[int]]) -> None:
    """Each group continues the event album it shares most photos with (each album once)."""
    album_of = {p: album_id for album_id, ids in members.items() for p in ids}
    pairs = []
    for index, group in enumerate(groups):
        overlap: dict[int, int] = {}
        for p in group.photo_ids:
            if p in album_of:
                overlap[album_of[p]] = overlap.get(album_of[p], 0) + 1
        pairs += [(count, -index, album_id) for album_id, count in overlap.items()]
    used: set[int] = set()
    for _count, negative_index, album_id in sorted(pairs, reverse=True):
        group = groups[-negative_index]
        if group.album_id is None and album_id not in used:
            group.album_id = album_id
            used.add(album_id)


def assign_names(groups: list[EventGroup], taken: set[str]) -> None:
    """Album names are unique: a second '24 Dec 2020' becomes '24 Dec 2020 (2)'."""
    taken = set(taken)
    for group in groups:
        wanted = group.name or group.title
        name, n = wanted, 2
        while name in taken:
            name, n = f"{wanted} ({n})", n + 1
        group.name = name
        taken.add(name)
