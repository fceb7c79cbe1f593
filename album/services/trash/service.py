"""Moving photos to the operating system's trash, journalled so that one action can be undone.

Nothing is ever deleted: files go to the trash through send2trash, where the user can also find
them by hand. Each file's original path, content hash and time are journalled in
`trash_journal` under one action id, so `undo` can put back exactly those bytes, and only them.

The library forgets a trashed photo at once (its row, vectors, tags go; the caller's
`forget_photos` drops its ids from the vector indexes), so search never shows it. What only the
user could have given it (manual and hidden tags, album places) is kept in the journal. `undo`
puts the files back and returns their paths: indexing those paths brings them back into the
library, which then gives them back what was kept (`restore_user_state`).

An action stays undoable while any of its files can come back. One whose files are all gone from
the trash (emptied by hand) is passed over by `undo()` and `next_undoable()`, never in the way of
the actions before it; one partly gone puts back what is there, and the rest is named
(`TrashAction.gone`). `actions()` says where each action stands.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Mapping

from album.media.hashing import content_hash
from album.scan.walker import file_identity
from album.services.duplicates import DuplicateGroup
from album.services.trash.os_trash import TrashError, TrashUnsupported, find_trashed
from album.store.chunks import execute_in
from album.store.database import Database

__all__ = [
    "NothingToUndo", "Resolution", "RestoreConflict", "RestoreFailed", "TrashAction", "TrashError", "TrashFailed",
    "TrashService", "TrashUnsupported",
]

log = logging.getLogger(__name__)


class NothingToUndo(TrashError):
    """No trash action (or not the one named) is waiting to be undone."""


class TrashFailed(TrashError):
    """Some files could not be moved to the trash. Those that were are journalled under `action_id`."""

    def __init__(self, message: str, action_id: str | None, failed: dict[str, str]):
        super().__init__(message)
        self.action_id = action_id
        self.failed = failed  # path -> reason


class RestoreConflict(TrashError):
    """A file has reappeared at an original path; undo refuses to overwrite it. Nothing was restored."""

    def __init__(self, message: str, paths: list[str]):
        super().__init__(message)
        self.paths = paths


class RestoreFailed(TrashError):
    """None of the action's files is in the trash any more (emptied, or taken out by hand elsewhere)."""

    def __init__(self, message: str, paths: list[str]):
        super().__init__(message)
        self.paths = paths


@dataclass(frozen=True)
class _Entry:
    id: int
    original: Path
    content_hash: str | None
    trashed_at: datetime


@dataclass(frozen=True)
class Resolution:
    """What resolving duplicate groups did: the undoable action, what moved, what stayed and why."""

    action_id: str | None
    moved: list[str]
    skipped: dict[str, str]  # path -> why it was not moved


# Where a trash action stands (TrashAction.state).
IN_TRASH = "in_trash"  # every file not yet put back can be
PARTLY_GONE = "partly_gone"  # some can, the others are no longer in the trash
GONE = "gone"  # none can: undo passes it over
BLOCKED = "blocked"  # another file is at an original path; undo refuses until it is moved away


@dataclass(frozen=True)
class TrashAction:
    """One move to the trash, as undo finds it now (its files looked up in the trash)."""

    action_id: str
    trashed_at: datetime
    in_trash: int  # files undo would move back
    back: int  # files already back at their path, with their bytes (put back by hand)
    blocked: tuple[str, ...]  # original paths another file has taken
    gone: tuple[str, ...]  # files no longer in the trash

    @property
    def files(self) -> int:
        """The action's files not put back yet."""
        return self.in_trash + self.back + len(self.blocked) + len(self.gone)

    @property
    def state(self) -> str:
        if self.blocked:
            return BLOCKED
        if not (self.in_trash or self.back):
            return GONE
        return PARTLY_GONE if self.gone else IN_TRASH


@dataclass
class _Plan:
    """What undo will do, checked in full before any file moves."""

    moves: list[tuple[_Entry, Path, Path | None]] = field(default_factory=list)  # entry, from, .trashinfo
    already_back: list[_Entry] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(timezone.utc)


