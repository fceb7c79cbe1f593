"""album-mini: the embedded default model (EfficientNet-Lite0 + all-MiniLM-L6-v2 towers from PyPI
packages, with small trained projection heads shipped in resources/models/album-mini/).

Inference: `load_album_mini` (model.py); the shipped files' names and the recipe JSON's tower
(resources.py); exporting towers + heads to ONNX at first load (export.py), or once for installers
(prebuilt.py); reading rare label words through the lexicon (grounding.py); the towers (towers.py).
Retraining: `python -m album.models.mini.train` with the training recipe (recipe.py), the cached
tower outputs (features.py), the data it prepares (training_data.py, webdata.py, captioned.py),
the heads (heads.py) and their measures (evaluation.py).
"""

from album.models.mini.model import AlbumMiniModel, load_album_mini

__all__ = ["AlbumMiniModel", "load_album_mini"]
