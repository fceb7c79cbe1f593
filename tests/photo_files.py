"""Real photo files for tests: made with Pillow, and hashed to prove album never modifies them.

Imported by test modules as `from photo_files import ...` (not from conftest, whose module name
is ambiguous once tests/ui has its own conftest).
"""

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image


def write_photo(path: Path, seed: int, size=(480, 360), fmt: str | None = None, **save_args) -> Path:
    """A distinct, photo-like picture: smooth colour fields plus noise, different for each seed."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    channels = []
    for _ in range(3):
        fx, fy, phase = rng.uniform(0.002, 0.03, 2).tolist() + [rng.uniform(0, 6.28)]
        channels.append(127 + 100 * np.sin(x * fx + y * fy + phase))
    pixels = np.stack(channels, axis=-1) + rng.normal(0, 12, (h, w, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, fmt, **save_args)
    return path


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root, to prove album never modified a user's file."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
