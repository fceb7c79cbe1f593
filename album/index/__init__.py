"""The HNSW vector index: a rebuildable cache of the embeddings table, one per model."""

from album.index.hnsw import VectorIndex
from album.index.sync import IndexHealth, open_synced_index

__all__ = ["IndexHealth", "VectorIndex", "open_synced_index"]
