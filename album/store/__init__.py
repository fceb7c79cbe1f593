"""SQLite storage: the database is the source of truth, embeddings included."""

from album.store.database import Database
from album.store.photos import FolderRepository, PhotoRecord, PhotoRepository
from album.store.embeddings import EmbeddingRepository

__all__ = ["Database", "EmbeddingRepository", "FolderRepository", "PhotoRecord", "PhotoRepository"]
