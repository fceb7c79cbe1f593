"""File names that are not valid text, kept losslessly in SQLite's text columns.

A Linux file name is bytes. Python hands a name that is not valid UTF-8 over as a str with
"surrogate escapes" (byte 0xFF becomes U+DCFF; Windows names can hold lone surrogates too),
and SQLite's Python driver refuses to store such a str: one odd name used to stop indexing
for good. Every connection album opens stores text through `to_stored` and reads it back
through `from_stored`, so such a name is stored, matched and returned exactly as the
filesystem gave it, wherever a path goes (photos, folders, the trash journal...).

The stored form is valid UTF-8 and changes only strings that hold a surrogate (or, to stay
reversible, one of the rare characters the escape uses), so every library written before
reads as it did. Each character maps on its own, so a folder's stored name is still a prefix
of its photos' stored paths and the path queries' prefix tests keep working:
- a surrogate U+D800..U+DFFF becomes U+10F800..U+10FFFF (the end of Private Use Plane 16);
- a real character in U+10F7FF..U+10FFFF is kept behind the escape character U+10F7FF.
"""

from __future__ import annotations

import re

_ESCAPE = "\U0010f7ff"
_SURROGATES_AT = 0x10F800  # where U+D800 goes
_NEEDS_STORING = re.compile("[\ud800-\udfff\U0010f7ff-\U0010ffff]")
_NEEDS_READING = re.compile("\U0010f7ff.|[\U0010f800-\U0010ffff]", re.DOTALL)
# Every stored special character is in U+10F000..U+10FFFF, whose UTF-8 starts with these bytes.
_SPECIAL_UTF8 = b"\xf4\x8f"


def _store_one(match: re.Match) -> str:
    char = match.group()
    if "\ud800" <= char <= "\udfff":
        return chr(_SURROGATES_AT + ord(char) - 0xD800)
    return _ESCAPE + char


def _read_one(match: re.Match) -> str:
    text = match.group()
    if len(text) == 2:  # escaped: the character itself
        return text[1]
    return chr(0xD800 + ord(text) - _SURROGATES_AT)


def to_stored(text: str) -> str:
    """The form `text` takes in the database (itself, unless it holds a surrogate)."""
    if _NEEDS_STORING.search(text) is None:
        return text
    return _NEEDS_STORING.sub(_store_one, text)


def from_stored(data: bytes) -> str:
    """A text value as SQLite returns it (UTF-8 bytes) → the str that was stored."""
    # Called for every text value read: the common case is kept to one test and one decode.
    if _SPECIAL_UTF8 in data:
        return _NEEDS_READING.sub(_read_one, data.decode("utf-8", "surrogateescape"))
    try:
        return data.decode()
    except UnicodeDecodeError:
        # A database written by another program may hold bytes that are not UTF-8: they come
        # back as the same surrogate escapes a file name would use.
        return data.decode("utf-8", "surrogateescape")

