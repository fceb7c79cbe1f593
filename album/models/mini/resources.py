"""What album-mini ships in resources/models/album-mini/: the trained heads' tensors and the recipe
JSON that describes them (which towers, which stages, the schema this version reads).

Both the loader (model.py) and the exports (export.py, prebuilt.py) read them; train.py writes them.
"""

from __future__ import annotations

from album.models.mini import towers

WEIGHTS_FILE = "heads.safetensors"
RECIPE_FILE = "album-mini.json"
RESOURCE_SCHEMA = 1


def recipe_image_tower(info: dict) -> towers.ImageTower:
    """The image tower a recipe JSON's heads were trained on (Lite0 for recipes that predate the choice)."""
    arch = info.get("towers", {}).get("image", {}).get("timm_arch", "efficientnet_lite0")
    return towers.image_tower_for_arch(arch)
