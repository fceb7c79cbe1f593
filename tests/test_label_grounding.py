"""album-mini's tagging labels: familiar words keep their plain prompts, rare words are grounded
in the dictionary and ImageNet's neighbours, and that tags real photos better."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.models.mini.model import load_album_mini
from album.models.prompts import ensemble_label_vectors, label_vectors

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "models" / "album-mini"


@pytest.fixture(scope="module")
def model():
    if not (RESOURCES / "heads.safetensors").is_file():
        pytest.skip(f"album-mini resources not built in {RESOURCES}")
    return load_album_mini(RESOURCES)


def test_familiar_words_keep_their_plain_prompt_ensemble(model):
    labels = ["dog", "my dog", "beach", "receipts"]  # receipts: rare, but no physical sense to lend
    np.testing.assert_allclose(label_vectors(model, labels), ensemble_label_vectors(labels, model.encode_texts),
                               atol=1e-6)
    assert model.explain_label("dog") == ""


def test_rare_words_move_towards_what_the_dictionary_says_they_are(model):
    grounded, plain = label_vectors(model, ["euphonium"])[0], ensemble_label_vectors(["euphonium"], model.encode_texts)[0]
    assert abs(np.linalg.norm(grounded) - 1) < 1e-5
    brass = model.encode_texts(["a photo of a trombone, a brass instrument"])[0]
    assert grounded @ brass > plain @ brass + 0.05
    assert "brass" in model.explain_label("euphonium") and "French horn" in model.explain_label("euphonium")


def test_grounded_labels_tag_real_photos_of_rare_things_better(model, shared_data):
    """Caltech photos of things Flickr captions never name, against all 85 Caltech labels."""
    with open(shared_data / "caltech101" / "labels.csv") as handle:
        rows = list(csv.DictReader(handle))
    classes = sorted({row["label"] for row in rows})
    rare = ["hawksbill", "ketch", "euphonium", "emu", "ferry"]
    picked = [row for row in rows if row["label"] in rare]
    photos = model.encode_images([Image.open(shared_data / "caltech101" / row["file"]).convert("RGB")
                                  for row in picked])
    truth = np.array([classes.index(row["label"]) for row in picked])

    def top1(vectors):
        return float(((photos @ vectors.T).argmax(axis=1) == truth).mean())

    plain, grounded = top1(ensemble_label_vectors(classes, model.encode_texts)), top1(label_vectors(model, classes))
    assert grounded >= plain + 0.2, (plain, grounded)


def test_tagging_uses_grounded_labels_but_custom_prompts_as_written(tmp_path, model):
    from album import Library
    from album.services.tagging import Label

    with Library.open(tmp_path / "library", model=model) as library:
        library.set_labels([Label("euphonium"), Label("tuba", prompts=("a photo of a tuba.",))])
        euphonium, tuba = library.labels.list()
        matrix = library.tagging.label_matrix([euphonium, tuba])
        np.testing.assert_allclose(matrix[0], label_vectors(model, ["euphonium"])[0], atol=1e-6)
        np.testing.assert_allclose(matrix[1], model.encode_texts(["a photo of a tuba."])[0], atol=1e-6)
        assert library.tagging.explain_label(tuba) == ""


def test_vocabulary_counts_captions_not_repeats(tmp_path):
    from album.models.mini.grounding import count_caption_words, read_vocabulary, write_vocabulary

    counts = count_caption_words(["A dog runs after a dog .", "Two dogs on a beach"])
    assert counts["dog"] == 1 and counts["dogs"] == 1 and counts["a"] == 2
    write_vocabulary(tmp_path / "v.json", counts, "test")
    assert read_vocabulary(tmp_path / "v.json")["beach"] == 1
    shipped = json.loads((RESOURCES / "caption-vocabulary.json").read_text())
    assert shipped["counts"]["dog"] > 1000 and "euphonium" not in shipped["counts"]
