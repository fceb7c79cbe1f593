"""Switching a library's model: everything is re-embedded while the old model serves search."""

import numpy as np

from album.models import ModelSource
from album.models.openclip import random_tiny
from album.progress import CancelToken
from photo_files import write_photo


def tiny_loader(source, device):
    """Loads the tiny models by id: 'random-tiny' and 'random-tiny-N' (seed N)."""
    seed = int(source.model_id.rsplit("-", 1)[1]) if source.model_id != "random-tiny" else 0
    return random_tiny(device or "cpu", seed=seed)


def open_library(path):
    from album import Library
    from album.services.indexing import PipelineSettings

    return Library.open(path, model_loader=tiny_loader, pipeline=PipelineSettings(batch_size=4))


def test_switching_models_re_embeds_everything_and_search_works_throughout(tmp_path, photos_dir):
    for i in range(24):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(160, 120))
    with open_library(tmp_path / "lib") as library:
        library.set_model(ModelSource("random-tiny", "builtin"))
        library.add_folder(photos_dir)
        library.index()
        old_query = library.model.encode_texts(["a photo"])[0]
        searches_during_switch = []

        def progress(p):
            if p.phase == "indexing":
                # Mid-switch, search still uses the old model and finds every photo.
                assert library.model_id == "random-tiny"
                ids, _ = library.vector_index().search(old_query, k=50)
                searches_during_switch.append(len(ids))

        summary = library.set_model(ModelSource("random-tiny-7", "builtin"), progress=progress)
        assert searches_during_switch and set(searches_during_switch) == {24}
        assert summary.embedded == 24 and summary.indexed == 0
        assert library.model_id == "random-tiny-7" and library.pending_model_id is None
        assert library.embeddings.models() == {"random-tiny": 24, "random-tiny-7": 24}
        new_index = library.vector_index()
        assert len(new_index) == 24
        photo = library.photos.by_path(photos_dir / "03.jpg")
        vector = library.embeddings.get(photo.id, "random-tiny-7")
        assert new_index.search(vector, k=1)[0][0] == photo.id
        assert not np.allclose(vector, library.embeddings.get(photo.id, "random-tiny"))


def test_an_interrupted_switch_stays_pending_and_later_runs_finish_it(tmp_path, photos_dir):
    for i in range(20):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(160, 120))
    with open_library(tmp_path / "lib") as library:
        library.set_model(ModelSource("random-tiny", "builtin"))
        library.add_folder(photos_dir)
        library.index()
        cancel = CancelToken()

        def progress(p):
            if p.phase == "indexing":
                cancel.cancel()

        first = library.set_model(ModelSource("random-tiny-3", "builtin"), progress=progress, cancel=cancel)
        assert first.cancelled and first.embedded < 20
        assert library.model_id == "random-tiny" and library.pending_model_id == "random-tiny-3"
        write_photo(photos_dir / "new.jpg", seed=99, size=(160, 120))

    with open_library(tmp_path / "lib") as library:  # e.g. the app restarted
        second = library.index()
        assert second.indexed == 1 and second.embedded == 20 - first.embedded
        assert library.model_id == "random-tiny-3" and library.pending_model_id is None
        # The photo added mid-switch got vectors from both models.
        assert library.embeddings.models() == {"random-tiny": 21, "random-tiny-3": 21}


def test_a_hub_model_that_cannot_be_downloaded_changes_nothing(tmp_path, photos_dir):
    import functools

    import pytest

    from album import Library
    from album.errors import ModelError
    from album.models import load_model

    offline_loader = functools.partial(load_model, cache_dir=tmp_path / "empty-cache", offline=True)
    with Library.open(tmp_path / "lib", model=random_tiny(), model_loader=offline_loader) as library:
        with pytest.raises(ModelError) as error:
            library.set_model("ViT-B-32/laion2b_s34b_b79k")
        message = str(error.value)
        assert "album-mini" in message and "--model-file" in message
        assert library.model_id == "random-tiny" and library.pending_model_id is None


def test_an_updated_album_mini_re_embeds_the_library_instead_of_mixing_vectors(tmp_path, photos_dir):
    from album import Library
    from album.models.registry import builtin_version
    from album.services.indexing import PipelineSettings

    for i in range(6):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(160, 120))
    current = builtin_version("album-mini")
    with Library.open(tmp_path / "lib", pipeline=PipelineSettings(batch_size=4)) as library:
        library.add_folder(photos_dir)
        library.index()
        assert library.model_id == "album-mini" and library.embeddings.count("album-mini") == 6
        assert library.settings.get("vectors_version:album-mini") == current
        # As if these vectors came from the heads an earlier release shipped.
        library.settings.set("vectors_version:album-mini", "0123456789abcdef")

    with Library.open(tmp_path / "lib", pipeline=PipelineSettings(batch_size=4)) as library:
        assert library.models.retired == ["album-mini"]
        assert library.embeddings.count("album-mini") == 0 and len(library.vector_index()) == 0
        assert library.settings.get("vectors_version:album-mini") == current
        summary = library.index()
        assert summary.embedded == 6 and summary.indexed == 0  # re-embedded, not re-added
        assert len(library.vector_index()) == 6
        assert len(library.search("a dog on the grass", show_all=True)) == 6

    with Library.open(tmp_path / "lib") as library:
        assert library.models.retired == [] and library.embeddings.count("album-mini") == 6


def test_after_an_album_mini_update_search_works_while_the_library_re_embeds(tmp_path, photos_dir):
    """New heads (a retrained album-mini) make old vectors meaningless: the re-embed reports
    progress, can be interrupted, search meanwhile finds the photos already re-embedded, and
    the next run finishes the rest instead of starting over."""
    from album import Library
    from album.services.indexing import PipelineSettings

    for i in range(20):
        write_photo(photos_dir / f"{i:02}.jpg", seed=i, size=(160, 120))
    settings = PipelineSettings(batch_size=4)
    with Library.open(tmp_path / "lib", pipeline=settings) as library:
        library.add_folder(photos_dir)
        library.index()
        library.settings.set("vectors_version:album-mini", "0123456789abcdef")  # an earlier release's heads

    with Library.open(tmp_path / "lib", pipeline=settings) as library:
        assert library.models.retired == ["album-mini"]
        assert len(library.search("a dog on the grass", show_all=True)) == 0  # nothing stale is served
        cancel, seen = CancelToken(), []

        def progress(p):
            if p.phase == "indexing":
                seen.append((p.done, p.total))
                cancel.cancel()  # the first progress report: a few batches are in flight

        first = library.index(progress=progress, cancel=cancel)
        assert first.cancelled and seen and seen[0][1] == 20
        partial = library.embeddings.count("album-mini")
        assert 0 < partial < 20 and first.embedded == partial
        assert len(library.search("a dog on the grass", show_all=True)) == partial == len(library.vector_index())

        rest = library.index()
        assert rest.embedded == 20 - partial
        assert len(library.search("a dog on the grass", show_all=True)) == 20
