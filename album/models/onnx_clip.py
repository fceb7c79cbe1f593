"""CLIP models exported to ONNX, run under ONNX Runtime: a better model that needs neither torch nor transformers.

The folder layout is the one transformers.js uses on the Hugging Face hub (e.g. Xenova/clip-vit-base-patch32,
exported by its scripts/convert.py with --split_modalities):
- `onnx/vision_model{suffix}.onnx`: `pixel_values` float [n, 3, H, W] → `image_embeds` [n, dim];
- `onnx/text_model{suffix}.onnx`: `input_ids` (and `attention_mask` in some exports) [n, tokens] → `text_embeds`;
- `tokenizer.json` (read by the `tokenizers` library), `preprocessor_config.json` (size, crop_size, resample,
  image_mean, image_std) and, optionally, `config.json` (projection_dim, text_config.max_position_embeddings).
`{suffix}` names the weights' number format as transformers.js' dtypes do: '' for fp32, '_quantized' for q8...
A local folder may also hold the two graphs beside the JSON files instead of in `onnx/`.

Model names: `onnx:ORG/REPO` (hub) or `onnx:FOLDER`, each optionally with `@DTYPE` (e.g. `@q8`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from album.errors import ModelError
from album.media.pixels import resized_crop
from album.models import onnx_runtime
from album.models.base import l2_normalise

log = logging.getLogger(__name__)

PREFIX = "onnx:"
# transformers.js' DEFAULT_DTYPE_SUFFIX_MAPPING (src/utils/dtypes.js): which file each dtype loads.
DTYPE_SUFFIXES = {
    "fp32": "", "fp16": "_fp16", "q8": "_quantized", "int8": "_int8", "uint8": "_uint8",
    "q4": "_q4", "q4f16": "_q4f16", "bnb4": "_bnb4",
}
DEFAULT_DTYPE = "fp32"
REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
TOKENIZER = "tokenizer.json"
PREPROCESSOR = "preprocessor_config.json"
CONFIG = "config.json"
OPTIONAL_JSON = (CONFIG, "tokenizer_config.json", "special_tokens_map.json")
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)  # OpenAI CLIP's, transformers' default for CLIP
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
CLIP_CONTEXT = 77
TEXT_BATCH = 64


# --- names and files ---------------------------------------------------------------------------


def split_dtype(ref: str) -> tuple[str, str]:
    """'Xenova/clip-vit-base-patch32@q8' → ('Xenova/clip-vit-base-patch32', 'q8'); no suffix means fp32."""
    target, sep, dtype = ref.rpartition("@")
    if sep and dtype in DTYPE_SUFFIXES:
        return target, dtype
    return ref, DEFAULT_DTYPE


def hub_model_id(repo_id: str, dtype: str) -> str:
    return f"{PREFIX}{repo_id}" + ("" if dtype == DEFAULT_DTYPE else f"@{dtype}")


def graph_names(dtype: str) -> dict[str, tuple[str, ...]]:
    """Where each graph may be, best first: the hub layout (onnx/), then beside the JSON files."""
    suffix = DTYPE_SUFFIXES[dtype]
    return {tower: (f"onnx/{tower}_model{suffix}.onnx", f"{tower}_model{suffix}.onnx") for tower in ("vision", "text")}


def hub_files(dtype: str) -> list[tuple[tuple[str, ...], bool]]:
    """(alternatives, required) for a download, small files first; the first one is what a probe asks for.
    A graph over 2 GB keeps its weights in a `.onnx_data` file beside it; smaller ones have none."""
    graphs = graph_names(dtype)
    return [
        ((TOKENIZER,), True), ((PREPROCESSOR,), True), *(((name,), False) for name in OPTIONAL_JSON),
        (graphs["vision"], True), (graphs["text"], True),
        *(((graphs[tower][0] + "_data",), False) for tower in ("vision", "text")),
    ]


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    vision: Path
    text: Path

    def digest_paths(self) -> list[Path]:
        return [self.vision, self.text, self.folder / TOKENIZER, self.folder / PREPROCESSOR]


def folder_files(folder: Path, dtype: str = DEFAULT_DTYPE) -> ModelFiles:
    """The files of a model folder, or a ModelError that lists what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder not found: {folder}")
    found, missing = {}, []
    for tower, names in graph_names(dtype).items():
        found[tower] = next((folder / n for n in names if (folder / n).is_file()), None)
        if found[tower] is None:
            missing.append(names[0])
    missing += [name for name in (TOKENIZER, PREPROCESSOR) if not (folder / name).is_file()]
    if missing:
        others = sorted(p.name for p in [*folder.glob("*.onnx"), *folder.glob("onnx/*.onnx")])
        hint = f"; its ONNX files: {', '.join(others)} (pick another with @DTYPE, e.g. @q8)" if others else ""
        raise ModelError(
            f"{folder} is not a complete ONNX CLIP model folder: it lacks {', '.join(missing)} "
            f"(the layout of Xenova/clip-vit-base-patch32 on the Hugging Face hub){hint}"
        )
    return ModelFiles(folder, found["vision"], found["text"])


