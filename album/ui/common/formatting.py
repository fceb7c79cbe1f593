"""Turning typed data into the words and numbers people read. Only the UI formats; workers never do."""

from __future__ import annotations

import math
from pathlib import Path

from album.file_names import readable

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def month_label(taken_at: str | None) -> str:
    """'2019-03-04T10:00:00' → 'March 2019'; unknown dates read 'No date'."""
    if not taken_at or len(taken_at) < 7 or not taken_at[:4].isdigit():
        return "No date"
    try:
        return f"{MONTHS[int(taken_at[5:7]) - 1]} {taken_at[:4]}"
    except (ValueError, IndexError):
        return "No date"


def date_source_note(source: str | None) -> str:
    """What a date shown needs said about where it came from: nothing for a capture time."""
    if source == "exif-modified":
        return " (last edited)"  # EXIF DateTime: the camera's or an editor's last save
    return " (file date)" if source in (None, "file") else ""


def date_time(taken_at: str | None) -> str:
    if not taken_at:
        return "unknown"
    return taken_at.replace("T", " ")[:16]


def duration(seconds: float | None) -> str:
    """A rough, readable time left: '45 s', '3 min', '1 h 20 min'."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def file_size(size: int | None) -> str:
    if size is None:
        return "unknown"
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


def file_name(path: str) -> str:
    return readable(Path(path).name)


def path_text(path: str) -> str:
    """A whole path as text (a name that is not valid UTF-8 shows '�' where Qt would drop it)."""
    return readable(str(path))


def score(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
