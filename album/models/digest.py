"""Content digests of model files, for ids that follow the bytes (no torch: the installer uses it too)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from album.errors import ModelError

_HASH_CHUNK = 4 << 20


def files_digest(paths: Iterable[Path], length: int = 12) -> str:
    """The sha256 prefix of the files' bytes, read in order (chunked: model files can be several GB).

    For one file it is the sha256 of that file, so ids made before multi-file digests existed stay valid.
    """
    digest = hashlib.sha256()
    for path in paths:
        try:
            with Path(path).open("rb") as stream:
                while chunk := stream.read(_HASH_CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            raise ModelError(f"model file not found: {path}") from None
        except OSError as error:
            raise ModelError(f"cannot read model file {path}: {error.strerror or error}") from None
    return digest.hexdigest()[:length]
