"""The library's disk is full or read-only: one readable line, read-only use where possible, and
nothing lost. A real small filesystem (tmpfs, mounted as root) stands for the full disk."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from photo_files import write_photo


def album(library, *args):
    command = [sys.executable, "-m", "album", "--library", str(library), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def mounted_tmpfs(mount: Path, size: str) -> Path:
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs (a disk to fill, or to make read-only) needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    return mount


def remount(mount: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(mount)], check=True)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB filesystem, made bigger by `grow()`: the disk that fills up and then gets room."""
    mount = mounted_tmpfs(tmp_path / "small-disk", "2m")
    yield mount, lambda: remount(mount, "size=64m")
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def read_only_disk(tmp_path):
    """A disk written first, then mounted read-only by `lock()` (a DVD, a write-protected card,
    a backup drive mounted read-only)."""
    mount = mounted_tmpfs(tmp_path / "disk", "64m")
    yield mount, lambda: remount(mount, "ro")
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_says_so_once_keeps_reads_working_and_resumes(small_disk, photos_dir, tiny_model):
    from album import Library

    mount, grow = small_disk
    library = mount / "library"
    Library.open(library, model=tiny_model).close()
    for i in range(120):  # far more thumbnails than 2 MB holds
        write_photo(photos_dir / f"{i:03}.jpg", seed=i, size=(640, 480))

    full = album(library, "index", str(photos_dir))
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    message = [line for line in full.stderr.splitlines() if line.startswith("album:")]
    assert len(message) == 1 and "the disk holding the library is full (" in message[0], full.stderr

    status = album(library, "status", "--json")  # reading works while the disk stays full
    assert status.returncode == 0 and "Traceback" not in status.stderr, status.stderr
    kept = json.loads(status.stdout)
    assert kept["failed"] == 0  # no photo blamed for the disk
    found = album(library, "search", "a photo", "--json")
    assert found.returncode == 0 and len(json.loads(found.stdout)) <= kept["photos"]

    grow()
    resumed = album(library, "index", "--json")
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["failed"] == [] and summary["indexed"] + summary["unchanged"] == 120
    assert summary["unchanged"] == kept["photos"]  # what was committed before was kept
    after = json.loads(album(library, "status", "--json").stdout)
    assert (after["photos"], after["failed"], after["index"]["in_sync"]) == (120, 0, True)


def test_a_library_on_a_read_only_disk_can_be_shown_and_searched_but_not_changed(read_only_disk, photos_dir,
                                                                                   tiny_model):
    from album import Library

    disk, lock = read_only_disk
    library = disk / "library"
    for i in range(6):
        write_photo(photos_dir / f"{i}.jpg", seed=i)
    with Library.open(library, model=tiny_model) as writable:
        writable.add_folder(photos_dir)
        writable.index()
    lock()

    status = album(library, "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["photos"] == 6
    found = album(library, "search", "", "--json")
    assert found.returncode == 0 and len(json.loads(found.stdout)) == 6, found.stderr
    for change in (["index"], ["tags", "add", "beach", str(photos_dir / "0.jpg")], ["albums", "create", "Trip"]):
        refused = album(library, *change)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr
        assert refused.stderr.strip() == (f"album: the library {library} is on a read-only disk: "
                                          "album can show and search it but not change it."), change
    with Library.open(library) as read_only:  # the API says so too, and reads
        assert read_only.read_only is not None and len(read_only.search("", limit=10)) == 6
