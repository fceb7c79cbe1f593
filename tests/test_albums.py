"""Manual and smart albums, auto-organising, and exporting to a folder."""

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from album.errors import AlbumError
from album.services.albums import SmartQuery
from album.services.tagging import Label
from photo_files import tree_digest, write_photo


@pytest.fixture
def indexed(library, photos_dir):
    for i in range(6):
        path = write_photo(photos_dir / f"{i}.jpg", seed=i, size=(160, 120))
        # File times as the fallback date, every 20 days from 21 Sep 2008 (to 30 Dec), local noon:
        # the dates read back are these in every time zone.
        stamp = (datetime(2008, 9, 21, 12) + timedelta(days=20 * i)).timestamp()
        os.utime(path, (stamp, stamp))
    library.add_folder(photos_dir)
    library.index()
    return library


def test_manual_album_create_add_remove_show_delete(indexed, photos_dir):
    albums = indexed.albums
    ids = indexed.photo_ids([photos_dir / "1.jpg", photos_dir / "3.jpg"])
    albums.create("Favourites", ids)
    assert albums.photo_ids("Favourites") == ids
    albums.add_photos("Favourites", indexed.photo_ids([photos_dir / "5.jpg"]))
    albums.remove_photos("Favourites", ids[:1])
    assert albums.photo_ids("Favourites") == [ids[1], indexed.photo_ids([photos_dir / "5.jpg"])[0]]
    with pytest.raises(AlbumError):
        albums.create("Favourites")
    albums.delete("Favourites")
    assert albums.list() == [] and (photos_dir / "1.jpg").exists()


def test_album_membership_survives_renames_and_follows_deletions(indexed, photos_dir):
    indexed.albums.create("Trip", indexed.photo_ids([photos_dir / "1.jpg", photos_dir / "2.jpg"]))
    (photos_dir / "1.jpg").rename(photos_dir / "renamed.jpg")
    (photos_dir / "2.jpg").unlink()
    indexed.index()
    assert indexed.albums.photo_ids("Trip") == indexed.photo_ids([photos_dir / "renamed.jpg"])


def test_smart_album_by_tag_and_date_updates_as_photos_are_indexed(indexed, photos_dir):
    indexed.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    indexed.albums.create_smart("Alpha autumn 2008", SmartQuery(tags=("alpha",), date_from="2008-10-01", date_to="2008-11-30"))
    before = indexed.albums.photo_ids("Alpha autumn 2008")
    assert len(before) == 3  # 11 Oct, 31 Oct, 20 Nov
    new = write_photo(photos_dir / "new.jpg", seed=40, size=(160, 120))
    stamp = datetime(2008, 10, 26, 12).timestamp()  # late October 2008, local time
    os.utime(new, (stamp, stamp))
    indexed.index()
    assert indexed.photo_ids([new])[0] in indexed.albums.photo_ids("Alpha autumn 2008")


def test_organise_by_tags_and_by_place_and_month(indexed):
    indexed.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    created = indexed.albums.organise_by_tags(min_photos=3)
    assert [a.name for a in created] == ["Alpha"] and len(indexed.albums.photo_ids("Alpha")) == 6
    assert indexed.albums.organise_by_tags(min_photos=3) == []  # idempotent
    with indexed.database.write() as db:  # as the places service records reverse-geocoded GPS
        for photo_id in indexed.photos.ok_photo_ids():
            db.execute("INSERT INTO photo_places (photo_id, city, region, country, country_code) "
                       "VALUES (?, 'Arezzo', 'Tuscany', 'Italy', 'IT')", (photo_id,))
    names = [a.name for a in indexed.albums.organise_by_place_and_month(min_photos=2)]
    assert names == ["Tuscany, October 2008", "Tuscany, December 2008"]  # September and November have one photo
    assert [len(indexed.albums.photo_ids(name)) for name in names] == [2, 2]


def test_export_copies_files_byte_identical_without_touching_the_originals(indexed, photos_dir, tmp_path):
    indexed.albums.create("Best", indexed.photo_ids([photos_dir / "1.jpg", photos_dir / "2.jpg"]))
    other = photos_dir / "sub"
    write_photo(other / "1.jpg", seed=77, size=(160, 120))  # same name, other photo
    indexed.index()
    indexed.albums.add_photos("Best", indexed.photo_ids([other / "1.jpg"]))
    before = tree_digest(photos_dir)
    summary = indexed.albums.export("Best", tmp_path / "out")
    assert summary.copied == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["1 (2).jpg", "1.jpg", "2.jpg"]
    assert (tmp_path / "out" / "2.jpg").read_bytes() == (photos_dir / "2.jpg").read_bytes()
    assert {(tmp_path / "out" / n).read_bytes() for n in ("1.jpg", "1 (2).jpg")} == {
        (photos_dir / "1.jpg").read_bytes(), (other / "1.jpg").read_bytes()}
    for _ in range(2):  # re-exporting adds nothing, the renamed same-name photo included
        again = indexed.albums.export("Best", tmp_path / "out")
        assert (again.copied, again.skipped, again.missing) == (0, 3, [])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["1 (2).jpg", "1.jpg", "2.jpg"]
    write_photo(photos_dir / "3.jpg", seed=78, size=(160, 120))  # only what is new is added
    indexed.index()
    indexed.albums.add_photos("Best", indexed.photo_ids([photos_dir / "3.jpg"]))
    assert indexed.albums.export("Best", tmp_path / "out").copied == 1
    before = tree_digest(photos_dir)
    for _ in range(2):
        linked = indexed.albums.export("Best", tmp_path / "links", link=True)
    assert (linked.linked, linked.skipped) == (0, 4)
    assert sorted(p.name for p in (tmp_path / "links").iterdir()) == ["1 (2).jpg", "1.jpg", "2.jpg", "3.jpg"]
    assert (tmp_path / "links" / "2.jpg").resolve() == (photos_dir / "2.jpg").resolve()
    assert tree_digest(photos_dir) == before


