"""People on real photos with a real dlib forward pass: grouping, durable decisions, search by
name, the CLI's JSON, and the 68-point model never opened.

The photos are LFW crops from ../shared/data/faces (research data: read from there, never copied
into the repository).
"""

import ctypes
import ctypes.util
import json
import os
import shutil
import struct
from pathlib import Path

import pytest

dlib = pytest.importorskip("dlib", reason="dlib (dlib-bin) is not installed: people are off")

from album.faces.models import FORBIDDEN_MODEL_FILE, FacesUnavailable, face_models_dir  # noqa: E402
from album.services.indexing import PipelineSettings  # noqa: E402
from album.services.people import PeopleError  # noqa: E402
from photo_files import tree_digest, write_photo  # noqa: E402

PEOPLE = {"Colin_Powell": 4, "Tony_Blair": 4, "Kofi_Annan": 4}


def _open_library(path, model):
    from album import Library

    library = Library.open(path, model=model, pipeline=PipelineSettings(batch_size=8))
    if library.settings.get("faces") is None:
        library.people.set_enabled(True)  # the suite turns faces off by default (conftest.py)
    return library


@pytest.fixture(scope="module")
def base_library(tmp_path_factory, shared_data, tiny_model):
    """Indexed once for the module: 12 LFW photos of 3 people and one photo with no face."""
    try:
        face_models_dir()
    except FacesUnavailable as exc:
        pytest.skip(str(exc))
    root = tmp_path_factory.mktemp("people")
    pictures = root / "Pictures"
    for person, count in PEOPLE.items():
        for source in sorted((shared_data / "faces" / person).glob("*.jpg"))[:count]:
            (pictures / person).mkdir(parents=True, exist_ok=True)
            shutil.copy(source, pictures / person / source.name)
    write_photo(pictures / "beach.jpg", seed=7)
    with _open_library(root / "library", tiny_model) as lib:
        lib.add_folder(pictures)
        summary = lib.index()
        assert summary.faces is not None and summary.faces.photos == 13
    shutil.copytree(pictures, root / "pristine")  # copytree keeps file times: nothing looks changed
    return root


@pytest.fixture
def people_library(base_library, tmp_path, tiny_model):
    """A private copy of the indexed library, its photo folder restored (tests change both)."""
    shutil.rmtree(base_library / "Pictures")
    shutil.copytree(base_library / "pristine", base_library / "Pictures")
    shutil.copytree(base_library / "library", tmp_path / "library")
    with _open_library(tmp_path / "library", tiny_model) as lib:
        yield lib


def _rescan_faces(lib, paths) -> None:
    """Scan these photos' faces afresh: their faces get new rows, as after a re-index."""
    for path in paths:
        lib.database.conn.execute("DELETE FROM face_scans WHERE photo_id = ?", (lib.photo_ids([path])[0],))
    assert lib.find_faces().photos == len(paths)


def _who(lib) -> dict[int, set[str]]:
    """person id → the LFW identities of their photos (from the folder names)."""
    return {p.id: {Path(path).parent.name for path in p.photos} for p in lib.people.people()}


def _person_of(lib, identity: str):
    return next(p for p in lib.people.people() if {Path(x).parent.name for x in p.photos} == {identity})


def test_the_same_person_groups_together_and_different_people_do_not(people_library):
    groups = _who(people_library)
    assert sorted(next(iter(g)) for g in groups.values()) == sorted(PEOPLE)
    assert all(len(g) == 1 for g in groups.values())  # nobody mixed with someone else
    for person in people_library.people.people():
        assert person.faces == PEOPLE[Path(person.photos[0]).parent.name]
    # The photo without a face has none, and was scanned (it is not waiting for the pass).
    assert people_library.people.pending() == 0
    beach = people_library.photos.by_path(Path(people_library.list_folders()[0].path) / "beach.jpg")
    assert people_library.people.faces_in(beach.id) == []


