"""Where dlib's face model files are, and which of them album may use.

The files come from the `face_recognition_models` package. It is located with
`importlib.util.find_spec` and never imported: its `__init__` needs `pkg_resources`, which
current setuptools no longer provides.

Only public-domain models are used. The package also holds `shape_predictor_68_face_landmarks.dat`,
whose training data (iBUG 300-W) forbids commercial use: album never opens it and the installer
leaves it out.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from album.errors import AlbumError

HOG_IS_BUILT_IN = "dlib.get_frontal_face_detector"  # the HOG detector needs no file
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
CNN_DETECTOR_FILE = "mmod_human_face_detector.dat"
ALLOWED_MODEL_FILES = (LANDMARKS_FILE, DESCRIPTOR_FILE, CNN_DETECTOR_FILE)
FORBIDDEN_MODEL_FILE = "shape_predictor_68_face_landmarks.dat"
MODELS_DIR_VARIABLE = "ALBUM_FACE_MODELS"  # a folder holding the files, for installs without the package


class FacesUnavailable(AlbumError):
    """Faces cannot be found here: dlib or its model files are missing (the reason says which)."""


def face_models_dir() -> Path:
    """The folder holding the face model files."""
    override = os.environ.get(MODELS_DIR_VARIABLE)
    bundled = Path(getattr(sys, "_MEIPASS", "")) / "face_recognition_models" / "models"
    if override:
        folder = Path(override)
    elif getattr(sys, "frozen", False) and bundled.is_dir():  # the installed app (PyInstaller)
        folder = bundled
    else:
        spec = importlib.util.find_spec("face_recognition_models")
        if spec is None or not spec.submodule_search_locations:
            raise FacesUnavailable(
                "face models are not installed (pip install face_recognition_models); people are off"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [name for name in (LANDMARKS_FILE, DESCRIPTOR_FILE) if not (folder / name).is_file()]
    if missing:
        raise FacesUnavailable(f"face model files missing in {folder}: {', '.join(missing)}")
    return folder


def model_file(name: str) -> Path:
    if name not in ALLOWED_MODEL_FILES:
        raise FacesUnavailable(f"{name} is not a model album may use")
    return face_models_dir() / name
