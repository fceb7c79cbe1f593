"""A process killed with SIGKILL mid-index leaves a consistent library that resumes."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

from album.index.sync import index_base
from photo_files import write_photo

# The child indexes slowly (its progress callback sleeps) so the kill lands mid-run, after
# some batches have been committed and before the index file was ever saved.
CHILD = textwrap.dedent(
    """
    import sys, time
    from album import Library
    from album.models.openclip import random_tiny
    from album.services.indexing import PipelineSettings

    library = Library.open(sys.argv[1], model=random_tiny(), pipeline=PipelineSettings(batch_size=4))
    library.add_folder(sys.argv[2])
    library.index(progress=lambda p: time.sleep(0.03))
    print("finished", flush=True)
    """
)


def committed_vectors(library_dir):
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{library_dir / 'library.db'}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return 0  # not created yet
    try:
        return conn.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def test_sigkill_mid_index_reopens_consistent_and_resumes_without_re_embedding(tmp_path, tiny_model):
    from album import Library
    from test_indexing import CountingModel

    photos = tmp_path / "photos"
    for i in range(120):
        write_photo(photos / f"{i:03}.jpg", seed=i, size=(160, 120))
    library_dir = tmp_path / "library"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(library_dir), str(photos)], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while committed_vectors(library_dir) < 12 and time.monotonic() < deadline:
        assert child.poll() is None, "the child finished before it could be killed"
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    model = CountingModel(tiny_model)
    with Library.open(library_dir, model=model) as library:
        assert library.database.integrity_ok()
        done_before = library.embeddings.count(model.model_id)
        assert 12 <= done_before < 120
        # Every committed photo has its vector (one transaction per batch), and nothing else.
        assert library.photos.counts() == {"ok": done_before}
        index = library.vector_index()
        assert library.index_health.state in ("rebuilt", "repaired")
        assert np.array_equal(np.sort(index.ids()), np.sort(library.embeddings.ids(model.model_id)))

        summary = library.index()
        assert summary.indexed == 120 - done_before and summary.unchanged == done_before
        assert model.images_encoded == 120 - done_before
        assert sorted(index.ids()) == sorted(library.embeddings.ids(model.model_id))
        assert len(index) == 120


def test_index_is_rebuilt_when_its_file_is_missing_or_corrupt(tmp_path, library, photos_dir, tiny_model):
    from album import Library

    for i in range(5):
        write_photo(photos_dir / f"{i}.jpg", seed=i)
    library.add_folder(photos_dir)
    library.index()
    index_file = library.vector_index().files(index_base(library.path / "index", library.model_id))[0]
    library.close()

    index_file.write_bytes(b"\0" * 100)  # corrupt
    with Library.open(library.path, model=tiny_model) as reopened:
        index = reopened.vector_index()
        assert reopened.index_health.state == "rebuilt" and len(index) == 5
        vector = reopened.embeddings.get(1, reopened.model_id)
        assert index.search(vector, k=1)[0][0] == 1

    index_file.unlink()  # missing
    with Library.open(library.path, model=tiny_model) as reopened:
        assert reopened.vector_index() is not None
        assert reopened.index_health.state == "rebuilt" and len(reopened.vector_index()) == 5

    with Library.open(library.path, model=tiny_model) as reopened:
        assert reopened.vector_index() is not None and reopened.index_health.state == "ok"
