"""`album people`: list persons, name, merge (and undo the last merge), hide, and take a face out of a person."""

from __future__ import annotations

import json
import sys

from album.cli.feedback import progress_bar
from album.cli.arguments import check_text
from album.errors import AlbumError


def register(commands) -> None:
    people = commands.add_parser("people", help="the persons whose faces album found; name and merge them")
    people.add_argument("action", nargs="?", default="list",
                        choices=["list", "name", "merge", "undo-merge", "remove-face", "hide", "show", "scan",
                                 "regroup", "faces"])
    people.add_argument("args", nargs="*", metavar="ARG",
                        help="name ID NAME | merge ID ID... | undo-merge | remove-face PATH | hide ID | show ID | "
                             "faces on|off")
    people.add_argument("--person", type=int, metavar="ID", help="remove-face: the person the face is taken from")
    people.add_argument("--json", action="store_true",
                        help='print [{"id": n, "name": s|null, "faces": n, "photos": [path, ...]}, ...]')
    people.set_defaults(handler=_people, check=_check_people)


def _check_people(args) -> None:
    if args.action == "name":  # an empty name unnames the person
        check_text(" ".join(args.args[1:]), "the name")


def _people(library, args) -> int:
    action, rest = args.action, args.args
    service = library.people
    if action == "name":
        if len(rest) < 2:
            raise AlbumError("usage: album people name ID NAME")
        service.name(_id(rest[0]), " ".join(rest[1:]))
    elif action == "merge":
        if len(rest) < 2:
            raise AlbumError("usage: album people merge ID ID...  (all into the first)")
        ids = [_id(r) for r in rest]
        service.merge(ids[0], ids[1:])
        record = service.last_merge()
        if record is not None and record.target == ids[0]:
            print(f"merged {record.describe()}; `album people undo-merge` takes it back", file=sys.stderr)
    elif action == "undo-merge":
        if rest:
            raise AlbumError("usage: album people undo-merge  (takes the last merge back)")
        print(f"undid the merge of {service.undo_merge().describe()}", file=sys.stderr)
    elif action == "remove-face":
        if len(rest) != 1:
            raise AlbumError("usage: album people remove-face PATH [--person ID]")
        library.remove_face(rest[0], args.person)
    elif action in ("hide", "show"):
        if len(rest) != 1:
            raise AlbumError(f"usage: album people {action} ID")
        service.hide(_id(rest[0]), action == "hide")
    elif action == "scan":
        with progress_bar() as (report, cancel):
            summary = library.find_faces(progress=report, cancel=cancel)
        print(f"{summary.faces} faces in {summary.photos} photos in {summary.seconds:.1f}s", file=sys.stderr)
    elif action == "regroup":
        service.regroup(full=True)
    elif action == "faces":
        if rest not in (["on"], ["off"]):
            raise AlbumError("usage: album people faces on|off")
        service.set_enabled(rest == ["on"])
        print(f"the face pass is {rest[0]}", file=sys.stderr)
        return 0
    elif rest:
        raise AlbumError(f"`album people {action}` takes no arguments")
    people = service.people()
    if args.json:
        print(json.dumps([p.to_json() for p in people]))
        return 0
    for person in people:
        print(f"{person.id:5d}  {person.name or '(unnamed)'}  {person.faces} faces in {len(person.photos)} photos")
    if not people:
        reason = service.unavailable_reason()
        print(reason or "no persons yet: `album index` finds faces", file=sys.stderr)
    unsorted = len(service.unsorted())
    if unsorted:
        print(f"{unsorted} faces are unsorted (too few like them yet)", file=sys.stderr)
    return 0


def _id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise AlbumError(f"not a person id: {text!r} (see `album people`)") from None