def folder_model_id(files: ModelFiles) -> str:
    """`onnx:NAME@<digest>`: follows the bytes of the graphs, tokenizer and preprocessing, not the path."""
    from album.models.digest import files_digest

    return f"{PREFIX}{files.folder.name}@{files_digest(files.digest_paths())}"


# --- image preprocessing (transformers' CLIPImageProcessor, in PIL and NumPy) ----------------------


@dataclass(frozen=True)
class ImagePreprocessing:
    """What `preprocessor_config.json` asks for: resize (shortest edge or exact), centre crop, scale, normalise."""

    shortest_edge: int | None
    resize_to: tuple[int, int] | None  # (height, width) when the image is resized to an exact size
    crop: tuple[int, int] | None  # (height, width)
    resample: int
    scale: float
    mean: np.ndarray
    std: np.ndarray

    @property
    def output_size(self) -> tuple[int, int]:
        return self.crop or self.resize_to  # from_config guarantees one of them

    @classmethod
    def from_config(cls, config: dict) -> ImagePreprocessing:
        size = config.get("size", 224) if config.get("do_resize", True) else None
        shortest, exact = None, None
        if isinstance(size, int):  # the older CLIPFeatureExtractor spelling: an int is the shortest edge
            shortest = size
        elif isinstance(size, dict) and "shortest_edge" in size:
            shortest = int(size["shortest_edge"])
        elif isinstance(size, dict) and {"height", "width"} <= size.keys():
            exact = (int(size["height"]), int(size["width"]))
        crop = config.get("crop_size", 224) if config.get("do_center_crop", True) else None
        if isinstance(crop, int):
            crop = (crop, crop)
        elif isinstance(crop, dict):
            crop = (int(crop["height"]), int(crop["width"]))
        if crop is None and exact is None:
            raise ModelError(f"the image preprocessing gives no fixed input size (size={size!r}, no centre crop)")
        normalise = config.get("do_normalize", True)
        return cls(
            shortest_edge=shortest,
            resize_to=exact,
            crop=crop,
            resample=int(config.get("resample", Image.Resampling.BICUBIC)),
            scale=float(config.get("rescale_factor", 1 / 255)) if config.get("do_rescale", True) else 1.0,
            mean=np.asarray(config.get("image_mean", CLIP_MEAN) if normalise else (0, 0, 0), np.float32),
            std=np.asarray(config.get("image_std", CLIP_STD) if normalise else (1, 1, 1), np.float32),
        )

    def _scaled_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(width, height) the picture is resized to before the crop (maybe only in principle: see __call__)."""
        width, height = size
        if self.shortest_edge is not None:
            short, long = (width, height) if width <= height else (height, width)
            new_long = int(self.shortest_edge * long / short)  # as transformers: the long side is truncated
            return (self.shortest_edge, new_long) if width <= height else (new_long, self.shortest_edge)
        if self.resize_to is not None:
            return self.resize_to[1], self.resize_to[0]
        return width, height

    def __call__(self, image: Image.Image) -> np.ndarray:
        """One RGB image → float32 [3, H, W]. Pure and thread-safe (runs on decode worker threads)."""
        image = image.convert("RGB")
        scaled = self._scaled_size(image.size)
        box = _centre_crop_box(scaled, self.crop) if self.crop is not None else (0, 0, *scaled)
        # Scaled and cropped in one step, from the source: memory follows the crop, so a 1 x 100000
        # picture is never made 224 x 22,400,000 first.
        image = resized_crop(image, scaled, box, self.resample)
        pixels = np.asarray(image, dtype=np.float32) * self.scale
        pixels = (pixels - self.mean) / self.std
        return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def _centre_crop_box(size: tuple[int, int], crop: tuple[int, int]) -> tuple[int, int, int, int]:
    # torchvision's offsets (round, not floor), as transformers and open_clip use; a too-small image is padded.
    width, height = size
    crop_height, crop_width = crop
    top = int(round((height - crop_height) / 2.0))
    left = int(round((width - crop_width) / 2.0))
    return left, top, left + crop_width, top + crop_height


# --- the model ---------------------------------------------------------------------------------


class OnnxClipModel:
    """EmbeddingModel for a CLIP exported to two ONNX graphs; safe to share between threads."""

    logit_scale = 100.0  # CLIP's learned temperature ends at its clamp, 100 (config.json only has the initial one)

    def __init__(self, model_id: str, image: OnnxGraph, text: OnnxGraph, tokenizer,
                 preprocessing: ImagePreprocessing, dim: int, device: str = "cpu"):
        self.model_id = model_id
        self.dim = dim
        self.device = device
        self._image, self._text = image, text
        self._preprocessing = preprocessing
        self._tokenizer = tokenizer
        self._tokenizer_lock = threading.Lock()  # `tokenizers` objects are not documented thread-safe

    def preprocess(self, image: Image.Image) -> np.ndarray:
        return self._preprocessing(image)

    def encode_preprocessed(self, batch: Sequence[Any]) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, self.dim), np.float32)
        pixels = np.stack([np.asarray(item) for item in batch])
        return l2_normalise(self._image.run({self._image.input_names[0]: pixels}))

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        return self.encode_preprocessed([self.preprocess(image) for image in images])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        parts = [np.zeros((0, self.dim), np.float32)]
        for start in range(0, len(texts), TEXT_BATCH):
            with self._tokenizer_lock:
                encodings = self._tokenizer.encode_batch(texts[start:start + TEXT_BATCH])
            tokens = {"input_ids": [e.ids for e in encodings], "attention_mask": [e.attention_mask for e in encodings]}
            # Only what the graph declares: transformers.js' CLIP text graphs take input_ids alone. Padding
            # cannot change CLIP's output: attention is causal and it pools at the end-of-text token.
            parts.append(self._text.run({name: np.asarray(tokens[name]) for name in self._text.input_names}))
        return l2_normalise(np.concatenate(parts))


class OnnxGraph:
    """One ONNX Runtime session: inputs cast to the types it declares, its embedding output (or its only 2-D one)."""

    _TYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(int64)": np.int64,
              "tensor(int32)": np.int32}

    def __init__(self, session, output: str, accepted_inputs: set[str] | None = None):
        self.session = session
        inputs = session.get_inputs()
        self.input_names = [i.name for i in inputs]
        self.input_shape = list(inputs[0].shape) if inputs else []
        self._types = {i.name: self._TYPES.get(i.type) for i in inputs}
        if accepted_inputs is not None and (set(self.input_names) - accepted_inputs or not self.input_names):
            raise ModelError(f"this ONNX graph takes {', '.join(self.input_names) or 'no inputs'}; album feeds it "
                             f"{' and '.join(sorted(accepted_inputs))}")
        outputs = {o.name: o.shape for o in session.get_outputs()}
        if output not in outputs:
            flat = [name for name, shape in outputs.items() if len(shape) == 2]
            if len(flat) != 1:
                raise ModelError(f"an ONNX CLIP graph should output {output}; this one outputs {', '.join(outputs)}")
            output = flat[0]
        self.output = output
        self.dim = self.static(outputs[output], -1)

    @staticmethod
    def static(shape, axis: int) -> int | None:
        """A dimension fixed in the graph, or None where it is symbolic (batch size, text length)."""
        try:
            return shape[axis] if isinstance(shape[axis], int) else None
        except IndexError:
            return None

    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        feeds = {name: np.ascontiguousarray(value, dtype=self._types.get(name) or value.dtype)
                 for name, value in feeds.items()}
        (vectors,) = self.session.run([self.output], feeds)
        return np.asarray(vectors, dtype=np.float32)


# --- loading -----------------------------------------------------------------------------------


def load_onnx_clip(files: ModelFiles, *, model_id: str, device: str | None = None,
                   threads: int | None = None) -> OnnxClipModel:
    """A CLIP model from its folder; never touches the network. `device` 'cuda' uses ONNX Runtime's CUDA
    provider when the installed onnxruntime has it (None/'auto': when there is one), else the CPU."""
    folder = files.folder
    config = _read_json(folder / CONFIG, required=False)
    preprocessing = ImagePreprocessing.from_config(_read_json(folder / PREPROCESSOR, required=True))
    providers, device = _providers(device)
    try:
        image = OnnxGraph(_session(files.vision, providers, threads), "image_embeds", {"pixel_values"})
        text = OnnxGraph(_session(files.text, providers, threads), "text_embeds", {"input_ids", "attention_mask"})
    except ModelError as error:
        raise ModelError(f"{model_id}: {error}") from None
    size = (OnnxGraph.static(image.input_shape, 2), OnnxGraph.static(image.input_shape, 3))
    if any(fixed not in (None, made) for fixed, made in zip(size, preprocessing.output_size)):
        raise ModelError(f"{model_id}: the vision graph takes {size[0]}x{size[1]} images, but {PREPROCESSOR} makes "
                         "{}x{}".format(*preprocessing.output_size))
    fixed_length = OnnxGraph.static(text.input_shape, 1)
    max_length = fixed_length or int((config.get("text_config") or {}).get("max_position_embeddings") or CLIP_CONTEXT)
    dims = {image.dim, text.dim} - {None}
    if len(dims) > 1:
        raise ModelError(f"{model_id}: its image and text embeddings differ in size ({sorted(dims)})")
    dim = dims.pop() if dims else int(config.get("projection_dim") or 0)
    model = OnnxClipModel(model_id, image, text, _tokenizer(folder, max_length, fixed_length), preprocessing, dim,
                          device)
    if not dim:  # neither the graphs nor config.json say: ask the text graph
        model.dim = int(model.encode_texts(["a photo"]).shape[1])
    return model


def _providers(device: str | None) -> tuple[list, str]:
    ort = onnx_runtime.load()

    wanted = device or "auto"
    cuda = "CUDAExecutionProvider" in ort.get_available_providers()
    if cuda and (wanted == "auto" or wanted.startswith("cuda")):
        index = int(wanted.partition(":")[2] or 0)
        return [("CUDAExecutionProvider", {"device_id": index}), "CPUExecutionProvider"], f"cuda:{index}"
    if wanted not in ("auto", "cpu"):
        log.info("ONNX Runtime has no provider for %r here; running on the CPU", wanted)
    return ["CPUExecutionProvider"], "cpu"


def _session(path: Path, providers: list, threads: int | None):
    ort = onnx_runtime.load()

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
    options.inter_op_num_threads = 1
    # Idle threads sleep instead of spinning: the indexer's decode threads need those cores between batches.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(str(path), options, providers=providers)
    except Exception as error:  # onnxruntime raises its own exception types for bad or unsupported graphs
        raise ModelError(f"ONNX Runtime cannot open {path}: {error}") from None


def _tokenizer(folder: Path, max_length: int, fixed_length: int | None):
    """CLIP's tokenizer from tokenizer.json: <|startoftext|> text <|endoftext|>, cut to `max_length` tokens
    (the end token kept), padded to the longest text of a batch, or to `fixed_length` for a static graph."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
    except Exception as error:  # tokenizers raises a bare Exception for malformed files
        raise ModelError(f"cannot read the tokenizer {folder / TOKENIZER}: {error}") from None
    pad_token = _pad_token(folder, tokenizer)
    pad_id = tokenizer.token_to_id(pad_token) if pad_token else None
    if pad_id is None:
        pad_token, pad_id = tokenizer.id_to_token(0), 0
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token, length=fixed_length)
    return tokenizer


def _pad_token(folder: Path, tokenizer) -> str | None:
    # tokenizer.json rarely says (transformers pads); the tokenizer configs do; CLIP pads with <|endoftext|>.
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        token = _read_json(folder / name, required=False).get("pad_token")
        token = token.get("content") if isinstance(token, dict) else token
        if token:
            return token
    if tokenizer.padding:
        return tokenizer.padding["pad_token"]
    return "<|endoftext|>"


def _read_json(path: Path, *, required: bool) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if required:
            raise ModelError(f"model file not found: {path}") from None
        return {}
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot read {path}: {error}") from None
