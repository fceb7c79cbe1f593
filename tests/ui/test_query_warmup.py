"""The app reads what a first query needs in the background (after an index run, or once the
model loads when none is going)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from album.library import Library
from album.models.mini.model import load_album_mini
from album.ui.common.warmup import LibraryWarmup

RESOURCES = Path(__file__).resolve().parents[2] / "resources" / "models" / "album-mini"


def test_album_minis_dictionary_is_read_before_the_first_phrase_query(tmp_path):
    if not (RESOURCES / "heads.safetensors").is_file():
        pytest.skip(f"album-mini resources not built in {RESOURCES}")
    model = load_album_mini(RESOURCES)  # its own instance: nothing read yet
    assert not model.warmed_up
    with Library.open(tmp_path / "library", model=model) as library:
        LibraryWarmup(library).warm_queries()
        deadline = time.monotonic() + 60
        while not (model.warmed_up and library.gazetteer.loaded) and time.monotonic() < deadline:
            time.sleep(0.05)
        # Without the warm-up the first 'fireworks' read the lexicon itself: ~1 s at 100k photos.
        assert model.warmed_up and library.gazetteer.loaded
        assert library.search("fireworks").parsed.terms
