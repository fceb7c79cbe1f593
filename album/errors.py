"""Typed exceptions raised by the library; only the CLI turns them into messages and exit codes."""


class AlbumError(Exception):
    """Base class for every error album raises on purpose."""


class DecodeError(AlbumError):
    """A file could not be read as a photo. The message is a readable reason for the user."""


class LibraryError(AlbumError):
    """The library directory or database cannot be used."""


class LibraryBusy(LibraryError):
    """Another album process is indexing this library now (it holds the index lock)."""


class ModelError(AlbumError):
    """A model could not be found, loaded or downloaded."""


class Cancelled(AlbumError):
    """Work stopped because its cancel token was set."""


class LibraryDiskFull(LibraryError):
    """The disk holding the library has no room left; what was committed before is kept."""


class LibraryReadOnly(LibraryError):
    """The library folder cannot be written by this user (a read-only disk, or its permissions)."""
