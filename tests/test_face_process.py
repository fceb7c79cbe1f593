"""The face engine in its own process: the same faces as in the app's process, a crash of the
child fails one photo rather than the app, and the child ends with the pass.

The photos are LFW crops from ../shared/data/faces (research data: read from there).
"""

import os
import signal

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("dlib", reason="dlib (dlib-bin) is not installed: people are off")

from album.faces import FaceEngine, FaceEngineProcess, FacesUnavailable, face_models_dir  # noqa: E402


@pytest.fixture(scope="module")
def photos(shared_data):
    try:
        face_models_dir()
    except FacesUnavailable as exc:
        pytest.skip(str(exc))
    paths = [sorted((shared_data / "faces" / person).glob("*.jpg"))[0]
             for person in ("Colin_Powell", "Tony_Blair", "Kofi_Annan")]
    return [Image.open(path).convert("RGB") for path in paths]


@pytest.fixture
def engine(photos):
    engine = FaceEngineProcess()
    yield engine
    engine.close()  # the child ends with the test, whatever it asserted


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_child_finds_what_the_engine_finds_in_the_apps_process(engine, photos):
    local = FaceEngine()
    for image in photos:
        expected, found = local.find(image), engine.find(image)
        assert len(found) == len(expected) >= 1
        for a, b in zip(found, expected):
            assert a.box == b.box and a.score == b.score and a.quality == b.quality
            np.testing.assert_allclose(a.descriptor, b.descriptor, atol=1e-6)
            assert np.array_equal(a.chip, b.chip)
    assert engine.pid is not None and engine.pid != os.getpid()


def test_closing_ends_the_child_and_a_later_photo_starts_another(engine, photos):
    engine.find(photos[0])
    first = engine.pid
    engine.close()
    assert engine.pid is None and not _alive(first)
    assert len(engine.find(photos[1])) >= 1
    assert engine.pid not in (None, first)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL to end the child abruptly")
def test_a_crash_in_the_child_fails_that_photo_and_the_next_one_gets_a_new_child(engine, photos):
    engine.find(photos[0])
    crashed = engine.pid
    os.kill(crashed, signal.SIGKILL)  # as a segfault inside dlib would end it
    with pytest.raises(RuntimeError, match="face detector stopped"):
        engine.find(photos[1])
    assert len(engine.find(photos[2])) >= 1
    assert engine.pid not in (None, crashed)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_ctrl_c_in_the_terminal_leaves_the_child_to_the_app(engine, photos):
    # Ctrl-C reaches the whole process group; the app cancels the pass itself, so the child must
    # not die mid-photo (that photo would be recorded as failed for good).
    engine.find(photos[0])
    child = engine.pid
    os.kill(child, signal.SIGINT)
    assert len(engine.find(photos[1])) >= 1
    assert engine.pid == child and _alive(child)
