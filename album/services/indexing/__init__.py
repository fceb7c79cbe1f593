"""Indexing: bringing photos in. Scan → read on worker threads → embed in full batches → store + index.

- `pipeline.py`: `IndexingPipeline` and what a run reports (`IndexSummary`)
- `reading.py`: reading one photo file on a decode worker (hash, decode, thumbnail, model input)
- `models.py`: `LibraryModels`, the library's models (the one search uses, the one being
  switched to) and their HNSW indexes
- `perceptual_hashes.py`: each photo's perceptual hashes, stored while reading, read by
  duplicates and events
- `indexer.py`: `LibraryIndexer`, one index run from start to end: which files, what changed,
  the pipeline, then the follow-ups
- `follow_ups.py`: `IndexFollowUp`, a step a capability runs after each index run (its package
  provides it: `tagging.TagNewPhotos`, `events.OrganiseEvents`, `people.FindFaces`...), and
  `IndexFollowUps`, the steps `Library` registers, in order
- `after_index.py`: indexing's own steps (saving the vector indexes, finishing a model switch)
"""

from album.services.indexing.after_index import FinishModelSwitch, SaveIndexes
from album.services.indexing.follow_ups import IndexFollowUp, IndexFollowUps, IndexRun
from album.services.indexing.indexer import THUMBNAIL_SIZE, LibraryIndexer
from album.services.indexing.models import LibraryModels
from album.services.indexing.perceptual_hashes import PerceptualHashCache, thumbnail_image
from album.services.indexing.pipeline import EmbeddingTarget, IndexingPipeline, IndexSummary, PipelineSettings
from album.services.indexing.reading import PhotoReader

__all__ = [
    "THUMBNAIL_SIZE", "EmbeddingTarget", "FinishModelSwitch", "IndexFollowUp", "IndexFollowUps", "IndexRun",
    "IndexSummary", "IndexingPipeline", "LibraryIndexer", "LibraryModels", "PerceptualHashCache", "PhotoReader",
    "PipelineSettings", "SaveIndexes", "thumbnail_image",
]
