"""album: a smart photo album. `from album import Library` is the headless API."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported lazily so `album --version` and the GUI's first paint do not wait for torch.
    if name == "Library":
        from album.library import Library

        return Library
    raise AttributeError(name)


__all__ = ["Library", "__version__"]