class TrashService:
    def __init__(
        self,
        database: Database,
        send_to_trash: Callable[[str], None],
        *,
        forget_photos: Callable[[list[int]], None] | None = None,
    ):
        """`forget_photos(ids)` is called after trashed photos left the database: the library
        removes them from its vector indexes there, so search cannot return them."""
        self._db = database
        self._send_to_trash = send_to_trash
        self._forget_photos = forget_photos

    # --- trashing -------------------------------------------------------------------------------

    def trash(
        self,
        paths: Iterable[str | Path],
        *,
        keep: Iterable[str | Path] = (),
        expected: Mapping[str, str] | None = None,
    ) -> str:
        """Move these files to the trash as one undoable action; returns its action id.

        `keep`: paths that must stay. A path that is the same file as one of them (a link, a
        hard link, a path through a linked folder) is never moved: moving it would take away
        the very file that was kept. `expected`: path -> the content hash the caller showed
        the user; a file whose bytes changed since is left alone. A file that cannot be
        trashed does not stop the others: they are journalled and forgotten, then TrashFailed
        names the failures and carries the action id.
        """
        action_id = uuid.uuid4().hex
        trashed, failed = [], {}
        paths = list(dict.fromkeys(Path(p).absolute() for p in paths))
        if not paths:
            raise TrashError("no files to move to the trash")
        kept = {}
        for path in keep:
            identity = file_identity(path)
            if identity is None:
                raise TrashError(f"the photo to keep is missing: {path}; nothing was moved to the trash")
            kept[identity] = str(path)
        for path in paths:
            try:
                same_as_kept = kept.get(file_identity(path)) if kept else None
                if same_as_kept is not None:
                    failed[str(path)] = f"it is the same file as {same_as_kept}, which is kept"
                    continue
                digest = content_hash(path.read_bytes())
                if expected is not None and expected.get(str(path), digest) != digest:
                    failed[str(path)] = "it changed since it was compared; look again"
                    continue
            except OSError as exc:
                failed[str(path)] = exc.strerror or str(exc)
                continue
            # Journal first, with what only the user gave the photo, committed before the file
            # moves: a watcher (in this process or another) may index the deletion the moment
            # the file is gone, and its cascade must find nothing left to lose.
            journal_id = self._journal(action_id, path, digest)
            try:
                self._send_to_trash(str(path))
            except OSError as exc:  # send2trash raises OSError (and its subclasses) only
                with self._db.write() as db:
                    db.execute("DELETE FROM trash_journal WHERE id = ?", (journal_id,))
                failed[str(path)] = exc.strerror or str(exc)
                continue
            trashed.append(str(path))
        self._forget(trashed)
        if failed:
            raise TrashFailed(
                f"{len(failed)} of {len(failed) + len(trashed)} files could not be moved to the trash: "
                + "; ".join(f"{p}: {why}" for p, why in failed.items()),
                action_id if trashed else None,
                failed,
            )
        return action_id

    def resolve(self, group: DuplicateGroup, keep_id: int | None = None) -> str:
        """Trash every photo of a duplicate group but the keeper (default: the suggested one)."""
        keep_id = group.keep.photo_id if keep_id is None else keep_id
        paths, expected, keeper = self._resolution(group, keep_id)
        problem = _keeper_problem(keeper)
        if problem:
            raise TrashError(f"{problem}; nothing was moved to the trash")
        return self.trash(paths, keep=[keeper.path], expected=expected)

    def resolve_groups(self, choices: Iterable[tuple[DuplicateGroup, int]]) -> "Resolution":
        """Trash all but the chosen keeper of each group, as one undoable action.

        Everything is checked again now, not when the groups were listed: a group whose keeper
        is gone or changed is skipped whole; a member that changed, moved or is the keeper's
        own file stays. What was skipped, and why, is in the result.
        """
        paths, expected, keepers, skipped = [], {}, [], {}
        for group, keep_id in choices:
            group_paths, group_expected, keeper = self._resolution(group, keep_id)
            problem = _keeper_problem(keeper)
            if problem:
                skipped.update((p, problem) for p in group_paths)
                continue
            paths += group_paths
            expected.update(group_expected)
            keepers.append(keeper.path)
        if not paths:
            return Resolution(None, [], skipped)
        try:
            action_id = self.trash(paths, keep=keepers, expected=expected)
        except TrashFailed as exc:
            skipped.update(exc.failed)
            action_id = exc.action_id
        moved = [p for p in map(str, paths) if p not in skipped]
        return Resolution(action_id, moved, skipped)

    @staticmethod
    def _resolution(group: DuplicateGroup, keep_id: int):
        keeper = next((m for m in group.members if m.photo_id == keep_id), None)
        if keeper is None:
            raise TrashError(f"photo {keep_id} is not in this group: choose one of {group.photo_ids}")
        others = [m for m in group.members if m.photo_id != keep_id]
        expected = {str(Path(m.path).absolute()): m.content_hash for m in others if m.content_hash}
        return [m.path for m in others], expected, keeper

    def _journal(self, action_id: str, path: Path, digest: str) -> int:
        with self._db.write() as db:
            kept = _user_state(db, str(path))
            return db.execute(
                """INSERT INTO trash_journal (action_id, original_path, content_hash, trashed_at, kept)
                   VALUES (?, ?, ?, ?, ?)""",
                (action_id, str(path), digest, _now().isoformat(), json.dumps(kept) if kept else None),
            ).lastrowid

    def _forget(self, paths: list[str]) -> None:
        """The trashed photos leave the library (rows, vectors, tags) and search at once."""
        if not paths:
            return
        with self._db.write() as db:
            ids = [r[0] for r in execute_in(db.execute, "DELETE FROM photos WHERE path IN ({marks}) RETURNING id", paths)]
        if ids and self._forget_photos:
            self._forget_photos(ids)

    def restore_user_state(self, photo_ids: Iterable[int]) -> int:
        """Give photos that came back from the trash their manual and hidden tags and album places.

        Called for every newly indexed photo: a photo is the trashed one if it is at a journalled
        original path with the journalled content, whether `undo` or the user's file manager put
        it back. Albums deleted meanwhile are skipped. Returns how many photos got something back.
        """
        ids = list(photo_ids)
        restored = 0
        with self._db.write() as db:
            rows = execute_in(db.execute, """SELECT p.id, j.id, j.kept FROM photos p JOIN trash_journal j
                                             ON j.original_path = p.path AND j.content_hash = p.content_hash
                                             WHERE p.id IN ({marks}) AND j.kept IS NOT NULL ORDER BY j.id""", ids)
            latest = {photo_id: (journal_id, kept) for photo_id, journal_id, kept in rows}  # newest wins
            for photo_id, (journal_id, kept) in latest.items():
                kept = json.loads(kept)
                for tag, source, score, hidden in kept.get("tags", []):
                    db.execute("INSERT OR REPLACE INTO tags (photo_id, tag, score, source, hidden) VALUES (?, ?, ?, ?, ?)",
                               (photo_id, tag, score, source, hidden))
                for album_id, added_at in kept.get("albums", []):
                    db.execute("""INSERT OR IGNORE INTO album_photos (album_id, photo_id, added_at)
                                  SELECT id, ?, ? FROM albums WHERE id = ?""", (photo_id, added_at, album_id))
                db.execute("UPDATE trash_journal SET kept = NULL WHERE id = ?", (journal_id,))  # given back once
                restored += 1
        return restored

    # --- undoing --------------------------------------------------------------------------------

    def actions(self) -> list[TrashAction]:
        """The trash actions not undone yet, newest first, each looked up in the trash now."""
        return [self._action(action_id) for action_id in self._pending_ids()]

    def action(self, action_id: str) -> TrashAction:
        """The action not undone yet whose id is `action_id` or begins with it, looked up in the trash now."""
        return self._action(self._full_id(action_id))

    def next_undoable(self) -> tuple[TrashAction | None, list[TrashAction]]:
        """The action `undo()` puts back (None: none), and the newer ones it passes over
        because none of their files is in the trash any more."""
        skipped = []
        for action_id in self._pending_ids():
            action = self._action(action_id)
            if action.state != GONE:
                return action, skipped
            skipped.append(action)
        return None, skipped

    def undo(self, action_id: str | None = None) -> list[Path]:
        """Put back the files of a trash action, byte for byte: the one named (the full id or a
        unique beginning of it), or by default the newest that has something to put back.

        Checks everything first: if a file has reappeared at an original path (RestoreConflict)
        nothing moves; if none of the files is in the trash any more, RestoreFailed. Files that
        are gone from the trash while others are not stay behind (`TrashAction.gone` names
        them), so the rest can come back. Returns the restored paths; the caller indexes them to
        bring the photos back into the library.
        """
        if action_id is None:
            action, skipped = self.next_undoable()
            if action is None:
                raise NothingToUndo("there is no trash action to undo" + (
                    f": the files of the {len(skipped)} left are no longer in the trash" if skipped else ""))
            action_id = action.action_id
        entries = self._pending(self._full_id(action_id))
        plan = self._plan(entries)
        if plan.conflicts:
            raise RestoreConflict(
                "not restoring: a file is back at its original path, and undo never overwrites: "
                + ", ".join(plan.conflicts) + " (move it away and undo again)",
                plan.conflicts,
            )
        if not plan.moves and not plan.already_back:
            raise RestoreFailed(
                f"nothing to put back: {'its file is' if len(plan.missing) == 1 else 'its files are'} no longer "
                "in the trash (was it emptied?): " + ", ".join(plan.missing),
                plan.missing,
            )
        restored = []
        for entry, location, info in plan.moves:
            _move_back(location, entry.original)
            if info is not None:
                info.unlink(missing_ok=True)
            self._mark_restored([entry])
            restored.append(entry.original)
        self._mark_restored(plan.already_back)
        return restored + [e.original for e in plan.already_back]

    def _pending_ids(self) -> list[str]:
        rows = self._db.query(
            """SELECT action_id FROM trash_journal WHERE restored_at IS NULL
               GROUP BY action_id ORDER BY max(id) DESC"""
        )
        return [r[0] for r in rows]

    def _action(self, action_id: str) -> TrashAction:
        entries = self._pending(action_id)
        plan = self._plan(entries)
        return TrashAction(action_id, max(e.trashed_at for e in entries), len(plan.moves), len(plan.already_back),
                           tuple(plan.conflicts), tuple(plan.missing))

    def _full_id(self, action_id: str) -> str:
        """The action whose id is `action_id` or begins with it."""
        if not action_id:
            raise NothingToUndo("which trash action? (an empty id)")
        rows = self._db.query(
            "SELECT DISTINCT action_id FROM trash_journal WHERE substr(action_id, 1, length(?)) = ? LIMIT 2",
            (action_id, action_id),
        )
        if len(rows) > 1:
            raise TrashError(f"more than one trash action begins with {action_id!r}: give more of its id")
        return rows[0][0] if rows else action_id

    def _pending(self, action_id: str) -> list[_Entry]:
        rows = self._db.query(
            """SELECT id, original_path, content_hash, trashed_at FROM trash_journal
               WHERE action_id = ? AND restored_at IS NULL ORDER BY id""",
            (action_id,),
        )
        if not rows:
            raise NothingToUndo(f"trash action {action_id} does not exist or was already undone")
        return [_Entry(r[0], Path(r[1]), r[2], datetime.fromisoformat(r[3])) for r in rows]

    def _plan(self, entries: list[_Entry]) -> _Plan:
        plan = _Plan()
        for entry in entries:
            trashed = find_trashed(entry.original, entry.content_hash, entry.trashed_at)
            at_original = entry.original.exists()
            if trashed is not None and not at_original:
                plan.moves.append((entry, trashed.location, trashed.info))
            elif at_original and trashed is None and _same_content(entry.original, entry.content_hash):
                plan.already_back.append(entry)  # the user restored it by hand
            elif at_original:
                plan.conflicts.append(str(entry.original))
            else:
                plan.missing.append(str(entry.original))
        return plan

    def _mark_restored(self, entries: list[_Entry]) -> None:
        if not entries:
            return
        with self._db.write() as db:
            db.conn.executemany(
                "UPDATE trash_journal SET restored_at = ? WHERE id = ?",
                [(_now().isoformat(), e.id) for e in entries],
            )


