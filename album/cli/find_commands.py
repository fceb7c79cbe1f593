"""Commands that find photos: search, similar, duplicates (and undo for the trash)."""

from __future__ import annotations

import json
import sys

from album.cli.arguments import name, positive_int, text
from album.errors import AlbumError


def register(commands) -> None:
    search = commands.add_parser("search", help='find photos: "dog on a beach", "sunset in Paris", "beach 2019"')
    search.add_argument("text", type=text, help="what to look for; place and time words become filters; + and - combine")
    _result_options(search)
    search.add_argument("--all", dest="show_all", action="store_true", help="no relevance cutoff: rank everything")
    search.add_argument("--folder", help="only photos in this folder")
    search.add_argument("--from", dest="date_from", type=text, metavar="DATE", help="taken on or after (YYYY-MM-DD)")
    search.add_argument("--to", dest="date_to", type=text, metavar="DATE", help="taken on or before")
    search.add_argument("--tag", type=name, help="only photos with this tag")
    search.add_argument("--album", type=name, help="only photos in this album")
    search.add_argument("--camera", type=name, help="only photos from this camera (make or model)")
    search.add_argument("--place", type=name, help="only photos taken in this city, region or country")
    search.add_argument("--person", action="append", type=name, metavar="NAME",
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

    undo = commands.add_parser("undo", help="put back the files of the last trash action (or of ACTION)")
    undo.add_argument("action", nargs="?", type=name, metavar="ACTION",
                      help="the trash action to undo: its id from --list (its first characters will do)")
    undo.add_argument("--list", dest="list_actions", action="store_true",
                      help="the trash actions not undone yet, newest first: when, how many files, where they are")
    undo.add_argument("--json", action="store_true", help="with --list: print them as JSON")
    undo.set_defaults(handler=_undo)


def _result_options(parser) -> None:
    parser.add_argument("--limit", type=positive_int, default=50, metavar="N", help="at most N photos (default 50)")
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
    from album.services.trash import RestoreConflict

    trash = library.trash
    if args.list_actions:
        return _list_trash_actions(trash.actions(), args)
    if args.action:
        action, skipped = trash.action(args.action), []
    else:
        action, skipped = trash.next_undoable()
    for passed in skipped:  # emptied from the trash: never in the way of the actions before them
        print(f"skipped {passed.action_id} ({_when(passed)}, {_files(passed.files)}): no longer in the trash",
              file=sys.stderr)
    try:
        restored = library.undo_trash(action.action_id if action else None)
    except RestoreConflict as exc:
        raise AlbumError(f"{exc}; `album undo --list` shows the earlier actions") from None
    print("\n".join(f"restored {path}" for path in restored))
    for path in action.gone if action else ():
        print(f"not restored, no longer in the trash: {path}", file=sys.stderr)
    return 0


STATES = {
    "in_trash": lambda a: "in the trash" + (f" ({a.back} already put back by hand)" if a.back else ""),
    "partly_gone": lambda a: f"{a.in_trash + a.back} in the trash, {len(a.gone)} no longer in the trash",
    "gone": lambda a: "no longer in the trash",
    "blocked": lambda a: f"blocked: another file is at {a.blocked[0]}" + (
        f" and {len(a.blocked) - 1} more of its paths" if len(a.blocked) > 1 else ""),
}


def _list_trash_actions(actions, args) -> int:
    if args.json:
        print(json.dumps([{"action": a.action_id, "trashed_at": a.trashed_at.isoformat(), "files": a.files,
                           "state": a.state, "in_trash": a.in_trash, "back": a.back, "blocked": list(a.blocked),
                           "gone": list(a.gone)} for a in actions], indent=2))
        return 0
    for action in actions:
        print(f"{action.action_id}  {_when(action)}  {_files(action.files)}  {STATES[action.state](action)}")
    if not actions:
        print("no trash action to undo", file=sys.stderr)
    return 0


def _when(action) -> str:
    return action.trashed_at.astimezone().strftime("%Y-%m-%d %H:%M")


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"
