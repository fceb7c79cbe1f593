"""The `album` command line, run as a real subprocess against a real library."""

import functools
import json
import os
import subprocess
import sys

import pytest

from album import __version__
from photo_files import write_photo


def album(*args, library=None, check=True):
    env = dict(os.environ)
    command = [sys.executable, "-m", "album"] + (["--library", str(library)] if library else []) + list(args)
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def library_dir(tmp_path, tiny_model):
    """A library set to the tiny model, so the CLI runs fast; the CLI loads it by its id."""
    from album import Library

    Library.open(tmp_path / "lib", model=tiny_model).close()
    return tmp_path / "lib"


def test_version():
    assert album("--version").stdout.strip() == f"album {__version__}"


def test_index_json_summary_and_status_and_errors(library_dir, photos_dir):
    for i in range(3):
        write_photo(photos_dir / f"{i}.jpg", seed=i)
    (photos_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    summary = json.loads(album("index", str(photos_dir), "--json", library=library_dir).stdout)
    assert set(summary) == {"indexed", "unchanged", "moved", "removed", "failed", "seconds", "cancelled"}
    assert (summary["indexed"], summary["unchanged"], summary["moved"], summary["removed"]) == (3, 0, 0, 0)
    assert [f["path"] for f in summary["failed"]] == [str(photos_dir / "broken.jpg")]
    assert summary["failed"][0]["error"]

    again = json.loads(album("index", "--json", library=library_dir).stdout)
    assert (again["indexed"], again["unchanged"], again["failed"]) == (0, 4, [])

    status = json.loads(album("status", "--json", library=library_dir).stdout)
    assert (status["photos"], status["failed"], status["vectors"]) == (3, 1, 3)
    assert status["model"] == "random-tiny" and status["index"]["in_sync"]
    assert status["folders"] == [str(photos_dir)]

    errors = json.loads(album("errors", "--json", library=library_dir).stdout)
    assert [e["path"] for e in errors] == [str(photos_dir / "broken.jpg")]
    assert "broken.jpg" in album("errors", library=library_dir).stdout


def test_index_says_when_the_photos_were_searchable_and_what_the_face_pass_found(library_dir, photos_dir):
    import re

    from album import Library

    with Library.open(library_dir) as library:
        if library.people.unavailable_reason():
            pytest.skip(f"no face pass here: {library.people.unavailable_reason()}")
    album("people", "faces", "on", library=library_dir)  # the tests' default is off
    for i in range(3):
        write_photo(photos_dir / f"{i}.jpg", seed=i)

    out = album("index", str(photos_dir), library=library_dir).stdout

    assert out.startswith("3 indexed, 0 unchanged")
    assert re.search(r"searchable after \d+\.\ds; then 0 faces found in 3 photos in \d+\.\ds", out), out


def test_folders_add_list_remove(library_dir, photos_dir):
    album("folders", "add", str(photos_dir), library=library_dir)
    assert json.loads(album("folders", "list", "--json", library=library_dir).stdout) == [str(photos_dir)]
    album("folders", "remove", str(photos_dir), library=library_dir)
    assert album("folders", "list", library=library_dir).stdout.strip() == ""
    failed = album("folders", "remove", str(photos_dir), library=library_dir, check=False)
    assert failed.returncode == 1 and "not a library folder" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_album_home_selects_the_library(tmp_path, tiny_model, photos_dir, monkeypatch):
    from album import Library

    Library.open(tmp_path / "home", model=tiny_model).close()
    monkeypatch.setenv("ALBUM_HOME", str(tmp_path / "home"))
    write_photo(photos_dir / "a.jpg", seed=1)
    album("index", str(photos_dir))
    assert json.loads(album("status", "--json").stdout)["library"] == str(tmp_path / "home")


def test_every_command_is_documented_in_the_readme():
    from album.cli import command_names
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    for command in command_names():
        assert f"album {command}" in readme or f"album [--library DIR] {command}" in readme, command


def test_ctrl_c_stops_cleanly_keeps_the_work_and_the_next_run_finishes(library_dir, photos_dir):
    import signal
    import sqlite3
    import time

    total = 200  # far more than one batch (32) plus the photos decoded ahead (64)
    for i in range(total):
        write_photo(photos_dir / f"{i:03}.jpg", seed=i, size=(96, 72))
    command = [sys.executable, "-m", "album", "--library", str(library_dir), "index", str(photos_dir), "--json"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = library_dir / "library.db"
    deadline = time.monotonic() + 120
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    blocker = sqlite3.connect(db, isolation_level=None, timeout=60)
    while time.monotonic() < deadline:
        if blocker.execute("SELECT count(*) FROM photos").fetchone()[0] > 0:
            break
        time.sleep(0.005)
    # Hold the write lock: the child cannot commit another batch, so it cannot finish before
    # the Ctrl-C lands. It stops after the batch it is committing when the lock is released.
    blocker.execute("BEGIN IMMEDIATE")
    committed = blocker.execute("SELECT count(*) FROM photos").fetchone()[0]
    assert 0 < committed < total
    child.send_signal(signal.SIGINT)
    time.sleep(0.5)
    blocker.execute("ROLLBACK")
    blocker.close()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    first = json.loads(out)
    assert first["cancelled"] is True and "stopping" in err
    assert committed <= first["indexed"] < total
    second = json.loads(album("index", "--json", library=library_dir).stdout)
    assert second["cancelled"] is False
    assert second["indexed"] == total - first["indexed"] and second["unchanged"] == first["indexed"]


def test_watch_command_indexes_new_photos_until_ctrl_c(library_dir, photos_dir, tmp_path):
    import signal
    import threading
    import time

    from album import Library

    album("folders", "add", str(photos_dir), library=library_dir)
    child = subprocess.Popen(
        [sys.executable, "-m", "album", "--library", str(library_dir), "watch"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    err_lines: list[str] = []
    reader = threading.Thread(target=lambda: err_lines.extend(iter(child.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        # Wait for the watcher itself, not a fixed time: a busy machine takes longer to start.
        deadline = time.monotonic() + 120
        while not any("watching" in line for line in err_lines) and time.monotonic() < deadline:
            assert child.poll() is None, "".join(err_lines)
            time.sleep(0.2)
        write_photo(tmp_path / "new.jpg", seed=4).rename(photos_dir / "new.jpg")
        deadline = time.monotonic() + 60
        found = False
        while time.monotonic() < deadline and not found:
            time.sleep(0.5)
            with Library.open(library_dir) as library:
                found = library.photos.by_path(photos_dir / "new.jpg") is not None
        assert found
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=60)
        reader.join(timeout=10)
    err = "".join(err_lines)
    assert child.returncode == 0, err
    assert "watching 1 folder (native)" in err


def test_duplicates_keep_and_undo_through_the_cli(library_dir, photos_dir, tmp_path, monkeypatch):
    import shutil

    # send2trash reads these when the child process imports it: the trash lands in tmp_path.
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    original = write_photo(photos_dir / "a.jpg", seed=1)
    copy = photos_dir / "a copy.jpg"
    shutil.copyfile(original, copy)
    write_photo(photos_dir / "other.jpg", seed=2)
    album("index", str(photos_dir), library=library_dir)

    # The tiny random test model finds everything "similar", so only the exact tier is checked.
    groups = json.loads(album("duplicates", "--tier", "exact", "--json", library=library_dir).stdout)
    assert [(g["tier"], sorted(g["photos"])) for g in groups] == [("exact", sorted([str(original), str(copy)]))]
    assert groups[0]["reason"] and set(groups[0]["scores"]) == set(groups[0]["photos"]) - {groups[0]["keep"]}

    data = original.read_bytes()
    album("duplicates", "keep", str(original), "--tier", "exact", library=library_dir)
    assert original.exists() and not copy.exists()
    assert list((tmp_path / "home" / ".local" / "share" / "Trash" / "files").iterdir())
    assert json.loads(album("duplicates", "--tier", "exact", "--json", library=library_dir).stdout) == []

    assert str(copy) in album("undo", library=library_dir).stdout
    assert copy.read_bytes() == data
    status = json.loads(album("status", "--json", library=library_dir).stdout)
    assert status["photos"] == 3


def test_a_file_name_that_is_not_utf8_is_indexed_and_printed_as_its_bytes(library_dir, photos_dir):
    odd = write_photo(photos_dir / os.fsdecode(b"caf\xe9 \xff.jpg"), seed=1)
    write_photo(photos_dir / os.fsdecode(b"dir\xfe") / "b.jpg", seed=2)
    command = [sys.executable, "-m", "album", "--library", str(library_dir)]
    # stdout as on a desktop with a UTF-8 locale such as en_US.UTF-8: strict (in the C and C.UTF-8
    # locales Python escapes such bytes on its own).
    env = dict(os.environ, PYTHONIOENCODING="utf-8:strict")
    run_album = functools.partial(subprocess.run, capture_output=True, timeout=300, env=env)
    for _ in range(2):  # the second run used to crash the same way as the first
        run = run_album(command + ["index", str(photos_dir), "--json"])
        assert run.returncode == 0, run.stderr.decode(errors="replace")
    summary = json.loads(run.stdout)
    assert (summary["unchanged"], summary["failed"]) == (2, [])
    listed = run_album(command + ["search", ""])
    assert listed.returncode == 0, listed.stderr.decode(errors="replace")
    assert b"  " + os.fsencode(odd) + b"  " in listed.stdout  # the exact bytes, usable by other tools
    as_json = run_album(command + ["search", "", "--json"])
    assert str(odd) in {hit["path"] for hit in json.loads(as_json.stdout)}


def run(capsys, *args) -> tuple[int, str, str]:
    """The CLI in this process (`main`, as `python -m album` runs it): exit status, stdout, stderr."""
    from album.cli import main

    try:
        status = main([str(a) for a in args])
    except SystemExit as exit:  # argparse refusing the command line
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_export_says_which_names_it_shortened(library_dir, photos_dir, tmp_path, capsys):
    longest = "b" * 251 + ".jpg"  # 255 bytes: the second photo of that name needs " (2)" and a shorter stem
    photos = [write_photo(photos_dir / folder / longest, seed=i, size=(64, 48)) for i, folder in enumerate("xy")]
    assert run(capsys, "--library", library_dir, "index", photos_dir)[0] == 0
    run(capsys, "--library", library_dir, "albums", "create", "Long", *photos)

    status, out, err = run(capsys, "--library", library_dir, "albums", "export", "Long", tmp_path / "out")

    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == "2 copied, 0 linked, 0 already there"
    assert lines[1].startswith(f"  shortened: {photos[1]} -> bbb") and " (2).jpg (its name is too long" in lines[1]


def test_undo_passes_over_an_action_emptied_from_the_trash_and_lists_the_others(library_dir, photos_dir, temp_trash,
                                                                                  capsys):
    import shutil

    from photo_families import sha256

    trash_dir, _ = temp_trash
    pairs = []
    for i, name in enumerate("xyz"):
        kept = write_photo(photos_dir / f"{name}.jpg", seed=i)
        pairs.append((kept, shutil.copyfile(kept, photos_dir / f"{name} copy.jpg")))
    assert run(capsys, "--library", library_dir, "index", photos_dir)[0] == 0
    actions = []
    for kept, _ in pairs:  # three `duplicates keep`: actions X, Y, Z
        status, _, err = run(capsys, "--library", library_dir, "duplicates", "keep", kept, "--tier", "exact")
        assert status == 0, err
        actions.append(err.rsplit("(action ", 1)[1].split(")")[0])
    x, y, z = actions
    copy_y = pairs[1][1]
    for entry in (trash_dir / "files").iterdir():  # Y's file is emptied from the trash by hand
        if sha256(entry) == sha256(pairs[1][0]):
            entry.unlink()
            (trash_dir / "info" / f"{entry.name}.trashinfo").unlink()

    status, out, _ = run(capsys, "--library", library_dir, "undo", "--list")
    assert status == 0
    listed = [line.split() for line in out.splitlines()]
    assert [(words[0], words[3:5]) for words in listed] == [(z, ["1", "file"]), (y, ["1", "file"]), (x, ["1", "file"])]
    assert out.splitlines()[1].endswith("no longer in the trash") and out.splitlines()[2].endswith("in the trash")
    listing = json.loads(run(capsys, "--library", library_dir, "undo", "--list", "--json")[1])
    assert [(a["action"], a["state"], a["gone"]) for a in listing] == [
        (z, "in_trash", []), (y, "gone", [str(copy_y)]), (x, "in_trash", [])]

    status, out, err = run(capsys, "--library", library_dir, "undo", x[:8])  # an earlier one, by (the start of) its id
    assert (status, out.strip()) == (0, f"restored {pairs[0][1]}"), err
    status, out, err = run(capsys, "--library", library_dir, "undo")  # the newest
    assert (status, out.strip(), err) == (0, f"restored {pairs[2][1]}", "")
    assert all(copy.exists() for copy in (pairs[0][1], pairs[2][1])) and not copy_y.exists()

    status, out, err = run(capsys, "--library", library_dir, "undo")  # only Y is left: passed over, and said
    assert status == 1 and out == ""
    assert err.splitlines() == [
        f"skipped {y} ({listed[1][1]} {listed[1][2]}, 1 file): no longer in the trash",
        "album: there is no trash action to undo: the files of the 1 left are no longer in the trash"]
    status, _, err = run(capsys, "--library", library_dir, "undo", y)
    assert status == 1 and err.strip() == (f"album: nothing to put back: its file is no longer in the trash "
                                           f"(was it emptied?): {copy_y}")


def test_bad_arguments_are_refused_with_one_line_and_status_2(library_dir, photos_dir, capsys):
    photos = [write_photo(photos_dir / f"{i}.jpg", seed=i, size=(64, 48)) for i in range(5)]
    assert run(capsys, "--library", library_dir, "index", photos_dir)[0] == 0
    photo = photos[0]
    not_utf8 = "dog \udcff"  # how Python hands over the argument bytes b"dog \xff"
    refusals = {
        ("search", "dog", "--limit", "-1"): "album search: argument --limit: '-1' is not a whole number of at least 1",
        ("search", "dog", "--limit", "0"): "album search: argument --limit: '0' is not a whole number of at least 1",
        ("similar", photo, "--limit", "-1"): "album similar: argument --limit: '-1' is not a whole number of at least 1",
        ("labels", "add", "dog", "--threshold", "1.5"):
            "album labels: argument --threshold: '1.5' is not a number from 0 to 1",
        ("labels", "add", "dog", "--threshold", "nan"): "album labels: argument --threshold: 'nan' is not a number from 0 to 1",
        ("tags", "add", "", photo): "album tags: the tag must not be empty",
        ("tags", "add", "  ", photo): "album tags: the tag must not be empty",
        ("labels", "add", " "): "album labels: argument name: must not be empty",
        ("albums", "create", ""): "album albums: argument name: must not be empty",
        ("search", not_utf8): "album search: argument text: 'dog \\xff' is not valid text (UTF-8)",
        ("search", "dog", "--tag", not_utf8): "album search: argument --tag: 'dog \\xff' is not valid text (UTF-8)",
        ("labels", "add", not_utf8): "album labels: argument name: 'dog \\xff' is not valid text (UTF-8)",
        ("labels", "add", "dog", "--prompt", not_utf8):
            "album labels: argument --prompt: 'dog \\xff' is not valid text (UTF-8)",
        ("albums", "create", not_utf8, photo): "album albums: argument name: 'dog \\xff' is not valid text (UTF-8)",
        ("albums", "rename", "Trip", not_utf8): "album albums: the new name 'dog \\xff' is not valid text (UTF-8)",
        ("tags", "add", not_utf8, photo): "album tags: the tag 'dog \\xff' is not valid text (UTF-8)",
        ("people", "name", "1", not_utf8): "album people: the name 'dog \\xff' is not valid text (UTF-8)",
        ("undo", not_utf8): "album undo: argument ACTION: 'dog \\xff' is not valid text (UTF-8)",
    }
    for args, line in refusals.items():
        assert run(capsys, "--library", library_dir, *args) == (2, "", line + "\n"), args
    tags = json.loads(run(capsys, "--library", library_dir, "tags", "--json")[1])
    assert [t for found in tags.values() for t in found if t["source"] == "manual" or not t["tag"].strip()] == []
    assert run(capsys, "--library", library_dir, "albums", "list", "--json")[1].strip() == "[]"

    status, out, _ = run(capsys, "--library", library_dir, "similar", photo, "--limit", "2", "--json")
    assert status == 0 and len(json.loads(out)) == 2  # a real limit still holds


def test_undecodable_bytes_are_refused_in_words_but_kept_in_folder_names(library_dir, photos_dir, tmp_path, capsys):
    photos = [write_photo(photos_dir / f"{i}.jpg", seed=i, size=(64, 48)) for i in range(2)]
    assert run(capsys, "--library", library_dir, "index", photos_dir)[0] == 0
    assert run(capsys, "--library", library_dir, "albums", "create", "Trip", *photos)[0] == 0
    base = [sys.executable, "-m", "album", "--library", str(library_dir)]

    refused = subprocess.run(base + ["search", b"dog \xff"], capture_output=True, timeout=300)
    assert (refused.returncode, refused.stdout) == (2, b"")
    assert refused.stderr == b"album search: argument text: 'dog \\xff' is not valid text (UTF-8)\n"

    folder = os.fsencode(tmp_path) + b"/out \xff"  # a folder name that is not UTF-8 is still a folder
    exported = subprocess.run(base + ["albums", "export", "Trip", folder], capture_output=True, timeout=300)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == b"2 copied, 0 linked, 0 already there\n"
    assert sorted(os.listdir(folder)) == [b"0.jpg", b"1.jpg"]
