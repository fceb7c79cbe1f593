"""Auto-tags from label prompts: real vectors, real SQLite, re-tagging without re-embedding."""

from pathlib import Path

import numpy as np
import pytest

from album.services.tagging import Label, LabelError
from photo_files import write_photo

ALBUM_MINI = Path(__file__).resolve().parents[1] / "resources" / "models" / "album-mini"


@pytest.fixture
def tagged_library(library, photos_dir):
    for i in range(12):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(160, 120))
    library.add_folder(photos_dir)
    library.index()
    return library


def test_a_new_library_starts_with_the_starter_labels_and_keeps_user_removals(tmp_path, tiny_model):
    from album import Library

    with Library.open(tmp_path / "lib", model=tiny_model) as library:
        names = [label.name for label in library.labels.list()]
        assert 40 <= len(names) <= 60 and {"beach", "dog", "receipts"} <= set(names)
        library.set_labels([])
    with Library.open(tmp_path / "lib", model=tiny_model) as library:
        assert library.labels.list() == []  # not re-seeded behind the user's back


def test_tags_follow_label_changes_without_re_embedding(tagged_library):
    library = tagged_library
    vectors_before = library.embeddings.count(library.model_id)
    # Labels whose prompts are the photos' own best matches, so the tiny model tags them.
    library.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    tags = library.tags()
    assert len(tags) == 12 and all([t.tag for t in ts] == ["alpha"] for ts in tags.values())
    assert all(t.source == "auto" and 0 <= t.score <= 1 for ts in tags.values() for t in ts)

    library.set_labels([Label("beta", ("something else",), threshold=0.0)])
    assert {t.tag for ts in library.tags().values() for t in ts} == {"beta"}
    library.set_labels([Label("never", ("x",), threshold=1.0)])
    assert library.tags() == {}
    assert library.embeddings.count(library.model_id) == vectors_before


def test_threshold_and_top_k_limit_auto_tags(tagged_library):
    library = tagged_library
    labels = [Label(f"l{i}", (f"prompt {i}",), threshold=0.0) for i in range(6)]
    library.set_labels(labels)
    # Every label clears a zero threshold, but a photo keeps only its best three.
    assert all(len(ts) == 3 for ts in library.tags().values())
    photo = library.photos.by_path(next(iter(library.tags())))
    ranked = library.tagging.rank_labels(library.embeddings.get(photo.id, library.model_id), labels)
    assert [name for name, _ in ranked[:3]] == [t.tag for t in library.tags([photo.path])[photo.path]]


def test_manual_tags_win_and_removed_auto_tags_stay_removed(tagged_library, photos_dir):
    library = tagged_library
    library.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    path = str(photos_dir / "00.jpg")
    library.tag(path, "grandma")
    library.untag(path, "alpha")
    library.tagging.retag()
    assert [(t.tag, t.source) for t in library.tags([path])[path]] == [("grandma", "manual")]
    library.tag(path, "alpha")  # put back by hand: now manual
    library.tagging.retag()
    assert sorted((t.tag, t.source) for t in library.tags([path])[path]) == [("alpha", "manual"), ("grandma", "manual")]


def test_new_photos_are_tagged_as_they_are_indexed_and_tags_survive_a_rename(tagged_library, photos_dir):
    library = tagged_library
    library.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    new = write_photo(photos_dir / "new.jpg", seed=50, size=(160, 120))
    library.index()
    assert [t.tag for t in library.tags([new])[str(new)]] == ["alpha"]
    library.tag(new, "keep me")
    new.rename(photos_dir / "renamed.jpg")
    library.index()
    assert "keep me" in [t.tag for t in library.tags([photos_dir / "renamed.jpg"])[str(photos_dir / "renamed.jpg")]]


