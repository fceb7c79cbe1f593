"""People: the face pass over indexed photos, grouping faces into persons, and the user's
corrections (names, merges, 'not this person', hidden) that no later pass undoes.

The face pass runs right behind the index run, on photos whose current content has not been
scanned yet: incremental (one photo = one transaction, so a crash loses at most the photo in
hand) and at lower CPU priority than everything else. It decodes the file again rather than
holding images back in the indexing pipeline, so the search-ready index never waits for faces.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from album.disk_space import disk_full, is_disk_full
from album.errors import AlbumError
from album.faces import FaceEngine, FaceEngineProcess, FacesUnavailable
from album.priority import FACE_PASS_NICENESS, lower_thread_priority
from album.progress import CancelToken, Progress, ProgressCallback, RateMeter
from album.services.people.grouping import DEFAULT_RULE, GroupingRule, group_faces, pairwise_distances
from album.store.database import Database
from album.store import person_merges
from album.store.faces import FaceRepository, FaceRow, NewFace
from album.store.settings import SettingsRepository

log = logging.getLogger(__name__)

MIN_PERSON_FACES = 3  # fewer faces wait in Unsorted: one lookalike stranger is not a person yet
DECODE_MIN_SIDE = 768  # decode big photos reduced to about the detector's working size
FACES_SETTING = "faces"  # 'on' or 'off' for this library; unset: on, unless ALBUM_FACES=off
FACES_VARIABLE = "ALBUM_FACES"  # 'off': no face pass in libraries that have not chosen (e.g. CI)
LAST_MERGE_SETTING = "people_last_merge"  # JSON: the rows the last merge changed (store/person_merges.py)


class PeopleError(AlbumError):
    """A people command that cannot be done as asked (an unknown person, a photo without faces)."""


@dataclass(frozen=True)
class MergeRecord:
    """A merge that can be undone: who went into whom, with the names they had, and when (UTC)."""
    target: int
    others: tuple[int, ...]
    names: dict[int, str | None]
    merged_at: datetime | None = None  # None for a merge saved before album recorded the time

    def describe(self) -> str:
        def called(person_id: int) -> str:
            return self.names.get(person_id) or f"person {person_id}"
        return f"{', '.join(called(o) for o in self.others)} into {called(self.target)}"


def _merge_record(saved: dict) -> MergeRecord:
    merged_at = datetime.fromisoformat(saved["merged_at"]) if saved.get("merged_at") else None
    return MergeRecord(saved["target"], tuple(saved["others"]), {int(k): v for k, v in saved["names"].items()},
                       merged_at)


@dataclass(frozen=True)
class Person:
    id: int
    name: str | None
    faces: int
    photos: list[str]  # paths, oldest first
    hidden: bool = False

    def to_json(self) -> dict:
        """The CLI's stable form."""
        return {"id": self.id, "name": self.name, "faces": self.faces, "photos": self.photos}


@dataclass
class FaceScanSummary:
    photos: int = 0
    faces: int = 0
    failed: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False


