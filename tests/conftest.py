"""Shared fixtures: real photos (from ../shared/data or made with Pillow), real libraries."""

import os

# Before anything imports Qt: the GUI tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The face pass (dlib, ~0.1-0.2 s a photo of people) is tested in test_people.py and
# ui/test_people_view.py, whose libraries turn it on; elsewhere (and in the CLI processes tests
# start) it would only slow the suite down.
os.environ.setdefault("ALBUM_FACES", "off")

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}): these tests need the real photos")
    return SHARED_DATA


@pytest.fixture
def photos_dir(tmp_path) -> Path:
    """A user's photo folder (tests hash it before and after to prove it was not modified)."""
    folder = tmp_path / "Pictures"
    folder.mkdir()
    yield folder


@pytest.fixture(scope="session")
def tiny_model():
    from album.models.openclip import random_tiny

    return random_tiny()


@pytest.fixture
def library(tmp_path, tiny_model):
    from album import Library
    from album.services.indexing import PipelineSettings

    with Library.open(tmp_path / "library", model=tiny_model, pipeline=PipelineSettings(batch_size=8)) as lib:
        yield lib
