"""Indexing: bringing photos in. Scan → read on worker threads → embed in full batches → store + index.

- `pipeline.py`: `IndexingPipeline` and what a run reports (`IndexSummary`)
- `reading.py`: reading one photo file on a decode worker (hash, decode, thumbnail, model input)
- `models.py`: `LibraryModels`, the library's models (the one search uses, the one being
  switched to) and their HNSW indexes
- `perceptual_hashes.py`: each photo's perceptual hashes, stored while reading, read by
  duplicates and events
"""

from album.services.indexing.models import LibraryModels
from album.services.indexing.perceptual_hashes import PerceptualHashCache
from album.services.indexing.pipeline import EmbeddingTarget, IndexingPipeline, IndexSummary, PipelineSettings
from album.services.indexing.reading import PhotoReader

__all__ = [
    "EmbeddingTarget", "IndexSummary", "IndexingPipeline", "LibraryModels", "PerceptualHashCache", "PhotoReader",
    "PipelineSettings",
]
