"""Commands that find photos: search, similar, duplicates (and undo for the trash)."""

from __future__ import annotations

import json
import sys

from album.errors import AlbumError


def register(commands) -> None:
    search = commands.add_parser("search", help='find photos: "dog on a beach", "sunset in Paris", "beach 2019"')
    search.add_argument("text", help="what to look for; place and time words become filters; + and - combine")
    _result_options(search)
    search.add_argument("--all", dest="show_all", action="store_true", help="no relevance cutoff: rank everything")
    search.add_argument("--folder", help="only photos in this folder")
    search.add_argument("--from", dest="date_from", metavar="DATE", help="taken on or after (YYYY-MM-DD)")
    search.add_argument("--to", dest="date_to", metavar="DATE", help="taken on or before")
    search.add_argument("--tag", help="only photos with this tag")
    search.add_argument("--album", help="only photos in this album")
    search.add_argument("--camera", help="only photos from this camera (make or model)")
    search.add_argument("--place", help="only photos taken in this city, region or country")
    search.add_argument("--person", action="append", metavar="NAME",
                        help="only photos with this person (repeatable: all must be in the photo)")
    search.set_defaults(handler=_search)

    similar = commands.add_parser("similar", help="photos that look like PATH (in the library or not)")
    similar.add_argument("path")
    _result_options(similar)
    similar.set_defaults(handler=_similar)

    duplicates = commands.add_parser("duplicates", help="exact copies, edited copies and similar shots")
    duplicates.add_argument("action", choices=["list", "keep", "distinct"], nargs="?", default="list")
    duplicates.add_argument("paths", nargs="*", metavar="PATH",
                            help="keep PATH: trash the rest of its group; distinct PATH...: not duplicates")
    duplicates.add_argument("--tier", choices=["exact", "same", "similar"])
    duplicates.add_argument("--json", action="store_true")
    duplicates.set_defaults(handler=_duplicates)

    undo = commands.add_parser("undo", help="put back the files of the last trash action")
    undo.set_defaults(handler=_undo)


def _result_options(parser) -> None:
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="at most N photos (default 50)")
    parser.add_argument("--json", action="store_true", help='print [{"path": p, "score": s}, ...]')


def _search(library, args) -> int:
    filters = {k: getattr(args, k) for k in ("folder", "date_from", "date_to", "tag", "album", "camera", "place", "person")}
    results = library.search(args.text, limit=args.limit, show_all=args.show_all,
                             **{k: v for k, v in filters.items() if v})
    return _print_results(results, args)


def _similar(library, args) -> int:
    return _print_results(library.similar(args.path, limit=args.limit), args)


def _print_results(results, args) -> int:
    for note in results.notes:
        print(note, file=sys.stderr)
    if args.json:
        print(json.dumps(results.to_json()))
        return 0
    for hit in results.hits:
        print(f"{hit.score:6.3f}  {hit.path}  {hit.why}")
    if not results.hits:
        print("no good matches", file=sys.stderr)
    return 0


def _duplicates(library, args) -> int:
    if args.action == "distinct":
        if len(args.paths) < 2:
            raise AlbumError("usage: album duplicates distinct PATH PATH...")
        library.mark_not_duplicates(args.paths)
        print(f"remembered: these {len(args.paths)} photos are not duplicates", file=sys.stderr)
        return 0
    groups = library.duplicates(args.tier)
    if args.action == "keep":
        if len(args.paths) != 1:
            raise AlbumError("usage: album duplicates keep PATH")
        keep = library.photo_ids(args.paths)[0]
        group = next((g for g in groups if keep in g.photo_ids), None)
        if group is None:
            raise AlbumError(f"{args.paths[0]} is in no duplicate group")
        action = library.resolve_duplicates(group, keep)
        print(f"moved {len(group.photo_ids) - 1} photos to the trash; `album undo` puts them back "
              f"(action {action})", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps([group.to_json() for group in groups], indent=2))
        return 0
    for group in groups:
        print(f"[{group.tier}] keep {group.keep.path}  ({group.reason})")
        for member in group.members[1:]:
            hamming = "" if member.hamming is None else f", {member.hamming} bits apart"
            print(f"    {member.path}  (similarity {member.cosine:.3f}{hamming})")
    if not groups:
        print("no duplicates found")
    return 0


def _undo(library, args) -> int:
    restored = library.undo_trash()
    print("\n".join(f"restored {path}" for path in restored))
    return 0