def test_face_thumbnails_are_cached_in_the_library(people_library):
    person = people_library.people.people()[0]
    for face in people_library.people.faces.faces(person_id=person.id):
        chip = people_library.people.face_thumbnail(face)
        assert chip is not None and people_library.path in chip.parents


def test_a_name_survives_a_rescan_a_move_and_a_regroup(people_library, tmp_path, tiny_model):
    colin = _person_of(people_library, "Colin_Powell")
    people_library.people.name(colin.id, "Colin")
    folder = people_library.list_folders()[0].path
    before = tree_digest(folder)
    # Moving a photo keeps its row, so its face and name.
    os.rename(folder / "Colin_Powell" / colin.photos[0].rsplit("/", 1)[1], folder / "colin moved.jpg")
    people_library.index()
    # Forgetting the folder and indexing it again gives every photo new rows: the decisions
    # are found again by content and box.
    people_library.remove_folder(folder)
    assert people_library.people.people() == [] or all(p.faces == 0 for p in people_library.people.people())
    people_library.add_folder(folder)
    people_library.index()
    people_library.people.regroup(full=True)
    named = [p for p in people_library.people.people() if p.name == "Colin"]
    assert len(named) == 1 and named[0].id == colin.id and named[0].faces == 4
    assert str(folder / "colin moved.jpg") in named[0].photos
    after = tree_digest(folder)
    assert sorted(before.values()) == sorted(after.values())  # files untouched (one renamed by us)


def test_a_named_person_attracts_their_new_faces(people_library, shared_data):
    tony = _person_of(people_library, "Tony_Blair")
    people_library.people.name(tony.id, "Tony")
    folder = people_library.list_folders()[0].path
    extra = sorted((shared_data / "faces" / "Tony_Blair").glob("*.jpg"))[PEOPLE["Tony_Blair"]]
    shutil.copy(extra, folder / "new tony.jpg")
    people_library.index()
    assert str(folder / "new tony.jpg") in people_library.people.person(tony.id).photos


def test_a_name_in_the_query_filters_to_that_person(people_library):
    colin = _person_of(people_library, "Colin_Powell")
    people_library.people.name(colin.id, "Colin")
    for query in ("Colin", "colin", "COLIN at the beach", "photos of Colin on the beach"):
        results = people_library.search(query, show_all=True)
        assert sorted(results.paths) == sorted(colin.photos), query
    # 'at the beach' stays the visual part; the name is no place and no time.
    parsed = people_library.search("Colin at the beach", show_all=True).parsed
    assert parsed.visual_text == "at the beach" and parsed.places == () and parsed.time is None
    assert [m.name for m in parsed.people] == ["Colin"]
    assert people_library.search("beach", show_all=True).paths != sorted(colin.photos)
    # Two people: only photos with both (none here), and the CLI's --person filter.
    tony = _person_of(people_library, "Tony_Blair")
    people_library.people.name(tony.id, "Tony")
    assert people_library.search("Colin and Tony").paths == []
    assert sorted(people_library.search("", person="tony", show_all=True).paths) == sorted(tony.photos)


def test_names_with_place_and_time_words(people_library):
    from datetime import date

    from album.services.search.query import QueryParser

    class Places:
        def lookup(self, phrase, strict=False):
            return ["Paris"] if phrase.lower() == "paris" else []

    names = {"anna": [1], "ben": [2], "paris": [3]}
    parser = QueryParser(Places(), lambda: date(2024, 6, 1), lambda: names)
    parsed = parser.parse("Anna in Paris 2019")
    assert [m.name for m in parsed.people] == ["Anna"]
    assert parsed.place_phrase == "Paris" and parsed.time.start == date(2019, 1, 1) and parsed.terms == ()
    parsed = parser.parse("Anna and Ben")
    assert [m.person_ids for m in parsed.people] == [(1,), (2,)] and parsed.terms == ()
    parsed = parser.parse("paris with anna's dog")  # the person Paris, not the city: no 'in'
    assert [m.person_ids for m in parsed.people] == [(3,), (1,)] and parsed.visual_text == "dog"


