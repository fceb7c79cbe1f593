"""Shared fixtures: real photos (from ../shared/data or made with Pillow), real libraries."""

import os

# Before anything imports Qt: the GUI tests run headless.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is absent ({SHARED_DATA}): these tests need the real photos")
    return SHARED_DATA


def write_photo(path: Path, seed: int, size=(480, 360), fmt: str | None = None, **save_args) -> Path:
    """A distinct, photo-like picture: smooth colour fields plus noise, different for each seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.002, 0.03, 2).tolist() + [rng.uniform(0, 6.28)]
        channels.append(127 + 100 * np.sin(x * fx + y * fy + phase))
    pixels = np.stack(channels, axis=-1) + rng.normal(0, 12, (h, w, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, fmt, **save_args)
    return path


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, to prove album never modified a user's file."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


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
