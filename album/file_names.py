"""File names for people to read.

A Linux file name is bytes, and Python hands one that is not valid UTF-8 over with surrogate
escapes ('caf\\udce9.jpg'). album keeps such names exactly (the store: `album.store.stored_text`;
the command line writes them back out as the same bytes), but text for a person, and Qt's
strings, cannot hold them: Qt silently drops them, which would show another file's name.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(name: str) -> str:
    """`name` with each byte that is not text shown as U+FFFD '�', as file managers show it."""
    return _SURROGATE.sub("\ufffd", name)


def is_text(name: str) -> bool:
    """Whether `name` is valid text (no surrogate escapes): true for all but odd file names."""
    return _SURROGATE.search(name) is None