def test_merged_persons_stay_merged(people_library, tiny_model):
    colin = _person_of(people_library, "Colin_Powell")
    tony = _person_of(people_library, "Tony_Blair")
    people_library.people.merge(colin.id, [tony.id])
    people_library.people.regroup(full=True)
    _rescan_faces(people_library, [colin.photos[0], tony.photos[0]])
    people_library.people.regroup(full=True)
    merged = people_library.people.person(colin.id)
    assert merged.faces == 8
    assert {Path(p).parent.name for p in merged.photos} == {"Colin_Powell", "Tony_Blair"}


def _people_rows(library) -> dict:
    """Everything a merge touches, as stored: persons, faces (with their 'not' lists), decisions."""
    db = library.database
    return {table: [tuple(r) for r in db.query(sql)] for table, sql in (
        ("persons", "SELECT id, name, hidden, created_at FROM persons ORDER BY id"),
        ("faces", "SELECT id, person_id, assigned_by, rejected FROM faces ORDER BY id"),
        ("decisions", "SELECT id, content_hash, person_id, verdict FROM face_decisions ORDER BY id"))}


def test_the_last_merge_can_be_undone_until_its_person_changes(people_library):
    people = people_library.people
    colin, tony = _person_of(people_library, "Colin_Powell"), _person_of(people_library, "Tony_Blair")
    people.name(tony.id, "Tony")
    rejected = people.faces_in(people_library.photo_ids([tony.photos[0]])[0])[0][0]
    people.not_this_person(rejected.id)  # a 'not Tony' list the merge rewrites to 'not Colin'
    before = _people_rows(people_library)
    assert people.last_merge() is None

    people.merge(colin.id, [tony.id])
    assert people.person(colin.id).name == "Tony" and people.person(colin.id).faces == 7
    record = people.last_merge()
    assert (record.target, record.others, record.describe()) == (colin.id, (tony.id,), f"Tony into person {colin.id}")

    assert people.undo_merge() == record
    assert _people_rows(people_library) == before
    assert sorted(people_library.search("", person="Tony", show_all=True).paths) == sorted(tony.photos[1:])
    assert sorted(people_library.albums.photo_ids("Tony")) == sorted(people_library.photo_ids(tony.photos[1:]))
    assert people.last_merge() is None
    with pytest.raises(PeopleError, match="no merge"):
        people.undo_merge()

    # Once the merged person changed (here a name), the rows cannot simply be put back.
    people.merge(colin.id, [tony.id])
    people.name(colin.id, "Colin")
    assert people.last_merge() is None
    with pytest.raises(PeopleError, match="changed after the merge"):
        people.undo_merge()
    assert people.person(colin.id).faces == 7 and tony.id not in [p.id for p in people.people(include_hidden=True)]


def test_not_this_person_is_remembered(people_library):
    kofi = _person_of(people_library, "Kofi_Annan")
    photo = kofi.photos[0]
    people_library.remove_face(photo, kofi.id)
    people_library.people.regroup(full=True)
    _rescan_faces(people_library, [photo])  # the decision must also survive a fresh scan
    people_library.people.regroup(full=True)
    assert photo not in people_library.people.person(kofi.id).photos
    assert people_library.people.person(kofi.id).faces == 3


