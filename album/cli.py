"""The command line: a thin layer over `Library`. The only place that prints or exits."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Iterator

from album import __version__
from album.errors import AlbumError
from album.progress import CancelToken, Progress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="album", description="A smart photo album.")
    parser.add_argument("--version", action="version", version=f"album {__version__}")
    parser.add_argument("--library", metavar="DIR", help="library folder (default: $ALBUM_HOME or the user data dir)")
    parser.add_argument("--device", help="where models run: auto, cpu, cuda, mps (default: auto)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail on stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    folders = commands.add_parser("folders", help="add, remove or list the folders album watches")
    folders.add_argument("action", choices=["add", "remove", "list"])
    folders.add_argument("paths", nargs="*", metavar="PATH")
    folders.add_argument("--json", action="store_true")

    index = commands.add_parser("index", help="add PATHs as folders (if given) and index everything")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--json", action="store_true", help="print a JSON summary on stdout")

    status = commands.add_parser("status", help="counts, model and index health")
    status.add_argument("--json", action="store_true")

    errors = commands.add_parser("errors", help="files that could not be read, and why")
    errors.add_argument("--json", action="store_true")

    commands.add_parser("watch", help="keep the library up to date as files change (Ctrl-C stops)")

    model = commands.add_parser("model", help="show, list or switch the model that understands photos")
    model.add_argument("action", choices=["show", "list", "set"], nargs="?", default="show")
    model.add_argument("name", nargs="?", help="album-mini, an open_clip ARCH/TAG, or hf-hub:org/repo")
    model.add_argument("--model-file", metavar="PATH", help="a local checkpoint (safetensors or state dict)")
    model.add_argument("--arch", help="the open_clip architecture of --model-file (e.g. ViT-B-32)")
    model.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
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
        parser.print_help()
        return 0
    try:
        from album.library import Library

        with Library.open(args.library, device=args.device) as library:
            return COMMANDS[args.command](library, args)
    except AlbumError as exc:
        print(f"album: {exc}", file=sys.stderr)
        return 1


def _folders(library, args) -> int:
    if args.action == "add":
        for path in args.paths:
            folder = library.add_folder(path)
            print(f"added {folder.path}" if folder.path == Path(path).resolve() else f"{path} is inside {folder.path}")
    elif args.action == "remove":
        for path in args.paths:
            removed = library.remove_folder(path)
            print(f"removed {path} ({removed} photos forgotten; files untouched)")
    folders = [str(f.path) for f in library.list_folders()]
    if args.action == "list":
        print(json.dumps(folders, indent=2) if args.json else "\n".join(folders))
    return 0


def _index(library, args) -> int:
    for path in args.paths:
        library.add_folder(path)
    with _progress_bar() as (report, cancel):
        summary = library.index(progress=report, cancel=cancel)
    if args.json:
        print(json.dumps(summary.to_json()))
    else:
        print(
            f"{summary.indexed} indexed, {summary.unchanged} unchanged, {summary.moved} moved, "
            f"{summary.removed} removed, {len(summary.failed)} failed in {summary.seconds:.1f}s"
            + (" (stopped early; run again to finish)" if summary.cancelled else "")
        )
        for failure in summary.failed[:20]:
            print(f"  failed: {failure['path']}: {failure['error']}")
        if len(summary.failed) > 20:
            print(f"  ... and {len(summary.failed) - 20} more: see `album errors`")
    return 0


def _status(library, args) -> int:
    status = library.status()
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    index = status["index"]
    print(f"library  {status['library']}")
    print(f"folders  {len(status['folders'])}")
    for folder in status["folders"]:
        print(f"         {folder}")
    print(f"photos   {status['photos']} indexed, {status['failed']} could not be read")
    print(f"model    {status['model']} ({status['vectors']} vectors)")
    print(f"index    {index['count']} vectors, {index['state']}{' - ' + index['detail'] if index['detail'] else ''}")
    return 0


def _errors(library, args) -> int:
    errors = library.errors()
    if args.json:
        print(json.dumps(errors, indent=2))
    else:
        for error in errors:
            print(f"{error['path']}: {error['error']}")
    return 0


def _watch(library, args) -> int:
    from album.scan.watcher import LibraryWatcher

    cancel = CancelToken()
    with _sigint_cancels(cancel):
        watcher = LibraryWatcher(library, on_indexed=_print_watch_summary)
        watcher.start()
        count = len(library.list_folders())
        print(f"watching {count} folder{'' if count == 1 else 's'} ({watcher.mode}); Ctrl-C stops", file=sys.stderr)
        try:
            while not cancel.wait(1.0):
                pass
        finally:
            watcher.stop()
    return 0


def _print_watch_summary(summary) -> None:
    changes = {k: v for k, v in summary.to_json().items() if k in ("indexed", "moved", "removed") and v}
    failed = summary.failed
    if changes or failed:
        parts = [f"{v} {k}" for k, v in changes.items()] + ([f"{len(failed)} failed"] if failed else [])
        print("watch: " + ", ".join(parts), file=sys.stderr)


@contextlib.contextmanager
def _sigint_cancels(cancel: CancelToken) -> Iterator[None]:
    """First Ctrl-C asks the work to stop cleanly (keeping what is done); a second one aborts."""

    def handler(signum, frame):
        if cancel.cancelled:
            raise KeyboardInterrupt
        print("\nstopping after the current batch (Ctrl-C again to abort)...", file=sys.stderr)
        cancel.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _progress_bar():
    from tqdm import tqdm

    cancel = CancelToken()
    bar = tqdm(total=0, unit="photo", file=sys.stderr, disable=None, dynamic_ncols=True)

    def report(progress: Progress) -> None:
        if progress.phase == "scanning":
            bar.set_description("scanning")
            return
        bar.set_description("indexing")
        bar.total = progress.total
        bar.n = progress.done
        if progress.current:
            bar.set_postfix_str(Path(progress.current).name[-30:], refresh=False)
        bar.refresh()

    with _sigint_cancels(cancel):
        try:
            yield report, cancel
        finally:
            bar.close()


def _model(library, args) -> int:
    if args.action == "list":
        from album.models import available_models

        models = available_models()
        if args.json:
            print(json.dumps([m.__dict__ for m in models], indent=2))
        for m in [] if args.json else models:
            current = "*" if m.model_id == library.model_id else " "
            size = f" (≈{m.download_mb} MB download)" if m.download_mb else ""
            print(f"{current} {m.model_id:34} {m.description}{size}")
        if not args.json:
            print("  ...or any open_clip ARCH/TAG, hf-hub:org/repo, or --model-file PATH --arch ARCH")
        return 0
    if args.action == "set":
        if not args.name and not args.model_file:
            raise AlbumError("which model? e.g. `album model set ViT-B-32/laion2b_s34b_b79k`")
        from album.models import resolve_model

        source = resolve_model(args.name or "", model_file=args.model_file, arch=args.arch)
        if source.model_id != library.model_id:
            print(f"switching to {source.model_id}; search keeps using {library.model_id} until done", file=sys.stderr)
        with _progress_bar() as (report, cancel):
            summary = library.set_model(source, progress=report, cancel=cancel)
        if library.pending_model_id:
            print(f"switch to {library.pending_model_id} paused; `album index` finishes it", file=sys.stderr)
        else:
            print(f"model is now {library.model_id} ({summary.embedded} photos re-embedded)", file=sys.stderr)
    status = {"model": library.model_id, "pending_model": library.pending_model_id}
    print(json.dumps(status) if args.json else f"{library.model_id}" + (
        f" (switching to {library.pending_model_id})" if library.pending_model_id else ""))
    return 0


COMMANDS = {
    "folders": _folders, "index": _index, "status": _status, "errors": _errors, "watch": _watch, "model": _model,
}
