"""Where a library lives, and the settings an index run uses."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "album"


def default_library_dir(environ: dict[str, str] | None = None) -> Path:
    """`ALBUM_HOME` if set, else the platform's user data dir (e.g. ~/.local/share/album/library)."""
    environ = os.environ if environ is None else environ
    if environ.get("ALBUM_HOME"):
        return Path(environ["ALBUM_HOME"]).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "library"


def cache_dir() -> Path:
    """Downloaded models and other re-creatable files (not part of any one library)."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