def test_a_face_moved_to_another_person_stays_there(people_library):
    people = people_library.people
    kofi, colin = _person_of(people_library, "Kofi_Annan"), _person_of(people_library, "Colin_Powell")
    people.name(colin.id, "Colin")
    photo = kofi.photos[0]
    face = people.faces_in(people_library.photo_ids([photo])[0])[0][0]
    people.move_face(face.id, colin.id)
    people.regroup(full=True)
    _rescan_faces(people_library, [photo])  # the face gets a new row: the decision finds it by box
    people.regroup(full=True)
    assert photo in people.person(colin.id).photos and photo not in people.person(kofi.id).photos
    assert (people.person(colin.id).faces, people.person(kofi.id).faces) == (5, 3)

    # To someone new: a named person of one face, shown in People, and kept through a rescan.
    # (A face of Colin's: his other faces are confirmed by his name, so none follows it.)
    own = colin.photos[0]
    face = people.faces_in(people_library.photo_ids([own])[0])[0][0]
    stranger = people.move_face_to_new_person(face.id, " Stranger ")
    _rescan_faces(people_library, [own])
    people.regroup(full=True)
    shown = {p.id: p for p in people.people()}
    assert shown[stranger].name == "Stranger" and shown[stranger].photos == [own]
    assert own not in people.person(colin.id).photos and people.person(colin.id).faces == 4
    with pytest.raises(PeopleError):
        people.move_face_to_new_person(face.id, "  ")

    # And back: the later decision wins, after a rescan too.
    face = people.faces_in(people_library.photo_ids([own])[0])[0][0]
    people.move_face(face.id, colin.id)
    assert people.faces.face(face.id).person_id == colin.id
    live = people.faces.face_set()
    assert live.rejected[live.ids.tolist().index(face.id)] == {stranger}  # no longer 'not Colin'
    _rescan_faces(people_library, [own])
    people.regroup(full=True)
    assert people.person(colin.id).faces == 5 and people.person(stranger).faces == 0


def test_not_this_person_for_one_face_and_a_filter_by_person_id(people_library):
    people = people_library.people
    tony = _person_of(people_library, "Tony_Blair")  # unnamed: only an id finds him
    found = people_library.search("", person_id=tony.id, show_all=True)
    assert sorted(found.paths) == sorted(tony.photos)
    assert sorted(people_library.search("portrait", person_id=[tony.id], show_all=True).paths) == sorted(tony.photos)
    assert people_library.search("", person_id=tony.id, tag="nothing-tagged-so").paths == []
    face = people.faces_in(people_library.photo_ids([tony.photos[0]])[0])[0][0]
    people.not_this_person(face.id)
    people.regroup(full=True)
    assert sorted(people_library.search("", person_id=tony.id, show_all=True).paths) == sorted(tony.photos[1:])
    with pytest.raises(PeopleError):
        people.not_this_person(face.id)  # in no person now
    colin = _person_of(people_library, "Colin_Powell")
    people.merge(colin.id, [tony.id])
    gone = people_library.search("", person_id=tony.id, show_all=True)
    assert gone.paths == [] and "no person" in gone.notes[0]


def test_a_smart_album_per_named_person_follows_renames(people_library):
    colin = _person_of(people_library, "Colin_Powell")
    people_library.people.name(colin.id, "Colin")
    ids = people_library.albums.photo_ids("Colin")
    assert sorted(people_library.photos.paths(ids).values()) == sorted(colin.photos)
    people_library.people.name(colin.id, "Colin Powell")
    assert "Colin Powell" in [a.name for a in people_library.albums.list()]
    assert "Colin" not in [a.name for a in people_library.albums.list()]
    people_library.people.name(colin.id, None)
    assert [a for a in people_library.albums.list() if a.query and a.query.people] == []


