"""Commands that manage the library itself: folders, indexing, status, watching, the model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from album.cli.feedback import progress_bar, sigint_cancels
from album.errors import AlbumError
from album.progress import CancelToken


def register(commands) -> None:
    folders = commands.add_parser("folders", help="add, remove or list the folders album watches")
    folders.add_argument("action", choices=["add", "remove", "list"])
    folders.add_argument("paths", nargs="*", metavar="PATH")
    folders.add_argument("--json", action="store_true")
    folders.set_defaults(handler=_folders)

    index = commands.add_parser("index", help="add PATHs as folders (if given) and index everything")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    index.set_defaults(handler=_index)

    status = commands.add_parser("status", help="counts, model and index health")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)

    errors = commands.add_parser("errors", help="files that could not be read, and why")
    errors.add_argument("--json", action="store_true")
    errors.set_defaults(handler=_errors)

    watch = commands.add_parser("watch", help="keep the library up to date as files change (Ctrl-C stops)")
    watch.set_defaults(handler=_watch)

    model = commands.add_parser("model", help="show, list or switch the model that understands photos")
    model.add_argument("action", choices=["show", "list", "set"], nargs="?", default="show")
    model.add_argument("name", nargs="?", help="album-mini, onnx:org/repo[@DTYPE] or onnx:FOLDER, an open_clip "
                       "ARCH/TAG, or hf-hub:org/repo")
    model.add_argument("--model-file", metavar="PATH", help="a local checkpoint (safetensors or state dict)")
    model.add_argument("--arch", help="the open_clip architecture of --model-file (e.g. ViT-B-32)")
    model.add_argument("--json", action="store_true")
    model.set_defaults(handler=_model)


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
    with progress_bar() as (report, cancel):
        summary = library.index(progress=report, cancel=cancel)
    if args.json:
        print(json.dumps(summary.to_json()))
    else:
        print(
            f"{summary.indexed} indexed, {summary.unchanged} unchanged, {summary.moved} moved, "
            f"{summary.removed} removed, {len(summary.failed)} failed in {summary.seconds:.1f}s"
            + (" (stopped early; run again to finish)" if summary.cancelled else "")
        )
        faces = summary.faces
        if faces is not None and faces.photos:
            print(f"  searchable after {summary.search_ready_seconds:.1f}s; then {faces.faces} faces found in "
                  f"{faces.photos} photos in {faces.seconds:.1f}s"
                  + (" (stopped early; run again to finish)" if faces.cancelled else ""))
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
    with sigint_cancels(cancel):
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
            print("  ...or onnx:org/repo or onnx:FOLDER (an ONNX CLIP export, optionally @q8), any open_clip "
                  "ARCH/TAG, hf-hub:org/repo, or --model-file PATH --arch ARCH")
        return 0
    if args.action == "set":
        if not args.name and not args.model_file:
            raise AlbumError("which model? e.g. `album model set onnx:Xenova/clip-vit-base-patch32`")
        from album.models import resolve_model

        source = resolve_model(args.name or "", model_file=args.model_file, arch=args.arch)
        if source.model_id != library.model_id:
            print(f"switching to {source.model_id}; search keeps using {library.model_id} until done", file=sys.stderr)
        with progress_bar() as (report, cancel):
            summary = library.set_model(source, progress=report, cancel=cancel)
        if library.pending_model_id:
            print(f"switch to {library.pending_model_id} paused; `album index` finishes it", file=sys.stderr)
        else:
            print(f"model is now {library.model_id} ({summary.embedded} photos re-embedded)", file=sys.stderr)
    status = {"model": library.model_id, "pending_model": library.pending_model_id}
    print(json.dumps(status) if args.json else f"{library.model_id}" + (
        f" (switching to {library.pending_model_id})" if library.pending_model_id else ""))
    return 0