class PeopleService:
    def __init__(
        self,
        database: Database,
        settings: SettingsRepository,
        cache_dir: Path,
        # In a child process: dlib holds the GIL while it works, which froze the window (faces/process.py).
        engine_loader: Callable[[], FaceEngine | FaceEngineProcess] = FaceEngineProcess.load,
        rule: GroupingRule = DEFAULT_RULE,
        on_names_changed: Callable[[], None] = lambda: None,
    ):
        self._db = database
        self.faces = FaceRepository(database)
        self._settings = settings
        self.cache_dir = Path(cache_dir)
        self._engine_loader = engine_loader
        self._engine: FaceEngine | FaceEngineProcess | None = None
        self._engine_error: str | None = None
        self._engine_lock = threading.Lock()
        self.rule = rule
        self._on_names_changed = on_names_changed
        self._descriptors: dict[int, np.ndarray] = {}  # face id → descriptor (immutable per id)

    # --- switches ------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        chosen = self._settings.get(FACES_SETTING)
        if chosen is not None:
            return chosen != "off"
        return os.environ.get(FACES_VARIABLE, "on").lower() != "off"

    def set_enabled(self, on: bool) -> None:
        """Off: no face pass; faces and names already found stay, and searching by name still works."""
        self._settings.set(FACES_SETTING, "on" if on else "off")

    def unavailable_reason(self) -> str | None:
        """Why faces cannot be found here (dlib or its models missing), or None."""
        try:
            self._load_engine()
        except FacesUnavailable as exc:
            return str(exc)
        return None

    def _load_engine(self) -> FaceEngine | FaceEngineProcess:
        with self._engine_lock:
            if self._engine is None:
                if self._engine_error:
                    raise FacesUnavailable(self._engine_error)
                try:
                    self._engine = self._engine_loader()
                except FacesUnavailable as exc:
                    self._engine_error = str(exc)
                    log.warning("%s", exc)
                    raise
            return self._engine

    # --- the face pass -------------------------------------------------------------------------

    def pending(self) -> int:
        return self.faces.count_to_scan()

    def scan(self, progress: ProgressCallback | None = None, cancel: CancelToken | None = None) -> FaceScanSummary:
        """Find faces in every photo not scanned yet, then group the new ones. Runs on its own
        low-priority thread; the caller waits (and can cancel between photos)."""
        summary = FaceScanSummary()
        if not self.enabled:
            return summary
        engine = self._load_engine()  # FacesUnavailable says why, once
        cancel = cancel or CancelToken()
        started = time.monotonic()
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="album-faces", initializer=_lower_priority) as worker:
                worker.submit(self._scan, engine, summary, progress, cancel).result()
        finally:
            engine.close()  # the detector's process and its models are not kept between passes
        if summary.photos:
            self.regroup()
        summary.seconds = round(time.monotonic() - started, 3)
        summary.cancelled = cancel.cancelled
        return summary

    def _scan(self, engine: FaceEngine | FaceEngineProcess, summary: FaceScanSummary, progress: ProgressCallback | None,
              cancel: CancelToken) -> None:
        total = self.faces.count_to_scan()
        meter = RateMeter(time.monotonic)
        last_report = 0.0
        failed_ids: set[int] = set()
        with ThreadPoolExecutor(1, thread_name_prefix="album-faces-decode", initializer=_lower_priority) as decoder:
            while not cancel.cancelled:
                todo = [t for t in self.faces.photos_to_scan(64) if t[0] not in failed_ids]
                if not todo:
                    break
                # Decode one photo ahead of detection: the two overlap on two cores.
                pending = [decoder.submit(_decode, path) for _, path, _ in todo]
                for (photo_id, path, content_hash), future in zip(todo, pending):
                    if cancel.cancelled:
                        for rest in pending:
                            rest.cancel()
                        break
                    image, error = future.result()
                    faces: list[NewFace] = []
                    if image is not None:
                        try:
                            found = engine.find(image)
                        except Exception as exc:  # dlib raises RuntimeError on odd inputs; skip the photo
                            error = f"face detection failed: {exc}"
                            found = []
                        for ordinal, face in enumerate(found):
                            self._save_chip(content_hash, ordinal, face.chip)
                            faces.append(NewFace(ordinal, face.box, face.score, face.quality, face.descriptor))
                    if error:
                        summary.failed.append({"path": path, "error": error})
                        failed_ids.add(photo_id)
                    self.faces.save_scan(photo_id, content_hash, faces, error)
                    summary.photos += 1
                    summary.faces += len(faces)
                    now = time.monotonic()
                    if progress and now - last_report > 0.1:
                        last_report = now
                        progress(Progress("faces", summary.photos, total, len(summary.failed),
                                          meter.rate(summary.photos), meter.eta(summary.photos, total), path))
        if progress:
            progress(Progress("faces", summary.photos, total, len(summary.failed), meter.rate(summary.photos)))

    def chip_path(self, content_hash: str, ordinal: int) -> Path:
        return self.cache_dir / content_hash[:2] / f"{content_hash}-{ordinal}.jpg"

    def face_thumbnail(self, face: FaceRow) -> Path | None:
        path = self.chip_path(face.content_hash, face.ordinal)
        return path if path.is_file() else None

    def _save_chip(self, content_hash: str, ordinal: int, chip: np.ndarray) -> None:
        path = self.chip_path(content_hash, ordinal)
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        try:
            Image.fromarray(chip).save(temp, "JPEG", quality=88)
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if is_disk_full(exc):  # the pass stops; the photo is scanned again next time
                raise disk_full(self.cache_dir) from exc
            raise

    # --- grouping ------------------------------------------------------------------------------

    def regroup(self, *, full: bool = False, new_persons: bool = True, towards: list[int] | None = None) -> None:
        """Put faces with no person where they belong: with a person whose faces they are close
        to (named persons attract their new faces), else into new persons formed from groups of
        at least MIN_PERSON_FACES. `full` first releases every face the user did not decide
        about, and groups everything again (unnamed persons keep their id where they mostly
        keep their faces). `towards`: only these persons changed (a name, a merge), so only
        they can attract anything new. User decisions are never touched."""
        old = self.faces.release_auto() if full else {}
        face_set = self.faces.face_set(self._descriptors, None if full or new_persons else towards)
        if len(self._descriptors) > 2 * max(len(face_set.ids), 1024):  # rescans left stale ids behind
            self._descriptors = {int(i): v for i, v in zip(face_set.ids.tolist(), face_set.descriptors)}
        if not face_set.ids.size:
            self.faces.delete_empty_unnamed()
            return
        attracted = self._attract(face_set, towards)
        if attracted:
            self.faces.assign(attracted)
        if new_persons:
            self._form_persons(face_set, dict(attracted), old)
        self.faces.delete_empty_unnamed()

    def _attract(self, fs, towards: list[int] | None = None) -> list[tuple[int, int]]:
        """(face id, person id) for unassigned faces close to a person's faces."""
        unassigned = np.flatnonzero(fs.person_ids < 0)
        assigned = np.flatnonzero(fs.person_ids >= 0 if towards is None else np.isin(fs.person_ids, towards))
        if not unassigned.size or not assigned.size:
            return []
        owners = fs.person_ids[assigned]
        persons = np.unique(owners)
        k = self.rule.attract_neighbours
        scores = np.full((unassigned.size, persons.size), np.inf, dtype=np.float32)
        for start in range(0, unassigned.size, 2048):
            rows = unassigned[start : start + 2048]
            distances = pairwise_distances(fs.descriptors[rows], fs.descriptors[assigned])
            for column, person in enumerate(persons):
                mine = distances[:, owners == person]
                kk = min(k, mine.shape[1])
                scores[start : start + rows.size, column] = np.partition(mine, kk - 1, axis=1)[:, :kk].mean(axis=1)
        result = []
        for row, face_index in enumerate(unassigned):
            rejected = fs.rejected[face_index]
            order = np.argsort(scores[row])
            for column in order:
                if scores[row, column] >= self.rule.attract:
                    break
                if int(persons[column]) not in rejected:
                    result.append((int(fs.ids[face_index]), int(persons[column])))
                    break
        return result

    def _form_persons(self, fs, attracted: dict[int, int], old: dict[int, int]) -> None:
        pool = np.array([i for i in np.flatnonzero(fs.person_ids < 0) if int(fs.ids[i]) not in attracted], dtype=np.int64)
        if pool.size < MIN_PERSON_FACES:
            return
        labels = group_faces(fs.descriptors[pool], self.rule)
        groups = [pool[labels == g] for g in range(int(labels.max()) + 1)]
        groups = [g for g in groups if g.size >= MIN_PERSON_FACES]
        if not groups:
            return
        taken = {p.id for p in self.faces.persons() if p.faces}
        reuse: list[int | None] = []
        for group in groups:
            previous = [old.get(int(fs.ids[i])) for i in group]
            counts: dict[int, int] = {}
            for p in previous:
                if p is not None and p not in taken:
                    counts[p] = counts.get(p, 0) + 1
            best = max(counts, key=counts.get) if counts else None
            if best is not None and counts[best] * 2 > group.size:
                taken.add(best)
                reuse.append(best)
            else:
                reuse.append(None)
        existing = {p.id for p in self.faces.persons()}
        fresh = iter(self.faces.create_persons(sum(1 for r in reuse if r is None or r not in existing)))
        assignments = []
        for group, person in zip(groups, reuse):
            person_id = person if person is not None and person in existing else next(fresh)
            # A face the user took out of this person stays out, even when its old group returns.
            assignments += [(int(fs.ids[i]), person_id) for i in group if person_id not in fs.rejected[i]]
        self.faces.assign(assignments)

    # --- what the user sees and decides --------------------------------------------------------

    def people(self, *, include_hidden: bool = False) -> list[Person]:
        """Persons worth showing, largest first: named ones, and others with enough faces."""
        shown = []
        for row in self.faces.persons():
            if row.hidden and not include_hidden:
                continue
            if row.name is None and row.faces < MIN_PERSON_FACES:
                continue
            shown.append(Person(row.id, row.name, row.faces, self.faces.photo_paths(row.id), row.hidden))
        return shown

    def person(self, person_id: int) -> Person:
        row = self.faces.person(person_id)
        if row is None:
            raise PeopleError(f"there is no person {person_id}")
        return Person(row.id, row.name, row.faces, self.faces.photo_paths(row.id), row.hidden)

    def unsorted(self) -> list[FaceRow]:
        """Faces in no person yet (too few like them so far, or removed from one)."""
        return self.faces.faces()

    def named(self) -> dict[int, str]:
        """{person id: name} of the named, visible persons (for their smart albums)."""
        return self.faces.visible_names()

    def name(self, person_id: int, name: str | None) -> None:
        """Name (or rename, or with None unname) a person. Naming confirms their faces: a
        re-cluster keeps them together."""
        if self.faces.person(person_id) is None:
            raise PeopleError(f"there is no person {person_id}")
        name = (name or "").strip() or None
        self.faces.set_name(person_id, name)
        if name:
            self.faces.decide(self.faces.unconfirmed(person_id), person_id, "is")
        self.regroup(new_persons=False, towards=[person_id])  # their faces may attract unsorted ones
        self._on_names_changed()

    def merge(self, target: int, others: list[int]) -> None:
        """Merge persons into `target` for good: their faces and decisions become its."""
        others = [o for o in dict.fromkeys(others) if o != target]
        for person_id in [target, *others]:
            if self.faces.person(person_id) is None:
                raise PeopleError(f"there is no person {person_id}")
        if not others:
            return
        rows = {p: self.faces.person(p) for p in [target, *others]}
        saved = person_merges.snapshot(self._db, target, others)
        if rows[target].name is None:  # 'merge 5 2' where 2 is Anna: the merged person is Anna
            named = next((rows[o].name for o in others if rows[o].name), None)
            if named:
                self.faces.set_name(target, named)
        self.faces.merge(target, others)
        self.faces.decide(self.faces.unconfirmed(target), target, "is")
        self.regroup(new_persons=False, towards=[target])
        # Kept until the next merge: `undo_merge` puts these rows back while the target is as
        # this merge left it.
        saved["after"] = person_merges.state(self._db, target)
        saved["names"] = {str(p): rows[p].name for p in [target, *others]}
        saved["merged_at"] = datetime.now(timezone.utc).isoformat()  # Edit ▸ Undo takes the newest action
        self._settings.set(LAST_MERGE_SETTING, json.dumps(saved))
        self._on_names_changed()

    def last_merge(self) -> MergeRecord | None:
        """The last merge, while it can still be undone (nothing about its person changed since)."""
        saved = self._saved_merge()
        return _merge_record(saved) if saved is not None and self._undoable(saved) else None

    def undo_merge(self) -> MergeRecord:
        """Take the last merge back: the merged persons are there again with their own faces,
        names and decisions, and faces the merged person drew in are unsorted again."""
        saved = self._saved_merge()
        if saved is None:
            raise PeopleError("there is no merge to undo")
        with self._db.write():  # checked and put back with no other write in between (a face scan)
            if not self._undoable(saved):
                raise PeopleError("the person changed after the merge (a name, a face moved, new faces): it can no "
                                  "longer be undone in one step; take faces out with 'remove-face' (“Not …” in the "
                                  "viewer)")
            person_merges.restore(self._db, saved)
            self._settings.set(LAST_MERGE_SETTING, None)
        self._on_names_changed()
        return _merge_record(saved)

    def _undoable(self, saved: dict) -> bool:
        """The merged person is as the merge left it, and no new person took a merged one's id."""
        return (person_merges.state(self._db, saved["target"]) == saved["after"]
                and all(self.faces.person(other) is None for other in saved["others"]))

    def _saved_merge(self) -> dict | None:
        text = self._settings.get(LAST_MERGE_SETTING)
        return json.loads(text) if text else None

    def remove_face(self, photo_id: int, person_id: int | None = None) -> FaceRow:
        """'Not this person': the face in this photo leaves the person and never rejoins them."""
        faces = [f for f in self.faces.faces(photo_id=photo_id) if f.person_id is not None]
        if person_id is not None:
            faces = [f for f in faces if f.person_id == person_id]
        if not faces:
            raise PeopleError("no face in that photo belongs to " + (f"person {person_id}" if person_id else "a person"))
        if len(faces) > 1:
            ids = ", ".join(str(f.person_id) for f in faces)
            raise PeopleError(f"that photo has faces of several persons ({ids}): say which with --person")
        return self.not_this_person(faces[0].id)

    def not_this_person(self, face_id: int) -> FaceRow:
        """'Not this person' for one face (the GUI knows which box was clicked): it leaves its
        person and never rejoins them, through regroups and rescans."""
        face = self._face(face_id)
        if face.person_id is None:
            raise PeopleError(f"face {face_id} belongs to no person")
        self.faces.decide([face.id], face.person_id, "is_not")
        self._on_names_changed()
        return face

    def move_face(self, face_id: int, person_id: int) -> None:
        """This face is that person (overrides where grouping put it), and not the one it was in."""
        self.person(person_id)
        face = self._face(face_id)
        if face.person_id is not None and face.person_id != person_id:
            self.faces.decide([face_id], face.person_id, "is_not")
        self.faces.decide([face_id], person_id, "is")
        self._on_names_changed()

    def move_face_to_new_person(self, face_id: int, name: str) -> int:
        """This face is someone not in People yet: a new person with this name (a name is
        needed: an unnamed person of one face would wait unseen in Unsorted). Returns its id."""
        name = (name or "").strip()
        if not name:
            raise PeopleError("a new person needs a name")
        self._face(face_id)
        person_id = self.faces.create_persons(1)[0]
        self.faces.set_name(person_id, name)
        self.move_face(face_id, person_id)
        return person_id

    def label(self, person_id: int) -> str | None:
        """How a person is called in a search's explanations: the name, else 'an unnamed person';
        None when there is no such person (merged into another, or gone)."""
        row = self.faces.person(person_id)
        if row is None:
            return None
        return row.name or "an unnamed person"

    def _face(self, face_id: int) -> FaceRow:
        face = self.faces.face(face_id)
        if face is None:
            raise PeopleError(f"there is no face {face_id}")
        return face

    def hide(self, person_id: int, hidden: bool = True) -> None:
        self.person(person_id)
        self.faces.set_hidden(person_id, hidden)
        self._on_names_changed()

    def ids_named(self, name: str) -> list[int]:
        return self.faces.named().get(name.strip().lower(), [])

    def names(self) -> dict[str, list[int]]:
        return self.faces.named()

    def faces_in(self, photo_id: int) -> list[tuple[FaceRow, str | None]]:
        """A photo's faces and the name of each face's person, for boxes in the viewer."""
        names = {p.id: p.name for p in self.faces.persons()}
        return [(f, names.get(f.person_id)) for f in self.faces.faces(photo_id=photo_id)]


def _decode(path: str) -> tuple[Image.Image | None, str | None]:
    from album.media import decode_photo

    try:
        data = Path(path).read_bytes()
        return decode_photo(data, Path(path).name, min_side=DECODE_MIN_SIDE).image, None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"
    except Exception as exc:  # a DecodeError (it says why) or whatever a bad file raises
        return None, str(exc) or type(exc).__name__


def _lower_priority() -> None:
    """Face work yields the CPU to indexing and the window."""
    lower_thread_priority(FACE_PASS_NICENESS)