def test_cli_people_json_name_merge_and_search(base_library, tmp_path, capsys):
    from album.cli import main

    shutil.copytree(base_library / "library", tmp_path / "lib")
    lib = str(tmp_path / "lib")
    assert main(["--library", lib, "people", "--json"]) == 0
    people = json.loads(capsys.readouterr().out)
    assert [set(p) for p in people] == [{"id", "name", "faces", "photos"}] * 3
    assert [p["faces"] for p in people] == sorted((p["faces"] for p in people), reverse=True)
    first, second = people[0]["id"], people[1]["id"]
    assert main(["--library", lib, "people", "name", str(first), "Anna"]) == 0
    capsys.readouterr()
    assert main(["--library", lib, "search", "anna", "--json", "--all"]) == 0
    assert sorted(h["path"] for h in json.loads(capsys.readouterr().out)) == sorted(people[0]["photos"])
    assert main(["--library", lib, "people", "merge", str(first), str(second)]) == 0
    capsys.readouterr()
    main(["--library", lib, "people", "--json"])
    merged = json.loads(capsys.readouterr().out)
    assert merged[0] == {"id": first, "name": "Anna", "faces": people[0]["faces"] + people[1]["faces"],
                         "photos": merged[0]["photos"]}
    assert sorted(merged[0]["photos"]) == sorted(people[0]["photos"] + people[1]["photos"])
    assert main(["--library", lib, "people", "undo-merge"]) == 0
    assert f"undid the merge of person {second} into Anna" in capsys.readouterr().err
    main(["--library", lib, "people", "--json"])
    assert json.loads(capsys.readouterr().out) == [{**people[0], "name": "Anna"}, *people[1:]]
    assert main(["--library", lib, "people", "merge", str(first), str(second)]) == 0
    assert "`album people undo-merge` takes it back" in capsys.readouterr().err
    assert main(["--library", lib, "people", "remove-face", people[1]["photos"][0]]) == 0
    capsys.readouterr()
    main(["--library", lib, "people", "--json"])
    assert json.loads(capsys.readouterr().out)[0]["faces"] == merged[0]["faces"] - 1


def test_faces_off_and_a_library_without_face_models(tmp_path, tiny_model, shared_data, monkeypatch):
    pictures = tmp_path / "Pictures"
    pictures.mkdir()
    shutil.copy(next((shared_data / "faces" / "Colin_Powell").glob("*.jpg")), pictures / "a.jpg")
    with _open_library(tmp_path / "off", tiny_model) as lib:
        lib.people.set_enabled(False)
        assert not lib.people.enabled
        lib.add_folder(pictures)
        summary = lib.index()
        assert summary.faces is None and lib.people.pending() == 1 and lib.search("", show_all=True).paths
    monkeypatch.setenv("ALBUM_FACE_MODELS", str(tmp_path / "no-models"))
    with _open_library(tmp_path / "none", tiny_model) as lib:
        lib.add_folder(pictures)
        summary = lib.index()  # works, and says why there are no faces
        assert summary.faces is None and len(lib.search("", show_all=True)) == 1
        assert "face model files missing" in lib.people.unavailable_reason()


# --- the 68-point model is never opened -------------------------------------------------------

IN_OPEN = 0x20


def _inotify_watch(paths):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    if fd < 0:
        pytest.skip("inotify is not available here")
    watches = {libc.inotify_add_watch(fd, str(p).encode(), IN_OPEN): p.name for p in paths}
    return fd, watches


def _opened(fd, watches) -> set[str]:
    seen = set()
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return seen
        offset = 0
        while offset < len(data):
            wd, mask, _, length = struct.unpack_from("iIII", data, offset)
            if mask & IN_OPEN:
                seen.add(watches[wd])
            offset += 16 + length


@pytest.mark.skipif(not os.uname().sysname == "Linux", reason="inotify is Linux-only")
def test_the_68_point_model_is_never_opened(tmp_path, tiny_model, shared_data):
    from album.faces.models import DESCRIPTOR_FILE, LANDMARKS_FILE

    models = face_models_dir()
    watched = [models / LANDMARKS_FILE, models / DESCRIPTOR_FILE]
    if (models / FORBIDDEN_MODEL_FILE).exists():
        watched.append(models / FORBIDDEN_MODEL_FILE)
    fd, watches = _inotify_watch(watched)
    try:
        pictures = tmp_path / "Pictures"
        pictures.mkdir()
        shutil.copy(next((shared_data / "faces" / "Tony_Blair").glob("*.jpg")), pictures / "a.jpg")
        with _open_library(tmp_path / "lib", tiny_model) as lib:
            lib.add_folder(pictures)
            assert lib.index().faces.faces >= 1
        opened = _opened(fd, watches)
    finally:
        os.close(fd)
    assert {LANDMARKS_FILE, DESCRIPTOR_FILE} <= opened  # the watch works: the models it uses were seen
    assert FORBIDDEN_MODEL_FILE not in opened
