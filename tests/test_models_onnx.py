"""CLIP models exported to ONNX in the transformers.js layout (e.g. Xenova/clip-vit-base-patch32): the installer's
way to a better model, without PyTorch.

A tiny CLIP built with transformers is exported with the file and tensor names transformers.js uses, next to the
real CLIP tokenizer (built offline from the BPE vocabulary open_clip ships) and a preprocessor_config.json. Its
ONNX embeddings must match the torch model's; the folder is then served by the fake hub of the hub tests.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from album.errors import ModelError
from album.models import hub, onnx_clip
from album.models.registry import SUGGESTED_HUB_MODELS, ModelSource, available_models, load_model, resolve_model
from fake_hub import FakeHub, dead_endpoint
from memory_limit import run_with_memory_limit
from onnx_clip_files import IMAGE_SIZE, PREPROCESSOR, REPO, TextTower, export, served_files, write_tiny_onnx_clip
from photo_files import write_photo

TEXTS = ["a photo of a cat", "A cup of Coffee!", "mountains at dusk, isn't it? 123", "dog"]
LONG_TEXT = "a very long caption " * 60  # far past CLIP's 77 tokens


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny CLIP: its torch towers, and folders with its ONNX export as transformers.js lays it out."""
    from transformers import CLIPImageProcessor

    root = tmp_path_factory.mktemp("tiny-clip")
    folder = root / "tiny-clip"
    text, vision, tokenizer = write_tiny_onnx_clip(folder)
    photos = [Image.open(write_photo(root / f"p{i}.jpg", seed=i, size=size)).convert("RGB")
              for i, size in enumerate([(96, 64), (50, 90), (33, 32)])]
    return SimpleNamespace(folder=folder, text=text, vision=vision, tokenizer=tokenizer, photos=photos,
                           processor=CLIPImageProcessor(**PREPROCESSOR), root=root)


def torch_texts(tiny, texts) -> np.ndarray:
    tokens = tiny.tokenizer(list(texts), padding="max_length", max_length=77, truncation=True, return_tensors="pt")
    with torch.no_grad():
        out = tiny.text(input_ids=tokens["input_ids"], attention_mask=tokens["attention_mask"]).text_embeds
    return torch.nn.functional.normalize(out, dim=-1).numpy()


def processor_pixels(tiny, images) -> np.ndarray:
    return tiny.processor(images=images, return_tensors="np")["pixel_values"]


