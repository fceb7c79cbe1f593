"""album-mini: the embedded default model (EfficientNet-Lite0 + all-MiniLM-L6-v2 towers from PyPI
packages, with small trained projection heads shipped in resources/models/album-mini/).

Inference: `load_album_mini` (model.py). Retraining: `python -m album.models.mini.train`.
"""

from album.models.mini.model import AlbumMiniModel, load_album_mini

__all__ = ["AlbumMiniModel", "load_album_mini"]
