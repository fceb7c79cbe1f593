"""The command line: a thin layer over `Library`. The only place that prints or exits.

Each `*_commands` module registers its subcommands and their handlers; `main` opens the
library and calls the handler. A command line that cannot be used is refused with one line and
exit status 2 before the library opens (arguments.py); what album cannot do is one line and 1.
"""

from __future__ import annotations

import argparse
import logging
import sys

from album import __version__
from album.cli import find_commands, gui_commands, library_commands, organise_commands, people_commands
from album.cli.arguments import EXIT_BAD_ARGUMENTS, BadArgument, OneLineParser
from album.errors import AlbumError

COMMAND_MODULES = (library_commands, find_commands, organise_commands, people_commands, gui_commands)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="album", description="A smart photo album.")
    parser.add_argument("--version", action="version", version=f"album {__version__}")
    parser.add_argument("--library", metavar="DIR", help="library folder (default: $ALBUM_HOME or the user data dir)")
    parser.add_argument("--device", help="where models run: auto, cpu, cuda, mps (default: auto)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail on stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def command_names() -> list[str]:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(subparsers.choices)


def main(argv: list[str] | None = None) -> int:
    # A file name that is not valid UTF-8 is printed as the bytes it is (as ls and find do), so
    # `album search ... | xargs` reaches the file; a strict stdout would end in a traceback.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    # Pillow reports some oddities of a file (a malformed MPO index, a large image) as Python
    # warnings; route them through logging so they read like the rest of album's messages.
    logging.captureWarnings(True)
    if args.command is None:
        args.handler = gui_commands.open_app  # `album` alone opens the desktop app
    try:
        check = getattr(args, "check", None)  # arguments whose role depends on the action
        if check is not None:
            check(args)
        if args.handler is gui_commands.open_app:
            gui_commands.check_display(args)  # before the library and model load, and before Qt can abort
        from album.library import Library

        with Library.open(args.library, device=args.device) as library:
            return args.handler(library, args)
    except BadArgument as exc:
        print(f"album {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_ARGUMENTS
    except AlbumError as exc:
        print(f"album: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # `album tags | head`: the reader left; exit quietly like other Unix tools.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
