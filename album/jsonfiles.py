"""Reading big JSON files on a background thread without freezing the GUI thread.

`json.loads` parses a whole document in one C call and holds the GIL throughout: 0.25-0.4 s for
the 12-16 MB files album reads at start-up (the WordNet lexicon, GeoNames' cities), and the GUI
thread cannot paint or handle input until it returns. `loads_gradually` parses the top levels in
Python and hands each entry below them to the same C scanner, so the GIL can change hands between
entries (every few ms) while the result stays identical to `json.loads`. It costs about twice the
CPU time, spent on a background thread.
"""

from __future__ import annotations

import json
import re
from typing import Any

_scan_once = json.JSONDecoder().scan_once  # the C scanner json.loads uses, one value per call
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def loads_gradually(text: str, depth: int = 1) -> Any:
    """`json.loads(text)`, with objects and arrays down to `depth` levels taken apart in Python.

    depth: 1 decodes each member of the top-level object or array in one C call (right for a
    big object of small records, such as GeoNames' cities by id); 2 also takes apart the members'
    members (an object of a few big tables, such as the lexicon's synsets and lemmas).
    """
    value, end = _value(text, _skip(text, 0), depth)
    if _skip(text, end) != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _skip(text: str, at: int) -> int:
    return _WHITESPACE.match(text, at).end()


def _expect(text: str, at: int, characters: str) -> str:
    if at >= len(text) or text[at] not in characters:
        raise json.JSONDecodeError(f"Expecting one of {characters!r}", text, at)
    return text[at]


def _scan(text: str, at: int) -> tuple[Any, int]:
    try:
        return _scan_once(text, at)
    except StopIteration as error:  # the scanner's way of saying "no value here"
        raise json.JSONDecodeError("Expecting value", text, error.value) from None


def _value(text: str, at: int, depth: int) -> tuple[Any, int]:
    if depth == 0 or at >= len(text) or text[at] not in "{[":
        return _scan(text, at)
    if text[at] == "{":
        return _object(text, _skip(text, at + 1), depth)
    return _array(text, _skip(text, at + 1), depth)


def _object(text: str, at: int, depth: int) -> tuple[dict, int]:
    result: dict[str, Any] = {}
    if _expect(text, at, '"}') == "}":
        return result, at + 1
    while True:
        _expect(text, at, '"')
        key, at = _scan(text, at)
        at = _skip(text, at)
        _expect(text, at, ":")
        result[key], at = _value(text, _skip(text, at + 1), depth - 1)
        at = _skip(text, at)
        if _expect(text, at, ",}") == "}":
            return result, at + 1
        at = _skip(text, at + 1)


def _array(text: str, at: int, depth: int) -> tuple[list, int]:
    result: list[Any] = []
    if at < len(text) and text[at] == "]":
        return result, at + 1
    while True:
        item, at = _value(text, at, depth - 1)
        result.append(item)
        at = _skip(text, at)
        if _expect(text, at, ",]") == "]":
            return result, at + 1
        at = _skip(text, at + 1)
