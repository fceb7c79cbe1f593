"""Downloading models from the Hugging Face hub on first use, into album's cache: open_clip models, and
CLIP models exported to ONNX (album.models.onnx_clip), which need no PyTorch.

Files live in huggingface_hub's own cache layout (models--org--name/{blobs,refs,snapshots}), so a
cache filled by `hf download`, by open_clip or on another machine can be copied in and works as is.
Every function looks in the cache before touching the network: a machine with the files cached
works offline, instantly.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from tqdm import tqdm

from album.errors import ModelError

DownloadProgress = Callable[[str, int, int | None], None]
"""(file name, bytes done, bytes total or None when the server did not say)."""

HUB_URL = "https://huggingface.co"
HF_HUB_PREFIX = "hf-hub:"
CONFIG_NAME = "open_clip_config.json"
WEIGHTS_NAMES = ("open_clip_model.safetensors", "open_clip_pytorch_model.bin")  # open_clip's preference
TOKENIZER_NAMES = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
    "spiece.model", "sentencepiece.bpe.model", "vocab.txt", "vocab.json", "merges.txt",
)
TOKENIZER_CORE = ("tokenizer_config.json", "tokenizer.json")  # AutoTokenizer needs one of them
DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class _Want:
    alternatives: tuple[str, ...]  # the first the repo has wins
    required: bool = True


class _HubUnreachable(Exception):
    """No connection to the hub and the file is not cached; the public functions word the advice."""


def open_clip_weights(
    arch: str,
    tag: str,
    *,
    cache_dir: Path,
    progress: DownloadProgress | None = None,
    endpoint: str | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """The local weights file of an open_clip pretrained tag, e.g. ("ViT-B-32", "laion2b_s34b_b79k")."""
    cfg = _pretrained_cfg(arch, tag)
    source = _hf_weights_source(cfg)
    try:
        if source is None:
            return _url_weights(cfg["url"], cache_dir=Path(cache_dir), progress=progress, offline=offline)
        repo_id, names = source
        (weights,) = _fetch(repo_id, [_Want(names)], Path(cache_dir), progress, endpoint, offline, timeout)
        return weights
    except _HubUnreachable as error:
        if source is None:
            where, file_url = "the open_clip release", cfg["url"]
        else:
            repo_id, names = source
            where, file_url = "the Hugging Face hub", _file_url(endpoint, repo_id, names[0])
            if len(names) > 1:  # older repos only have the pickle-format file
                file_url += f" (or {names[-1]} if the repo has no {names[0]})"
        raise ModelError(
            f"Could not download the weights of {arch}/{tag}: there is no connection to {where} ({error}). "
            f"album keeps working with its embedded model album-mini. To use {arch}/{tag} anyway, download "
            f"{file_url} on a machine with a connection and run: album model set {arch}/{tag} --model-file PATH"
        ) from None


def open_clip_tokenizer_dir(
    arch: str,
    *,
    cache_dir: Path,
    progress: DownloadProgress | None = None,
    endpoint: str | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path | None:
    """The folder of the Hugging Face tokenizer an arch needs (SigLIP, multilingual towers), or None
    when it uses open_clip's built-in BPE tokenizer, which ships with open_clip and needs no download."""
    repo_id = hf_tokenizer_repo(arch)
    if repo_id is None:
        return None
    try:
        found = _fetch(repo_id, _tokenizer_wants(), Path(cache_dir), progress, endpoint, offline, timeout)
    except _HubUnreachable as error:
        raise ModelError(
            f"Could not download the text tokenizer of {arch} (hub repository {repo_id}): there is no connection "
            f"to the Hugging Face hub ({error}). album keeps working with its embedded model album-mini. "
            + _cache_copy_hint(repo_id, cache_dir)
        ) from None
    return next(p for p in found if p is not None).parent  # the required core file is always there


