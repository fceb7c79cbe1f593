"""Soak: `album watch` keeps a library up to date while another process changes it for minutes.

    python -m bench.soak [--minutes 10] [--seed 1] [--keep-dir]

Not a test: it runs for minutes and prints counts. In a private temp dir (its own library, its
own XDG_DATA_HOME, so the trash is a private one too) it writes photos in three folders, starts
`album watch` in a subprocess and then, from this process and through the CLI, keeps doing what
users do: new photos, exact copies, manual tags and album places, `album duplicates keep`,
`album undo`, renames, deletes and `album index` runs that race the watcher. At the end it lets
the watcher settle, stops it and checks:
  - no photo file is lost: each one the soak knows is at its path with its bytes, or (trashed
    and not undone) journalled by album and in the trash with its bytes; no file appeared
    anywhere else;
  - every manual tag and album place of a photo that came back by undo is restored;
  - the library is consistent: `album status --json` in sync, and its photos are the files on
    disk, before and after a last `album index`.
It uses the tiny random model (`random-tiny`, chosen when the library is created), so the CPU
goes to the races rather than to a real model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

FOLDERS = ("a", "b", "c")
ALBUM = "soak"
OPS = {  # relative weights
    "new": 6, "copy": 5, "tag": 4, "album": 3, "keep": 3, "undo": 2, "rename": 3, "delete": 2, "index": 1,
}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_picture(path: Path, seed: int) -> None:
    """A small photo-like JPEG (smooth colour fields plus noise), different for each seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:120, 0:160].astype(np.float32)
    channels = [127 + 100 * np.sin(x * rng.uniform(0.005, 0.05) + y * rng.uniform(0.005, 0.05) + rng.uniform(0, 6))
                for _ in range(3)]
    pixels = np.clip(np.stack(channels, -1) + rng.normal(0, 10, (120, 160, 3)), 0, 255).astype(np.uint8)
    part = path.with_name(f".{path.name}.part")  # appears whole, as a copy from a camera would
    Image.fromarray(pixels).save(part, "JPEG", quality=90)
    os.replace(part, path)