def test_tags_made_another_way_are_redone_once_on_the_next_index_run(tagged_library, photos_dir):
    """A new version of album that embeds labels differently leaves stored tags stale: the next
    index run re-tags the library from its stored vectors, keeps what the user removed, and
    leaves current tags alone."""
    from album.services.tagging.service import TAGS_MADE_WITH

    library = tagged_library
    library.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.0)])
    assert library.settings.get(TAGS_MADE_WITH) == library.tagging.fingerprint()
    removed = str(photos_dir / "01.jpg")
    library.untag(removed, "alpha")
    # Tags as an older album made them: one photo's tag missing (the user never removed it).
    lost = str(photos_dir / "00.jpg")
    with library.database.write() as db:
        db.execute("DELETE FROM tags WHERE photo_id = (SELECT id FROM photos WHERE path = ?)", (lost,))

    library.index()  # nothing changed on disk, and the tags were made as they are made now
    assert lost not in library.tags() and len(library.tags()) == 10

    library.settings.set(TAGS_MADE_WITH, "made by an older album")
    vectors = library.embeddings.count(library.model_id)
    library.index()
    tagged = library.tags()
    assert [t.tag for t in tagged[lost]] == ["alpha"] and removed not in tagged and len(tagged) == 11
    assert library.settings.get(TAGS_MADE_WITH) == library.tagging.fingerprint()
    assert library.embeddings.count(library.model_id) == vectors
    # Another threshold is another way of making them.
    made = library.tagging.fingerprint()
    library.set_labels([Label("alpha", ("a photo of alpha",), threshold=0.2)])
    assert library.settings.get(TAGS_MADE_WITH) == library.tagging.fingerprint() != made


def test_an_empty_tag_is_refused_by_the_library_itself(library, photos_dir):
    from album.services.tagging import TagError

    photo = write_photo(photos_dir / "a.jpg", seed=1, size=(64, 48))
    library.add_folder(photos_dir)
    library.index()
    for blank in ("", "   "):
        with pytest.raises(TagError):
            library.tag(photo, blank)
        with pytest.raises(TagError):
            library.untag(photo, blank)
    library.tag(photo, " grandma ")  # kept as the word itself
    assert [r[0] for r in library.database.query("SELECT tag FROM tags WHERE source = 'manual'")] == ["grandma"]


def test_label_validation(library):
    with pytest.raises(LabelError):
        library.add_label("  ")
    with pytest.raises(LabelError):
        library.add_label("x", threshold=2)
    with pytest.raises(LabelError):
        library.remove_label("no such label")


CLEAR_CLASSES = ["grand_piano", "sunflower", "starfish", "laptop", "revolver", "pagoda"]


def test_probabilities_rank_the_label_that_matches_the_photo(tmp_path, shared_data):
    """Real photos read by album-mini: each one's own class is its most likely label."""
    from album import Library
    from album.models import load_model

    if not (ALBUM_MINI / "heads.safetensors").is_file():
        pytest.skip(f"album-mini is not built in {ALBUM_MINI} (python -m album.models.mini.train)")
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in CLEAR_CLASSES:
        source = sorted((shared_data / "caltech101" / "images" / name).glob("*.jpg"))[0]
        (folder / f"{name}.jpg").write_bytes(source.read_bytes())
    labels = [Label(name.replace("_", " ")) for name in CLEAR_CLASSES]
    with Library.open(tmp_path / "library", model=load_model("album-mini")) as library:
        library.add_folder(folder)
        library.index()
        ids = library.photo_ids([folder / f"{name}.jpg" for name in CLEAR_CLASSES])
        vectors = np.stack([library.embeddings.get(i, library.model_id) for i in ids])
        probabilities = library.tagging.probabilities(vectors, labels)
    assert probabilities.shape == (len(CLEAR_CLASSES), len(CLEAR_CLASSES))
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    assert list(np.argmax(probabilities, axis=1)) == list(range(len(CLEAR_CLASSES))), probabilities.round(2)
    # A photo's own label is likely (for most of them: a pagoda photo scores 0.04); the others,
    # on average, are not.
    assert np.median(np.diag(probabilities)) > 0.5, np.diag(probabilities)
    assert probabilities[~np.eye(len(CLEAR_CLASSES), dtype=bool)].mean() < 0.3