def test_export_never_writes_through_a_link_planted_in_the_folder(indexed, photos_dir, tmp_path):
    indexed.albums.create("Best", indexed.photo_ids([photos_dir / "1.jpg", photos_dir / "2.jpg"]))
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    out.mkdir()
    victim.write_bytes(b"the user's own file")
    # The temporary name export once used (predictable), a link at a photo's own name, and a
    # dangling link at the name it would get next: none of them may be written through.
    (out / ".1.jpg.part").symlink_to(victim)
    (out / "2.jpg").symlink_to(victim)
    (out / "2 (2).jpg").symlink_to(tmp_path / "nowhere")
    planted = {name: os.readlink(out / name) for name in (".1.jpg.part", "2.jpg", "2 (2).jpg")}
    before = tree_digest(photos_dir)

    summary = indexed.albums.export("Best", out)

    assert victim.read_bytes() == b"the user's own file" and not (tmp_path / "nowhere").exists()
    assert {name: os.readlink(out / name) for name in planted} == planted
    assert summary.copied == 2
    assert sorted(p.name for p in out.iterdir()) == [".1.jpg.part", "1.jpg", "2 (2).jpg", "2 (3).jpg", "2.jpg"]
    assert (out / "1.jpg").read_bytes() == (photos_dir / "1.jpg").read_bytes() and not (out / "1.jpg").is_symlink()
    assert (out / "2 (3).jpg").read_bytes() == (photos_dir / "2.jpg").read_bytes()
    again = indexed.albums.export("Best", out)
    assert (again.copied, again.skipped) == (0, 2)

    links = tmp_path / "links"
    links.mkdir()
    (links / "1.jpg").symlink_to(victim)
    linked = indexed.albums.export("Best", links, link=True)
    assert linked.linked == 2 and os.readlink(links / "1.jpg") == str(victim)
    assert (links / "1 (2).jpg").resolve() == (photos_dir / "1.jpg").resolve()
    assert victim.read_bytes() == b"the user's own file" and tree_digest(photos_dir) == before


def test_export_of_names_too_long_for_the_folder_shortens_them_and_goes_on(indexed, photos_dir, tmp_path):
    long_name = "a" * 246 + ".jpg"  # 250 bytes: fits, but not with anything added to it
    longest = "b" * 251 + ".jpg"  # 255 bytes: a second photo of that name gets "b…b (2).jpg", cut short
    made = [write_photo(photos_dir / "long" / long_name, seed=30, size=(64, 48)),
            write_photo(photos_dir / "long" / longest, seed=31, size=(64, 48)),
            write_photo(photos_dir / "other" / longest, seed=32, size=(64, 48))]
    indexed.index()
    names = [f"{i}.jpg" for i in range(6)]
    indexed.albums.create("Long", indexed.photo_ids([photos_dir / names[0], made[0], *made[1:],
                                                     *(photos_dir / n for n in names[1:])]))
    out = tmp_path / "out"

    summary = indexed.albums.export("Long", out)

    assert (summary.copied, summary.failed) == (9, {})
    exported = sorted(p.name for p in out.iterdir())
    assert len(exported) == 9 and long_name in exported and longest in exported
    (cut,) = [n for n in exported if n.startswith("b") and n != longest]
    assert cut.endswith(" (2).jpg") and len(cut.encode()) == 255
    assert summary.shortened == {str(made[2]): cut}
    assert (out / cut).read_bytes() == made[2].read_bytes()
    again = indexed.albums.export("Long", out)  # the shortened name is recognised as that photo
    assert (again.copied, again.skipped, again.shortened) == (0, 9, {})


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
def test_export_goes_on_after_a_file_that_cannot_be_read(photos_dir, tmp_path):
    from album.services.albums.export import export_files

    good = [write_photo(photos_dir / f"{i}.jpg", seed=i, size=(64, 48)) for i in range(2)]
    unreadable = "/proc/self/mem"  # a regular file by stat whose first read fails (EIO), even for root

    summary = export_files([good[0], Path(unreadable), good[1]], tmp_path / "out")

    assert summary.copied == 2 and list(summary.failed) == [unreadable] and summary.failed[unreadable]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0.jpg", "1.jpg"]  # no temporary left