def hf_hub_model_dir(
    repo_id: str,
    *,
    cache_dir: Path,
    progress: DownloadProgress | None = None,
    endpoint: str | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """The snapshot folder of an 'hf-hub:org/repo' model (config, weights and, when the config names an
    HF tokenizer, the repo's tokenizer files), loadable by open_clip as f"local-dir:{folder}"."""
    repo_id = repo_id.removeprefix(HF_HUB_PREFIX)
    cache_dir = Path(cache_dir)
    try:
        config_path, _weights = _fetch(
            repo_id, [_Want((CONFIG_NAME,)), _Want(WEIGHTS_NAMES)], cache_dir, progress, endpoint, offline, timeout
        )
        if _config_tokenizer_repo(config_path):
            # open_clip reads a local-dir model's HF tokenizer from the model's own folder.
            # Optional: some configs name a tokenizer that lives in another repo (the loader says so).
            _fetch(repo_id, _tokenizer_wants(required=False), cache_dir, progress, endpoint, offline, timeout)
    except _HubUnreachable as error:
        raise ModelError(
            f"Could not download hf-hub:{repo_id}: there is no connection to the Hugging Face hub ({error}). "
            f"album keeps working with its embedded model album-mini. " + _cache_copy_hint(repo_id, cache_dir)
        ) from None
    return config_path.parent


def onnx_clip_dir(
    repo_id: str,
    dtype: str = "fp32",
    *,
    cache_dir: Path,
    progress: DownloadProgress | None = None,
    endpoint: str | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """The snapshot folder of an ONNX CLIP export (e.g. Xenova/clip-vit-base-patch32): the two graphs of
    `dtype`, the tokenizer and the preprocessing, loadable by onnx_clip.folder_files."""
    from album.models import onnx_clip

    wants = _onnx_clip_wants(dtype)
    try:
        found = _fetch(repo_id, wants, Path(cache_dir), progress, endpoint, offline, timeout)
    except _HubUnreachable as error:
        names = [want.alternatives[0] for want in wants if want.required or want.alternatives[0] == onnx_clip.CONFIG]
        urls = ", ".join(_file_url(endpoint, repo_id, name) for name in names)
        raise ModelError(
            f"Could not download {onnx_clip.hub_model_id(repo_id, dtype)}: there is no connection to the Hugging Face "
            f"hub ({error}). album keeps working with its embedded model album-mini. To use this model anyway, "
            f"download {urls} into one folder on a machine with a connection (`hf download {repo_id} "
            f"{' '.join(names)} --local-dir FOLDER` does that), copy the folder here and run: "
            f"album model set onnx:FOLDER" + ("" if dtype == onnx_clip.DEFAULT_DTYPE else f"@{dtype}")
        ) from None
    return found[0].parent  # tokenizer.json, always required, lies at the top of the snapshot


def hub_reachable(repo_id: str, filename: str, *, endpoint: str | None = None, timeout: float = 3.0) -> bool:
    """Whether the hub answers for a file of `repo_id` within `timeout` seconds: one HEAD, no retries.
    Reads HF_ENDPOINT and HF_HUB_OFFLINE when called (huggingface_hub reads them once, at import)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE"):
        return False
    endpoint = endpoint or os.environ.get("HF_ENDPOINT", "").rstrip("/") or None
    try:
        with _hub_errors(repo_id):
            _probe(repo_id, filename, endpoint, timeout)
    except (_HubUnreachable, ModelError):
        return False
    return True


def is_cached(model_ref: str, *, cache_dir: Path) -> bool:
    """Whether a hub model loads without any download. `model_ref` is spelt as album's registry does:
    'ARCH/TAG' for an open_clip pretrained tag, 'hf-hub:org/repo' for an open_clip hub repo, 'onnx:org/repo'
    (optionally '@DTYPE') for an ONNX CLIP export."""
    from album.models import onnx_clip

    cache_dir = Path(cache_dir)
    if model_ref.startswith(onnx_clip.PREFIX):
        repo_id, dtype = onnx_clip.split_dtype(model_ref[len(onnx_clip.PREFIX):])
        return _from_cache(repo_id, _onnx_clip_wants(dtype), cache_dir) is not None
    if model_ref.startswith(HF_HUB_PREFIX):
        repo_id = model_ref[len(HF_HUB_PREFIX):]
        found = _from_cache(repo_id, [_Want((CONFIG_NAME,)), _Want(WEIGHTS_NAMES)], cache_dir)
        if found is None:
            return False
        tokenizer = _from_cache(repo_id, _tokenizer_wants(required=False), cache_dir)
        return not _config_tokenizer_repo(found[0][0]) or _has_tokenizer(tokenizer)
    arch, _, tag = model_ref.rpartition("/")
    try:
        cfg = _pretrained_cfg(arch, tag)
    except ModelError:
        return False
    source = _hf_weights_source(cfg)
    if source is None:
        return (cache_dir / _URL_FOLDER / cfg["url"].rsplit("/", 1)[-1]).is_file()
    if _from_cache(source[0], [_Want(source[1])], cache_dir) is None:
        return False
    tokenizer_repo = hf_tokenizer_repo(arch)
    return tokenizer_repo is None or _has_tokenizer(_from_cache(tokenizer_repo, _tokenizer_wants(), cache_dir))


def hf_tokenizer_repo(arch: str) -> str | None:
    """The hub repo of the HF tokenizer an open_clip arch uses, or None for the built-in BPE one."""
    from open_clip import get_model_config

    config = get_model_config(arch) or {}
    return config.get("text_cfg", {}).get("hf_tokenizer_name") or None


# --- open_clip's pretrained table ------------------------------------------------------------


def _pretrained_cfg(arch: str, tag: str) -> dict:
    import open_clip

    cfg = open_clip.get_pretrained_cfg(arch, tag)
    if cfg:
        return cfg
    tags = open_clip.list_pretrained_tags_by_model(arch)
    if tags:
        shown = ", ".join(tags[:8]) + (f", … ({len(tags)} in all)" if len(tags) > 8 else "")
        raise ModelError(f"{tag!r} is not a pretrained tag of the open_clip model {arch}; valid tags: {shown}")
    archs = sorted({a for a, _ in open_clip.list_pretrained()})
    close = difflib.get_close_matches(arch, archs, n=4, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; open_clip has weights for {len(archs)}, e.g. ViT-B-32"
    raise ModelError(f"{arch!r} is not an open_clip model with pretrained weights{hint}")


def _hf_weights_source(cfg: dict) -> tuple[str, tuple[str, ...]] | None:
    """(repo id, file names by preference) for a tag on the hub; None for a URL-only tag."""
    hub = cfg.get("hf_hub", "")
    if not hub:
        return None
    # 'org/name/' means the default weights file; 'org/name/file.bin' names it (as os.path.split in open_clip).
    repo_id, _, filename = hub.rpartition("/")
    filename = filename or WEIGHTS_NAMES[1]
    return repo_id, (*_safe_alternatives(filename), filename)


def _safe_alternatives(filename: str) -> tuple[str, ...]:
    # The same preference as open_clip.pretrained.download_pretrained_from_hf: safetensors when it exists.
    if filename == WEIGHTS_NAMES[1]:
        return (WEIGHTS_NAMES[0],)
    if filename.endswith((".bin", ".pth")):
        return (filename[:-4] + ".safetensors",)
    return ()


# --- the cache, then the network -------------------------------------------------------------


def _fetch(
    repo_id: str,
    wants: Sequence[_Want],
    cache_dir: Path,
    progress: DownloadProgress | None,
    endpoint: str | None,
    offline: bool,
    timeout: float,
) -> list[Path | None]:
    """One path (or None for an absent optional file) per want, from the cache when it can answer."""
    cached = _from_cache(repo_id, wants, cache_dir)
    if cached is not None and (cached[1] or offline):
        return cached[0]
    if offline:
        raise _HubUnreachable("album is set to work offline")
    with _hub_errors(repo_id):
        _probe(repo_id, wants[0].alternatives[0], endpoint, timeout)
        return [_download(repo_id, want, cache_dir, progress, endpoint, timeout) for want in wants]


def _from_cache(repo_id: str, wants: Sequence[_Want], cache_dir: Path) -> tuple[list[Path | None], bool] | None:
    """(paths, complete) when every required file is cached, else None. `complete` is False while some
    optional file is neither cached nor known to be absent (huggingface_hub records 404s in .no_exist)."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    found: list[Path | None] = []
    complete = True
    for want in wants:
        hit, known_absent = None, 0
        for name in want.alternatives:
            try:
                entry = try_to_load_from_cache(repo_id, name, cache_dir=str(cache_dir))
            except HFValidationError as error:
                raise ModelError(f"{repo_id!r} is not a valid hub repository name: {error}") from None
            if isinstance(entry, str):
                hit = Path(entry)
                break
            known_absent += entry is not None  # the _CACHED_NO_EXIST marker
        if hit is None and want.required:
            return None
        complete &= hit is not None or known_absent == len(want.alternatives)
        found.append(hit)
    return found, complete


def _probe(repo_id: str, filename: str, endpoint: str | None, timeout: float) -> None:
    """One HEAD without retries: an unreachable hub fails here within `timeout`, where hf_hub_download
    would back off and retry for about 20 s before giving up."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.errors import RemoteEntryNotFoundError

    try:
        get_hf_file_metadata(hf_hub_url(repo_id, filename, endpoint=endpoint), timeout=timeout, endpoint=endpoint)
    except RemoteEntryNotFoundError:
        pass  # the hub answered


def _download(
    repo_id: str, want: _Want, cache_dir: Path, progress: DownloadProgress | None, endpoint: str | None, timeout: float
) -> Path | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import RemoteEntryNotFoundError

    for name in want.alternatives:
        try:
            return Path(
                hf_hub_download(
                    repo_id,
                    name,
                    cache_dir=str(cache_dir),
                    endpoint=endpoint,
                    etag_timeout=timeout,
                    tqdm_class=_progress_class(progress, name),
                    library_name="album",
                )
            )
        except RemoteEntryNotFoundError:
            continue
    if want.required:
        raise ModelError(f"the hub repository {repo_id} has none of {', '.join(want.alternatives)}")
    return None


@contextmanager
def _hub_errors(repo_id: str) -> Iterator[None]:
    """huggingface_hub / httpx errors → ModelError (or _HubUnreachable for connection problems)."""
    import httpx2
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        HFValidationError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    try:
        yield
    except GatedRepoError:
        raise ModelError(
            f"the hub repository {repo_id} is gated: accept its terms on {HUB_URL}/{repo_id} and log in "
            "with `hf auth login`"
        ) from None
    except RepositoryNotFoundError:
        raise ModelError(f"the hub has no repository {repo_id} (or it is private)") from None
    except RevisionNotFoundError:
        raise ModelError(f"the hub repository {repo_id} has no 'main' revision") from None
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status is None or status >= 500 or status in (408, 429):
            raise _HubUnreachable(f"the hub answered HTTP {status}") from None
        raise ModelError(f"the hub refused a download from {repo_id} (HTTP {status})") from None
    except (httpx2.TransportError, LocalEntryNotFoundError, OfflineModeIsEnabled) as error:
        raise _HubUnreachable(_reason(error)) from None
    except HFValidationError as error:
        raise ModelError(f"{repo_id!r} is not a valid hub repository name: {error}") from None
    except (httpx2.HTTPError, httpx2.InvalidURL, OSError, ValueError) as error:
        # Disk full, a transfer cut short (size check), a malformed endpoint URL.
        raise ModelError(f"downloading from the hub repository {repo_id} failed: {error}") from None


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _progress_class(progress: DownloadProgress | None, name: str) -> type[tqdm]:
    """A tqdm for huggingface_hub's progress slot: forwards byte counts, draws nothing (album's UI and
    CLI draw their own, and library code must not write to the terminal)."""

    class _ForwardingProgress(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs.pop("name", None)
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._done = int(kwargs.get("initial") or 0)
            self._report()

        def update(self, n: float | None = 1) -> None:
            self._done += int(n or 0)
            self._report()

        def _report(self) -> None:
            if progress is not None:
                progress(name, self._done, None if self.total is None else int(self.total))

    return _ForwardingProgress


def _cache_copy_hint(repo_id: str, cache_dir: Path) -> str:
    # album reads huggingface_hub's cache layout, so a cache filled elsewhere works once copied in.
    return (
        f"To use it anyway, run `hf download {repo_id} --cache-dir DIR` on a machine with a connection "
        f"(the files are listed on {HUB_URL}/{repo_id}/tree/main) and copy what DIR holds into {cache_dir}"
    )


def _repo_url(endpoint: str | None, repo_id: str) -> str:
    return f"{(endpoint or HUB_URL).rstrip('/')}/{repo_id}"


def _file_url(endpoint: str | None, repo_id: str, filename: str) -> str:
    return f"{_repo_url(endpoint, repo_id)}/resolve/main/{filename}"


# --- tokenizers ------------------------------------------------------------------------------


def _tokenizer_wants(required: bool = True) -> list[_Want]:
    """AutoTokenizer needs tokenizer_config.json or tokenizer.json; the rest is taken when the repo has it."""
    optional = [_Want((name,), required=False) for name in TOKENIZER_NAMES if name != TOKENIZER_CORE[0]]
    return [_Want(TOKENIZER_CORE, required=required), *optional]


def _onnx_clip_wants(dtype: str) -> list[_Want]:
    from album.models.onnx_clip import hub_files

    return [_Want(alternatives, required) for alternatives, required in hub_files(dtype)]


def _has_tokenizer(found: tuple[list[Path | None], bool] | None) -> bool:
    return found is not None and any(p is not None and p.name in TOKENIZER_CORE for p in found[0])


def _config_tokenizer_repo(config_path: Path) -> str | None:
    try:
        config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot read the open_clip config {config_path}: {error}") from None
    return config.get("model_cfg", {}).get("text_cfg", {}).get("hf_tokenizer_name") or None


# --- URL-only tags (none in open_clip 3.3's table, kept for older and custom tables) -------------

_URL_FOLDER = "open_clip-urls"


def _url_weights(url: str, *, cache_dir: Path, progress: DownloadProgress | None, offline: bool) -> Path:
    import urllib.error

    from open_clip.pretrained import download_pretrained_from_url

    target = cache_dir / _URL_FOLDER / url.rsplit("/", 1)[-1]
    if target.is_file():
        return target
    if offline:
        raise _HubUnreachable("album is set to work offline")
    target.parent.mkdir(parents=True, exist_ok=True)
    # open_clip writes straight to its target; a temporary folder keeps a cut transfer out of the cache.
    with tempfile.TemporaryDirectory(dir=target.parent) as partial:
        try:
            downloaded = Path(download_pretrained_from_url(url, cache_dir=partial))
        except urllib.error.URLError as error:
            raise _HubUnreachable(str(error.reason)) from None
        except (OSError, RuntimeError, ValueError, TypeError) as error:
            raise ModelError(f"downloading {url} failed: {error}") from None
        os.replace(downloaded, target)
    if progress is not None:
        size = target.stat().st_size
        progress(target.name, size, size)
    return target

