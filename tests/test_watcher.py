"""The folder watcher: new, half-written, deleted and moved files, and the polling fallback."""

import os
import shutil
import time
from pathlib import Path

import pytest
from watchdog.observers import Observer

from album.scan.watcher import LibraryWatcher
from photo_files import write_photo


def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def ok_paths(library):
    return {library.photos.get(i).path for i in library.photos.ok_photo_ids()}


@pytest.fixture
def watched(library, photos_dir):
    write_photo(photos_dir / "existing.jpg", seed=0)
    library.add_folder(photos_dir)
    watcher = LibraryWatcher(library, debounce=0.3, settle=1.0, poll_interval=0.5)
    watcher.start()
    yield library, watcher
    watcher.stop()


def test_watcher_reconciles_at_start_then_indexes_a_copied_photo(watched, photos_dir, tmp_path):
    library, watcher = watched
    assert watcher.mode == "native"
    assert wait_for(lambda: str(photos_dir / "existing.jpg") in ok_paths(library))
    outside = write_photo(tmp_path / "camera" / "new.jpg", seed=1)
    started = time.monotonic()
    shutil.copy(outside, photos_dir / "new.jpg")
    assert wait_for(lambda: str(photos_dir / "new.jpg") in ok_paths(library), timeout=10)
    assert time.monotonic() - started < 6  # "within a few seconds"
    assert (photos_dir / "new.jpg").read_bytes() == outside.read_bytes()


def test_watcher_does_not_index_a_half_written_photo(watched, photos_dir, tmp_path):
    library, _ = watched
    data = write_photo(tmp_path / "big.jpg", seed=2, size=(1600, 1200)).read_bytes()
    target = photos_dir / "copying.jpg"
    with open(target, "wb") as f:
        # A slow copy: the file keeps growing for longer than the debounce.
        for start in range(0, len(data) // 2, len(data) // 20):
            f.write(data[start : start + len(data) // 20])
            f.flush()
            time.sleep(0.15)
        assert library.photos.by_path(target) is None
        time.sleep(0.6)  # stalls briefly mid-copy (under the settle time)
        assert library.photos.by_path(target) is None
        f.write(data[f.tell():])
    assert wait_for(lambda: str(target) in ok_paths(library))
    row = library.photos.by_path(target)
    assert row.status == "ok" and row.size == len(data)
    assert library.errors() == []


def test_watcher_removes_deleted_and_follows_moved_photos(watched, photos_dir):
    library, _ = watched
    assert wait_for(lambda: str(photos_dir / "existing.jpg") in ok_paths(library))
    photo_id = library.photos.by_path(photos_dir / "existing.jpg").id
    (photos_dir / "sub").mkdir()
    os.replace(photos_dir / "existing.jpg", photos_dir / "sub" / "moved.jpg")
    assert wait_for(lambda: ok_paths(library) == {str(photos_dir / "sub" / "moved.jpg")})
    assert library.photos.by_path(photos_dir / "sub" / "moved.jpg").id == photo_id
    (photos_dir / "sub" / "moved.jpg").unlink()
    assert wait_for(lambda: ok_paths(library) == set())
    assert photo_id not in library.vector_index()


class InotifyLimitReached(Observer):
    """A native observer that fails the way inotify does when its watch limit is exhausted."""

    def schedule(self, *args, **kwargs):
        raise OSError(28, "inotify watch limit reached")


def test_watcher_falls_back_to_polling_when_native_watching_fails(library, photos_dir):
    library.add_folder(photos_dir)
    watcher = LibraryWatcher(library, debounce=0.2, settle=0.5, poll_interval=0.3, observer_factory=InotifyLimitReached)
    watcher.start()
    try:
        assert watcher.mode == "polling"
        write_photo(photos_dir / "polled.jpg", seed=3)
        assert wait_for(lambda: str(photos_dir / "polled.jpg") in ok_paths(library))
    finally:
        watcher.stop()


class RefusesOneFolder(Observer):
    """A native observer that runs out of inotify watches on one big folder only."""

    refused = "nas"

    def schedule(self, handler, path, *args, **kwargs):
        if Path(path).name == self.refused:
            raise OSError(28, "inotify watch limit reached")
        return super().schedule(handler, path, *args, **kwargs)


def test_only_the_folder_native_watching_refuses_is_polled(library, tmp_path):
    local, nas = tmp_path / "local", tmp_path / RefusesOneFolder.refused
    for folder in (local, nas):
        folder.mkdir()
        library.add_folder(folder)
    watcher = LibraryWatcher(library, debounce=0.2, settle=0.5, poll_interval=0.3, observer_factory=RefusesOneFolder)
    watcher.start()
    try:
        assert watcher.modes == {str(local): "native", str(nas): "polling"} and watcher.mode == "mixed"
        write_photo(local / "instant.jpg", seed=4)
        write_photo(nas / "polled.jpg", seed=5)
        assert wait_for(lambda: {str(local / "instant.jpg"), str(nas / "polled.jpg")} <= ok_paths(library))
    finally:
        watcher.stop()
    assert watcher.mode == "stopped"


def test_a_rename_is_one_batch_while_other_files_keep_settling(library, photos_dir, monkeypatch):
    """Found by bench/soak.py: while new files kept arriving, the deleted side of a rename was
    released after _MAX_HOLD without its new name (still "settling"), so the photo was removed,
    then indexed again as a new one: its manual tags and album places were lost."""
    import album.scan.watcher as watcher_module

    old = write_photo(photos_dir / "old.jpg", seed=3, size=(160, 120))
    stamp = time.time() - 3600
    os.utime(old, (stamp, stamp))  # taken and copied in an hour ago
    library.add_folder(photos_dir)
    library.index()
    library.tag(old, "family")
    watcher = LibraryWatcher(library, debounce=0.0, settle=5.0, reconcile_at_start=False)  # not started
    monkeypatch.setattr(watcher_module, "_MAX_HOLD", -1.0)  # the hold has run out: what is held goes now
    busy = write_photo(photos_dir / "arriving.jpg", seed=4, size=(160, 120))  # still settling
    new = photos_dir / "renamed.jpg"
    old.rename(new)
    for path in (busy, old, new):  # as watchdog marks them: the arrival, then the move's two sides
        watcher._dirty.mark(path)
    ready = set(watcher._ready_paths())
    assert ready == {old, new}  # the rename's sides together; the arriving file waits
    library.index(sorted(ready))
    assert library.photos.by_path(old) is None
    assert [t.tag for t in library.tags([new])[str(new)] if t.source == "manual"] == ["family"]
