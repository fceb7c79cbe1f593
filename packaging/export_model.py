"""Exports album-mini's ONNX graphs (with the tokenizer) for a bundle: `python packaging/export_model.py OUT`.

Needs the development install (torch, timm, transformers, the tower packages); the bundle then
needs none of them (album/models/mini/prebuilt.py).
"""

import shutil
import sys
from pathlib import Path

from album.models.mini.prebuilt import write_prebuilt
from album.resources import resources_dir

if __name__ == "__main__":
    out = Path(sys.argv[1])
    shutil.rmtree(out, ignore_errors=True)  # never mix graphs of two builds
    write_prebuilt(resources_dir() / "models" / "album-mini", out)
    print(f"album-mini graphs: {out}")