class Soak:
    def __init__(self, root: Path, seed: int):
        self.root = root
        self.photos = root / "photos"
        self.library_dir = root / "library"
        self.env = dict(os.environ, XDG_DATA_HOME=str(root / "xdg"), PYTHONUNBUFFERED="1")
        self.rng = random.Random(seed)
        self.counter = 0
        self.present: dict[str, dict] = {}  # path -> {"hash", "tags", "album"} for files that should be there
        self.trashed: list[tuple[str, dict]] = []  # the last keep's files, until undone
        self.kept_in_trash: dict[str, dict] = {}  # trashed and never undone: path -> entry
        self.undone: list[tuple[str, dict]] = []  # came back by undo: checked at the end
        self.counts: Counter = Counter()
        self.history: dict[str, list[str]] = {}  # path -> what happened to the photo, for problem reports
        self.started = time.monotonic()

    def event(self, path: str, text: str, follows: str | None = None) -> None:
        past = self.history.pop(follows, []) if follows else self.history.get(path, [])
        self.history[path] = past + [f"{time.monotonic() - self.started:7.1f}s {text}"]

    # --- helpers ----------------------------------------------------------------------------

    def album(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:  # a busy machine is slow
        command = [sys.executable, "-m", "album", "--library", str(self.library_dir), *args]
        return subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=timeout)

    def library(self):
        from album import Library

        os.environ["XDG_DATA_HOME"] = self.env["XDG_DATA_HOME"]
        return Library.open(self.library_dir)

    def new_path(self, folder: str | None = None) -> Path:
        self.counter += 1
        return self.photos / (folder or self.rng.choice(FOLDERS)) / f"p{self.counter:05}.jpg"

    def pick(self) -> str | None:
        return self.rng.choice(sorted(self.present)) if self.present else None

    # --- what users do ----------------------------------------------------------------------

    def op_new(self, library) -> None:
        path = self.new_path()
        write_picture(path, self.counter)
        self.present[str(path)] = {"hash": sha(path), "tags": set(), "album": False}
        self.event(str(path), "written")

    def op_copy(self, library) -> None:
        source = self.pick()
        if source is None:
            return
        target = self.new_path()
        shutil.copyfile(source, target.with_name(f".{target.name}.part"))
        os.replace(target.with_name(f".{target.name}.part"), target)
        self.present[str(target)] = {"hash": self.present[source]["hash"], "tags": set(), "album": False}
        self.event(str(target), f"copied from {Path(source).name}")

    def op_tag(self, library) -> None:
        path = self.pick()
        if path is None or library.photos.by_path(path) is None:
            self.counts["tag: not indexed yet"] += 1
            return
        tag = self.rng.choice(["family", "holiday", "keep", "cat"])
        library.tag(path, tag)
        self.present[path]["tags"].add(tag)
        self.event(path, f"tagged {tag} (photo {library.photos.by_path(path).id})")

    def op_album(self, library) -> None:
        path = self.pick()
        photo = library.photos.by_path(path) if path else None
        if photo is None:
            self.counts["album: not indexed yet"] += 1
            return
        if ALBUM not in {a.name for a in library.albums.list()}:
            library.albums.create(ALBUM)
        library.albums.add_photos(ALBUM, [photo.id])
        self.present[path]["album"] = True
        self.event(path, f"added to the album (photo {photo.id})")

    def op_keep(self, library) -> None:
        # Groups as the library last saw them: a member may have been renamed or deleted since
        # (the watcher catches up within seconds); album must re-check before moving anything.
        groups = [g for g in library.duplicates("exact") if any(p in self.present for p in g.paths)]
        if not groups:
            self.counts["keep: no group"] += 1
            return
        group = self.rng.choice(groups)
        keep = self.rng.choice([p for p in group.paths if p in self.present])
        result = self.album("duplicates", "keep", keep, "--tier", "exact")
        if result.returncode != 0:
            self.counts["keep: refused"] += 1
            self.note(f"keep {keep}: {result.stderr.strip()[-300:]}")
        self.commit_trash()  # the previous action stays in the trash for good
        # The command lists the groups again itself (copies indexed since may have joined): every
        # file of ours that is gone now went to the trash with this action.
        for path in list(self.present):
            if not Path(path).exists():
                self.trashed.append((path, self.present.pop(path)))
                self.event(path, f"trashed by keep {Path(keep).name}")
        self.counts["files trashed"] += len(self.trashed)

    def commit_trash(self) -> None:
        self.kept_in_trash.update(self.trashed)
        self.trashed = []

    def op_undo(self, library) -> None:
        if not self.trashed:
            self.counts["undo: nothing"] += 1
            return
        result = self.album("undo")
        if result.returncode != 0:
            self.counts["undo: failed"] += 1
            self.note(f"undo: {result.stderr.strip()[-300:]}")
            return
        for path, entry in self.trashed:
            self.present[path] = entry
            self.undone.append((path, entry))
            self.event(path, "back by undo")
        self.counts["files restored by undo"] += len(self.trashed)
        self.trashed = []

    def op_rename(self, library) -> None:
        path = self.pick()
        if path is None:
            return
        target = self.new_path(Path(path).parent.name)
        os.rename(path, target)
        self.present[str(target)] = self.present.pop(path)
        self.rename_undone(path, str(target))
        self.event(str(target), f"renamed from {Path(path).name}", follows=path)

    def op_delete(self, library) -> None:
        path = self.pick()
        if path is None:
            return
        os.remove(path)
        self.present.pop(path)
        self.undone = [(p, e) for p, e in self.undone if p != path]

    def op_index(self, library) -> None:
        from album.errors import LibraryError

        try:
            library.index()
        except LibraryError:  # the watcher is indexing: another process holds the lock
            self.counts["index: busy"] += 1

    def rename_undone(self, old: str, new: str) -> None:
        self.undone = [(new if p == old else p, e) for p, e in self.undone]

    def note(self, text: str) -> None:
        self.counts["notes"] += 1
        if self.counts["notes"] <= 5:
            print(f"  note: {text}", file=sys.stderr)

    # --- the run ----------------------------------------------------------------------------

    def run(self, minutes: float) -> int:
        from album import Library
        from album.models.openclip import random_tiny

        for folder in FOLDERS:
            (self.photos / folder).mkdir(parents=True)
        for _ in range(30):
            self.op_new(None)
        os.environ["XDG_DATA_HOME"] = self.env["XDG_DATA_HOME"]
        Library.open(self.library_dir, model=random_tiny()).close()  # the library's model: random-tiny
        assert self.album("index", str(self.photos)).returncode == 0
        log = open(self.root / "watch.log", "w")  # a file, not a pipe: a full pipe would block the watcher
        watcher = subprocess.Popen([sys.executable, "-m", "album", "--library", str(self.library_dir), "watch"],
                                   stdout=subprocess.DEVNULL, stderr=log, env=self.env)
        time.sleep(5)
        names, weights = zip(*OPS.items())
        deadline = time.monotonic() + 60 * minutes
        library = self.library()
        try:
            while time.monotonic() < deadline:
                op = self.rng.choices(names, weights)[0]
                try:
                    getattr(self, f"op_{op}")(library)
                except Exception as error:  # a failure of album's, to report, not to stop the soak
                    self.counts[f"{op}: error"] += 1
                    self.note(f"{op}: {type(error).__name__}: {error}")
                self.counts[op] += 1
                time.sleep(self.rng.uniform(0, 0.3))
        finally:
            library.close()
            time.sleep(8)  # the watcher's debounce, then its last batch
            watcher.send_signal(signal.SIGINT)
            watcher.wait(timeout=120)
            log.close()
        err = (self.root / "watch.log").read_text()
        self.counts["watcher exit code"] = watcher.returncode
        self.counts["watcher tracebacks"] = err.count("Traceback")
        self.counts["watcher batches reported"] = err.count("watch: ")
        self.commit_trash()
        return self.check()

    # --- the checks -------------------------------------------------------------------------

    def check(self) -> int:
        problems: list[str] = []
        on_disk = {str(p) for p in self.photos.rglob("*") if p.is_file()}
        for path, entry in self.present.items():
            if path not in on_disk:
                problems.append(f"lost: {path}")
            elif sha(Path(path)) != entry["hash"]:
                problems.append(f"changed: {path}")
        problems += [f"unexpected file: {p}" for p in sorted(on_disk - set(self.present))]
        trash_files = self.root / "xdg" / "Trash" / "files"
        in_trash = Counter(sha(p) for p in trash_files.iterdir()) if trash_files.is_dir() else Counter()
        wanted_in_trash = Counter(entry["hash"] for entry in self.kept_in_trash.values())
        if wanted_in_trash - in_trash:
            problems.append(f"missing from the trash: {sum((wanted_in_trash - in_trash).values())} files")
        library = self.library()
        try:
            journal = {r[0] for r in library.database.query(
                "SELECT original_path FROM trash_journal WHERE restored_at IS NULL")}
            problems += [f"trashed but not journalled: {p}" for p in self.kept_in_trash if p not in journal]
        finally:
            library.close()
        problems += self.check_library("before the last index")
        self.counts["last index exit code"] = self.album("index").returncode
        problems += self.check_library("after the last index")
        library = self.library()
        try:
            in_album = set(library.albums.photo_ids(ALBUM)) if ALBUM in {a.name for a in library.albums.list()} else set()
            checked = 0
            for path, entry in self.present.items():
                if not entry["tags"] and not entry["album"]:
                    continue
                photo = library.photos.by_path(path)
                if photo is None:
                    problems.append(f"not in the library: {path}")
                    continue
                manual = {t.tag for t in library.tagging.tags([photo.id]).get(photo.id, []) if t.source == "manual"}
                if entry["tags"] - manual:
                    problems.append(f"manual tags lost {sorted(entry['tags'] - manual)}: {path}")
                if entry["album"] and photo.id not in in_album:
                    problems.append(f"album place lost: {path}")
                checked += 1
            self.counts["photos with manual tags or album places checked"] = checked
            self.counts["of them back from the trash by undo"] = sum(
                1 for p, e in self.undone if p in self.present and (e["tags"] or e["album"]))
        finally:
            library.close()
        self.counts["files on disk"] = len(on_disk)
        self.counts["files left in the trash"] = len(self.kept_in_trash)
        self.counts["problems"] = len(problems)
        for name, value in sorted(self.counts.items()):
            print(f"{name:>50}: {value}")
        for problem in problems[:40]:
            print(f"PROBLEM {problem}")
            for line in self.history.get(problem.rsplit(": ", 1)[-1], [])[-8:]:
                print(f"        {line}")
        print("OK: nothing lost, library consistent" if not problems else f"FAILED: {len(problems)} problems")
        return 0 if not problems else 1

    def check_library(self, when: str) -> list[str]:
        result = self.album("status", "--json")
        if result.returncode != 0:
            return [f"status failed {when}: {result.stderr[-300:]}"]
        status = json.loads(result.stdout)
        problems = [] if status["index"]["in_sync"] else [f"index not in sync {when}: {status['index']}"]
        library = self.library()
        try:
            ok = {library.photos.get(i).path for i in library.photos.ok_photo_ids()}
        finally:
            library.close()
        on_disk = {str(p) for p in self.photos.rglob("*.jpg") if not p.name.startswith(".")}
        problems += [f"in the library but not on disk ({when}): {p}" for p in sorted(ok - on_disk)]
        problems += [f"on disk but not in the library ({when}): {p}" for p in sorted(on_disk - ok)]
        self.counts[f"photos in the library {when}"] = status["photos"]
        return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-dir", action="store_true", help="leave the temp dir for a look afterwards")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="album-soak-"))
    started = time.monotonic()
    try:
        code = Soak(root, args.seed).run(args.minutes)
    finally:
        if args.keep_dir:
            print(f"left in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{(time.monotonic() - started) / 60:.1f} minutes in all")
    return code


if __name__ == "__main__":
    sys.exit(main())
