"""album-mini's ONNX graphs built ahead of time, for installers that ship without torch.

A development install exports the graphs at first load (model.py). An installer cannot: it
leaves out torch, timm and transformers (GBs) and the two tower packages. So the build exports
the graphs once, with the tokenizer, into `resources/models/album-mini/prebuilt/`, and the
loader uses them when their manifest says they were made from exactly the heads beside them.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from album.models.digest import files_digest

PREBUILT_DIR = "prebuilt"
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class PrebuiltGraphs:
    image: Path
    text: Path
    tokenizer: Path


def weights_digest(weights_path: Path) -> str:
    """Which heads these are: also the user-cache export's key, and what a library's vectors record."""
    return files_digest([weights_path], length=16)


def find_prebuilt(resources_dir: Path, weights_path: Path, export_version: int) -> PrebuiltGraphs | None:
    """The shipped graphs if they match these heads and this export version, else None."""
    folder = Path(resources_dir) / PREBUILT_DIR
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("export_version") != export_version or manifest.get("weights") != weights_digest(weights_path):
        return None  # stale graphs would give vectors from other heads: better to export afresh
    graphs = PrebuiltGraphs(folder / "image.onnx", folder / "text.onnx", folder / "tokenizer.json")
    if not all(path.is_file() for path in (graphs.image, graphs.text, graphs.tokenizer)):
        return None
    return graphs


def write_prebuilt(resources_dir: Path, out_dir: Path) -> Path:
    """Export the graphs for the heads in `resources_dir` into `out_dir` (needs torch; build time only)."""
    from album.models.mini import towers
    from album.models.mini.export import EXPORT_VERSION, export_onnx
    from album.models.mini.resources import RECIPE_FILE, WEIGHTS_FILE, recipe_image_tower

    out_dir = Path(out_dir)
    info = json.loads((Path(resources_dir) / RECIPE_FILE).read_text())
    out_dir.mkdir(parents=True, exist_ok=True)
    export_onnx(Path(resources_dir), out_dir / "image.onnx", out_dir / "text.onnx")
    shutil.copyfile(towers.text_model_dir() / "tokenizer.json", out_dir / "tokenizer.json")
    manifest = {"export_version": EXPORT_VERSION, "weights": weights_digest(Path(resources_dir) / WEIGHTS_FILE),
                "towers": towers.towers_fingerprint(recipe_image_tower(info).name)}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")  # written last: marks it complete
    return out_dir

