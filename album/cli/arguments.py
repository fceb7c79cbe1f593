"""What the command line accepts: argument types, checks, and argparse's refusals as one line.

Linux hands a program its arguments as bytes; Python decodes them as UTF-8 and keeps a byte that
is not UTF-8 as a lone surrogate ('dog \\udcff'). A file or folder name may be any bytes, so
path arguments stay exactly as they came. Words are another matter: search text, tags, labels
and their prompts, album and person names must be text, so such an argument is refused here,
before it reaches the library. A refusal is one line on stderr and exit status 2, as argparse
gives for a command line it cannot use; an argument whose role depends on the action (`tags add
TAG PATH...`) is checked by its handler, which raises BadArgument to the same effect.
"""

from __future__ import annotations

import argparse
import math

from album.errors import AlbumError

EXIT_BAD_ARGUMENTS = 2  # argparse's status for a command line it cannot use


class BadArgument(AlbumError):
    """An argument cannot be used as given (the CLI exits with EXIT_BAD_ARGUMENTS)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, refusing a command line with one line ("album search: argument --limit: ...")
    instead of the usage block and a second line."""

    def error(self, message: str):
        self.exit(EXIT_BAD_ARGUMENTS, f"{self.prog}: {message}\n")


def shown(value: str) -> str:
    """The argument as typed, a byte that is not UTF-8 written as \\xff."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def text(value: str) -> str:
    """An argparse type: words (may be empty, such as a search by filters alone)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' is not valid text (UTF-8)") from None
    return value


def name(value: str) -> str:
    """An argparse type: a name or word that must say something (a tag, a label, an album)."""
    if not text(value).strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return value


def positive_int(value: str) -> int:
    """An argparse type: a whole number of at least 1 (a count such as --limit)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' is not a whole number of at least 1")
    return number


def fraction(value: str) -> float:
    """An argparse type: a number from 0 to 1 (a threshold)."""
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"'{shown(value)}' is not a number from 0 to 1")
    return number


def check_name(value: str, what: str) -> str:
    """For a check before the handler: `value` must be a name, as `name` checks; BadArgument
    says `what` it is ("the tag must not be empty")."""
    try:
        return name(value)
    except argparse.ArgumentTypeError as exc:
        raise BadArgument(f"{what} {exc}") from None


def check_text(value: str, what: str) -> str:
    """For a check before the handler: `value` must be text, as `text` checks."""
    try:
        return text(value)
    except argparse.ArgumentTypeError as exc:
        raise BadArgument(f"{what} {exc}") from None