def torch_images(tiny, pixels: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = tiny.vision(pixel_values=torch.from_numpy(pixels)).image_embeds
    return torch.nn.functional.normalize(out, dim=-1).numpy()


def assert_unit_rows(vectors: np.ndarray, count: int, dim: int = 24) -> None:
    assert vectors.dtype == np.float32 and vectors.shape == (count, dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


# --- the model against torch ---------------------------------------------------------------------


def test_onnx_embeddings_match_the_torch_model(tiny):
    source = resolve_model(f"onnx:{tiny.folder}")
    assert source.kind == "onnx-dir" and source.tag == "fp32" and source.file == str(tiny.folder)
    assert source.model_id.startswith("onnx:tiny-clip@") and len(source.model_id.rsplit("@")[1]) == 12
    model = load_model(source)
    assert (model.model_id, model.dim, model.device, model.logit_scale) == (source.model_id, 24, "cpu", 100.0)

    texts = model.encode_texts(TEXTS + [LONG_TEXT])
    assert_unit_rows(texts, len(TEXTS) + 1)
    np.testing.assert_allclose(texts, torch_texts(tiny, TEXTS + [LONG_TEXT]), atol=2e-5)
    np.testing.assert_allclose(model.encode_texts(TEXTS[1:2]), texts[1:2], atol=1e-6)  # batching changes nothing
    assert model.encode_texts([]).shape == (0, 24)

    reference_pixels = processor_pixels(tiny, tiny.photos)
    ours = np.stack([model.preprocess(photo) for photo in tiny.photos])
    assert ours.shape == reference_pixels.shape == (3, 3, IMAGE_SIZE, IMAGE_SIZE) and ours.dtype == np.float32
    # transformers resizes with torchvision, album with PIL: the same bicubic, rounded differently.
    assert np.abs(ours - reference_pixels).mean() < 0.01
    np.testing.assert_allclose(model.encode_preprocessed(list(reference_pixels)), torch_images(tiny, reference_pixels),
                               atol=2e-5)
    images = model.encode_images(tiny.photos)
    assert_unit_rows(images, 3)
    np.testing.assert_allclose(images, torch_images(tiny, reference_pixels), atol=0.02)
    assert model.encode_preprocessed([]).shape == (0, 24)


def test_a_library_switches_to_an_onnx_model_and_finds_photos_with_it(tiny, tmp_path, tiny_model):
    from album import Library
    from album.models import EmbeddingModel
    from album.services.indexing import PipelineSettings

    photos = tmp_path / "Pictures"
    for i in range(6):
        write_photo(photos / f"{i}.jpg", seed=10 + i, size=(120, 90))
    with Library.open(tmp_path / "lib", model=tiny_model, pipeline=PipelineSettings(batch_size=4)) as library:
        library.set_labels([])  # re-tagging with the starter labels is not what this is about
        library.add_folder(photos)
        library.index()
        summary = library.set_model(f"onnx:{tiny.folder}")  # decode threads preprocess, batches are encoded
        assert summary.embedded == 6 and library.model_id.startswith("onnx:tiny-clip@")
        assert isinstance(library.model, EmbeddingModel)
        photo = library.photos.by_path(photos / "3.jpg")
        vector = library.embeddings.get(photo.id, library.model_id)
        np.testing.assert_allclose(vector, library.model.encode_images([Image.open(photos / "3.jpg")])[0], atol=1e-5)
        assert library.vector_index().search(vector, k=1)[0][0] == photo.id


def test_both_spellings_of_the_preprocessing_config_agree(tiny):
    crop = {"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    newer = dict(PREPROCESSOR, size={"shortest_edge": IMAGE_SIZE}, crop_size=crop)
    older = onnx_clip.ImagePreprocessing.from_config(PREPROCESSOR)
    for photo in tiny.photos:
        np.testing.assert_array_equal(onnx_clip.ImagePreprocessing.from_config(newer)(photo), older(photo))
    exact = dict(newer, size={"height": 20, "width": 40}, do_center_crop=False)
    assert onnx_clip.ImagePreprocessing.from_config(exact)(tiny.photos[0]).shape == (3, 20, 40)



def test_preprocessing_a_one_pixel_sliver_stays_small():
    """CLIP's shortest-edge resize made a 1 x 100000 picture 224 x 22,400,000 (15 GB) before its crop;
    the crop is now resampled from the source, for square and non-square crops alike."""
    result = run_with_memory_limit(f"""
        from PIL import Image
        from album.models.onnx_clip import ImagePreprocessing

        clip = {dict(PREPROCESSOR, size=224, crop_size=224)!r}
        configs = [clip, dict(clip, size={{"shortest_edge": 160}}, crop_size={{"height": 128, "width": 160}}),
                   dict(clip, size={{"height": 20, "width": 40}}, do_center_crop=False)]
        slivers = [Image.new("RGB", (1, 100_000), (200, 40, 40)), Image.new("RGB", (100_000, 1), (40, 40, 200))]
        limit_memory(300)
        for config in configs:
            preprocess = ImagePreprocessing.from_config(config)
            print(*(preprocess(image).shape for image in slivers))
    """)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["(3, 224, 224) (3, 224, 224)", "(3, 128, 160) (3, 128, 160)",
                                          "(3, 20, 40) (3, 20, 40)"]

def test_quantized_variant_and_a_fixed_length_text_graph_with_a_mask(tiny, tmp_path):
    fp32 = load_model(resolve_model(f"onnx:{tiny.folder}"))
    q8_source = resolve_model(f"onnx:{tiny.folder}@q8")
    assert q8_source.tag == "q8" and q8_source.model_id != fp32.model_id
    q8 = load_model(q8_source)
    agreement = np.sum(q8.encode_texts(TEXTS) * fp32.encode_texts(TEXTS), axis=1)
    assert agreement.min() > 0.9, agreement
    with pytest.raises(ModelError, match=r"lacks onnx/vision_model_fp16.onnx.*text_model_quantized.onnx"):
        resolve_model(f"onnx:{tiny.folder}@fp16")

    # Another exporter's choices: int32 token ids, an attention mask, a fixed length of 77, graphs beside the JSON.
    other = tmp_path / "other-export"
    for name in ("tokenizer.json", "tokenizer_config.json", "config.json", onnx_clip.PREPROCESSOR):
        (other / name).parent.mkdir(parents=True, exist_ok=True)
        (other / name).write_bytes((tiny.folder / name).read_bytes())
    (other / "vision_model.onnx").write_bytes((tiny.folder / "onnx/vision_model.onnx").read_bytes())
    ids = torch.full((1, 77), 49407, dtype=torch.int32)
    export(TextTower(tiny.text, True), (ids, torch.ones(1, 77, dtype=torch.int64)), other / "text_model.onnx",
           ["input_ids", "attention_mask"], "text_embeds", {"input_ids": {0: "n"}, "attention_mask": {0: "n"}})
    model = load_model(resolve_model(f"onnx:{other}"))
    np.testing.assert_allclose(model.encode_texts(TEXTS + [LONG_TEXT]), torch_texts(tiny, TEXTS + [LONG_TEXT]),
                               atol=2e-5)


def test_incomplete_folders_say_what_is_missing(tmp_path):
    folder = tmp_path / "half"
    (folder / "onnx").mkdir(parents=True)
    (folder / "onnx/vision_model.onnx").write_bytes(b"not really")
    with pytest.raises(ModelError, match="lacks onnx/text_model.onnx, tokenizer.json, preprocessor_config.json"):
        resolve_model(f"onnx:{folder}")
    with pytest.raises(ModelError, match="neither a folder nor a hub repository"):
        resolve_model(f"onnx:{tmp_path / 'missing'}")
    with pytest.raises(ModelError, match="model folder not found"):
        load_model(ModelSource("onnx:gone@0123", "onnx-dir", tag="fp32", file=str(tmp_path / "gone")))


# --- the hub -------------------------------------------------------------------------------------


def test_download_with_progress_then_the_cache_answers_with_the_hub_down(tiny, tmp_path):
    cache = tmp_path / "hub-cache"
    files = served_files(tiny.folder)
    events: list[tuple[str, int, int | None]] = []
    with FakeHub({REPO: files}) as fake:
        assert not hub.is_cached(f"onnx:{REPO}", cache_dir=cache)
        folder = hub.onnx_clip_dir(REPO, cache_dir=cache, endpoint=fake.url, progress=lambda *e: events.append(e))
        vision = files["onnx/vision_model.onnx"]
        assert ("onnx/vision_model.onnx", len(vision), len(vision)) in events
        assert ("GET", f"/{REPO}/resolve/main/onnx/text_model.onnx") in fake.requests
        assert not any("quantized" in path for _, path in fake.requests), "only the graphs of the dtype asked for"
        served = len(fake.requests)
        assert hub.onnx_clip_dir(REPO, cache_dir=cache, endpoint=fake.url) == folder
        assert len(fake.requests) == served, "a cached model must not touch the network"
    assert folder == cache / "models--album-test--tiny-clip-onnx" / "snapshots" / folder.name
    assert hub.is_cached(f"onnx:{REPO}", cache_dir=cache) and not hub.is_cached(f"onnx:{REPO}@q8", cache_dir=cache)

    # The hub is gone: a dead endpoint, offline mode and load_model (default endpoint) all use the cache.
    assert hub.onnx_clip_dir(REPO, cache_dir=cache, endpoint=dead_endpoint(), timeout=1) == folder
    source = resolve_model(f"onnx:{REPO}")
    assert (source.model_id, source.kind, source.arch) == (f"onnx:{REPO}", "onnx-hub", REPO)
    model = load_model(source, cache_dir=cache)
    reference = load_model(resolve_model(f"onnx:{tiny.folder}"))
    np.testing.assert_array_equal(model.encode_texts(TEXTS), reference.encode_texts(TEXTS))
    assert load_model(source, cache_dir=cache, offline=True).model_id == f"onnx:{REPO}"

    events.clear()
    with FakeHub({REPO: files}) as fake:  # q8 graphs come later, into the same snapshot
        hub.onnx_clip_dir(REPO, "q8", cache_dir=cache, endpoint=fake.url, progress=lambda *e: events.append(e))
        assert {name for name, *_ in events} == {"onnx/vision_model_quantized.onnx", "onnx/text_model_quantized.onnx"}


def test_no_connection_error_names_the_files_and_the_folder_route(tmp_path):
    base = "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main"
    with pytest.raises(ModelError) as offline:
        load_model(resolve_model("onnx:Xenova/clip-vit-base-patch32"), cache_dir=tmp_path / "empty", offline=True)
    message = str(offline.value)
    assert "no connection" in message and "album-mini" in message
    for name in ("onnx/vision_model.onnx", "onnx/text_model.onnx", "tokenizer.json", "preprocessor_config.json"):
        assert f"{base}/{name}" in message
    assert "hf download Xenova/clip-vit-base-patch32 tokenizer.json" in message
    assert message.endswith("album model set onnx:FOLDER")

    started = time.monotonic()
    with pytest.raises(ModelError, match=r"no connection.*album model set onnx:FOLDER@q8$") as dead:
        hub.onnx_clip_dir("Xenova/clip-vit-base-patch32", "q8", cache_dir=tmp_path / "empty",
                          endpoint=dead_endpoint(), timeout=2)
    assert time.monotonic() - started < 5, "an unreachable hub must fail fast, not after retries"
    assert "onnx/vision_model_quantized.onnx" in str(dead.value)


def test_hub_reachable_follows_the_endpoint_and_offline_mode(monkeypatch):
    with FakeHub({REPO: {"config.json": b"{}"}}) as fake:
        assert hub.hub_reachable(REPO, "config.json", endpoint=fake.url, timeout=2)
        monkeypatch.setenv("HF_ENDPOINT", fake.url)
        assert hub.hub_reachable(REPO, "config.json", timeout=2)
        assert not hub.hub_reachable("album-test/no-such-repo", "config.json", timeout=2)
        asked = len(fake.requests)
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
        assert not hub.hub_reachable(REPO, "config.json", timeout=2)
        assert len(fake.requests) == asked, "offline mode asks nothing"
    monkeypatch.delenv("HF_HUB_OFFLINE")
    assert not hub.hub_reachable(REPO, "config.json", endpoint=dead_endpoint(), timeout=2)


# --- without torch (the installer) -----------------------------------------------------------------


def test_the_suggested_upgrade_is_an_onnx_model():
    first = SUGGESTED_HUB_MODELS[0]
    assert first.model_id == "onnx:Xenova/clip-vit-base-patch32" and 500 < first.download_mb < 700
    assert resolve_model(first.model_id).kind == "onnx-hub"
    ids = [m.model_id for m in available_models()]
    assert ids.index(first.model_id) < ids.index("ViT-B-32/laion2b_s34b_b79k")


def test_open_clip_models_without_torch_say_what_to_use_instead(monkeypatch, tmp_path):
    for name in ("torch", "open_clip"):
        monkeypatch.setitem(sys.modules, name, None)  # `import torch` now fails, as in the installer
    for attempt in (
        lambda: resolve_model("ViT-B-32/laion2b_s34b_b79k"),
        lambda: resolve_model("hf-hub:timm/ViT-B-16-SigLIP2"),
        lambda: resolve_model("", model_file=tmp_path / "w.safetensors", arch="ViT-B-32"),
        lambda: load_model(ModelSource("ViT-B-32/openai", "open_clip", arch="ViT-B-32", tag="openai")),
        lambda: load_model("random-tiny"),
    ):
        with pytest.raises(ModelError, match=r"needs PyTorch, which the album installer does not include; use "
                                             r"onnx:Xenova/clip-vit-base-patch32"):
            attempt()
    assert resolve_model("onnx:Xenova/clip-vit-base-patch32").kind == "onnx-hub"


def test_an_onnx_model_loads_and_encodes_with_torch_and_transformers_absent(tiny):
    script = (
        "import sys\n"
        "for name in ('torch', 'transformers', 'open_clip', 'torchvision'):\n"
        "    sys.modules[name] = None\n"
        "from PIL import Image\n"
        "from album.models import load_model, resolve_model\n"
        f"model = load_model(resolve_model({f'onnx:{tiny.folder}'!r}))\n"
        "print(model.encode_texts(['a cat']).shape, model.encode_images([Image.new('RGB', (40, 30))]).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 24) (1, 24)"