def _user_state(db, path: str) -> dict:
    """The photo's tags the user made or removed, and its album places: what re-indexing cannot recreate."""
    tags = db.execute(
        """SELECT t.tag, t.source, t.score, t.hidden FROM tags t JOIN photos p ON p.id = t.photo_id
           WHERE p.path = ? AND (t.source = 'manual' OR t.hidden = 1)""",
        (path,),
    ).fetchall()
    albums = db.execute(
        """SELECT a.album_id, a.added_at FROM album_photos a JOIN photos p ON p.id = a.photo_id WHERE p.path = ?""",
        (path,),
    ).fetchall()
    kept = {}
    if tags:
        kept["tags"] = [list(t) for t in tags]
    if albums:
        kept["albums"] = [list(a) for a in albums]
    return kept


def _keeper_problem(keeper) -> str | None:
    """Why a group cannot be resolved around this keeper now, or None."""
    try:
        data = Path(keeper.path).read_bytes()
    except OSError:
        return f"the photo to keep is missing: {keeper.path}"
    if keeper.content_hash and content_hash(data) != keeper.content_hash:
        return f"the photo to keep changed since it was compared: {keeper.path}; look again"
    return None


def _same_content(path: Path, expected: str | None) -> bool:
    try:
        return expected is not None and content_hash(path.read_bytes()) == expected
    except OSError:
        return False


def _move_back(location: Path, original: Path) -> None:
    """Move a trashed file to its original path, never over an existing file."""
    original.parent.mkdir(parents=True, exist_ok=True)
    try:
        # A hard link fails if the target exists, so a file that appeared since the check is
        # never overwritten; then the trash's name is dropped.
        os.link(location, original)
        os.unlink(location)
        return
    except FileExistsError:
        raise RestoreConflict(f"not restoring {original}: a file appeared there meanwhile", [str(original)]) from None
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise TrashError(f"cannot restore {original}: {exc.strerror or exc}") from exc
    # No hard links here (another device, FAT, some network shares): check, then move.
    if original.exists():
        raise RestoreConflict(f"not restoring {original}: a file appeared there meanwhile", [str(original)])
    shutil.move(str(location), str(original))
