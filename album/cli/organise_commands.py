"""Commands that organise photos: labels, tags and albums."""

from __future__ import annotations

import json
from pathlib import Path

from album.cli.arguments import check_name, fraction, name, text
from album.errors import AlbumError


def register(commands) -> None:
    labels = commands.add_parser("labels", help="the words album tags photos with")
    labels.add_argument("action", choices=["list", "add", "remove", "reset"], nargs="?", default="list")
    labels.add_argument("name", nargs="?", type=name, help="the label, e.g. 'my dog'")
    labels.add_argument("--prompt", action="append", default=[], type=name, metavar="TEXT",
                        help="a sentence describing the label (repeatable); default: templates")
    labels.add_argument("--threshold", type=fraction, help="0-1: how sure a tag must be (default 0.5)")
    labels.add_argument("--explain", action="store_true",
                        help="also say how the model reads each label (e.g. a dictionary sense for rare words)")
    labels.add_argument("--json", action="store_true")
    labels.set_defaults(handler=_labels)

    tags = commands.add_parser("tags", help="show tags, or add/remove one by hand")
    tags.add_argument("words", nargs="*", metavar="[add|remove TAG] PATH",
                      help="photos to show (default: all), or `add TAG PATH...` / `remove TAG PATH...`")
    tags.add_argument("--json", action="store_true")
    tags.set_defaults(handler=_tags, check=_check_tags)

    albums = commands.add_parser("albums", help="manual, smart and event albums")
    albums.add_argument("action", choices=["list", "create", "show", "add", "remove", "delete", "export", "organise",
                                           "rename", "merge", "split", "hide", "unhide"],
                        nargs="?", default="list")
    albums.add_argument("name", nargs="?", type=name, help="album name (for organise: tags, place-month or events)")
    albums.add_argument("paths", nargs="*", metavar="PATH",
                        help="photos (create/add/remove), a folder (export), the new name (rename), "
                             "other events (merge) or the first photo of the new event (split)")
    albums.add_argument("--query", type=text, help="smart album: what to look for, e.g. 'beach'")
    albums.add_argument("--tag", action="append", default=[], type=name, help="smart album: photos with this tag")
    albums.add_argument("--place", type=name, help="smart album: a city, region or country")
    albums.add_argument("--from", dest="date_from", type=text, metavar="DATE", help="smart album: taken on or after")
    albums.add_argument("--to", dest="date_to", type=text, metavar="DATE", help="smart album: taken on or before")
    albums.add_argument("--link", action="store_true", help="export: symlinks instead of copies")
    albums.add_argument("--home", type=name, metavar="PLACE|LAT,LON|auto",
                        help="organise events: where home is (default: where most photos are taken)")
    albums.add_argument("--refresh", action="store_true", help="organise events: work out every title and cover again")
    albums.add_argument("--json", action="store_true")
    albums.set_defaults(handler=_albums, check=_check_albums)


def _labels(library, args) -> int:
    if args.action in ("add", "remove") and not args.name:
        raise AlbumError(f"which label? e.g. `album labels {args.action} beach`")
    if args.action == "add":
        library.add_label(args.name, args.prompt, args.threshold)
    elif args.action == "remove":
        library.remove_label(args.name)
    elif args.action == "reset":
        library.reset_labels()
    labels = library.labels.list()
    if args.json:
        print(json.dumps([label.to_json() for label in labels], indent=2))
    elif args.action == "list":
        for label in labels:
            threshold = f" (threshold {label.threshold:g})" if label.threshold is not None else ""
            prompts = f": {'; '.join(label.prompts)}" if label.prompts else ""
            reading = library.tagging.explain_label(label) if args.explain else ""
            print(f"{label.name}{threshold}{prompts}{f'  [{reading}]' if reading else ''}")
    return 0


def _check_tags(args) -> None:
    words = args.words
    if len(words) > 1 and words[0] in ("add", "remove"):
        check_name(words[1], "the tag")  # the PATHs after it may be any bytes


def _tags(library, args) -> int:
    words = list(args.words)
    if words and words[0] in ("add", "remove"):
        if len(words) < 3:
            raise AlbumError(f"usage: album tags {words[0]} TAG PATH...")
        action, tag, paths = words[0], words[1], words[2:]
        for path in paths:
            (library.tag if action == "add" else library.untag)(path, tag)
        words = paths
    tags = library.tags(words or None)
    if args.json:
        print(json.dumps({path: [t.to_json() for t in found] for path, found in sorted(tags.items())}, indent=2))
        return 0
    for path, found in sorted(tags.items()):
        shown = ", ".join(t.tag + ("*" if t.source == "manual" else f" {t.score:.2f}") for t in found)
        print(f"{path}: {shown}")
    return 0


def _check_albums(args) -> None:
    """The words among PATH...: rename's new name, merge's other events (the rest are files and folders)."""
    if args.action == "rename":
        for new_name in args.paths[:1]:
            check_name(new_name, "the new name")
    elif args.action == "merge":
        for event in args.paths:
            check_name(event, "the event name")


def _albums(library, args) -> int:
    albums = library.albums
    if args.action not in ("list", "organise") and not args.name:
        raise AlbumError(f"which album? e.g. `album albums {args.action} Holidays`")
    if args.action == "create":
        if args.query or args.tag or args.place or args.date_from or args.date_to:
            from album.services.albums import SmartQuery

            query = SmartQuery(args.query or "", tuple(args.tag), args.place, args.date_from, args.date_to)
            albums.create_smart(args.name, query)
        else:
            albums.create(args.name, library.photo_ids(args.paths))
    elif args.action in ("add", "remove"):
        change = albums.add_photos if args.action == "add" else albums.remove_photos
        change(args.name, library.photo_ids(args.paths))
    elif args.action == "delete":
        albums.delete(args.name)
    elif args.action == "export":
        if len(args.paths) != 1:
            raise AlbumError("usage: album albums export NAME FOLDER [--link]")
        summary = albums.export(args.name, Path(args.paths[0]), link=args.link)
        _print_export(summary, args)
        return 1 if summary.failed else 0
    elif args.action in EVENT_ACTIONS:
        return _event_action(library, args)
    elif args.action == "organise":
        by = args.name or "tags"
        if by == "events":
            return _organise_events(library, args)
        if by not in ("tags", "place-month"):
            raise AlbumError("organise by `tags`, `place-month` or `events`")
        created = albums.organise_by_tags() if by == "tags" else albums.organise_by_place_and_month()
        print("\n".join(f"created {album.name}" for album in created) or "no new albums")
        return 0
    if args.action == "show":
        ids = albums.photo_ids(args.name)
        by_id = library.photos.paths(ids)
        paths = [by_id[i] for i in ids if i in by_id]
        print(json.dumps(paths, indent=2) if args.json else "\n".join(paths))
        return 0
    listing = [{"name": a.name, "kind": a.kind, "photos": len(albums.photo_ids(a.name))} for a in albums.list()]
    if args.json:
        print(json.dumps(listing, indent=2))
    else:
        for album in listing:
            print(f"{album['name']} ({album['kind']}, {album['photos']} photos)")
    return 0


def _print_export(summary, args) -> None:
    if args.json:
        print(json.dumps(summary.__dict__))
        return
    print(f"{summary.copied} copied, {summary.linked} linked, {summary.skipped} already there"
          + (f", {len(summary.missing)} missing on disk" if summary.missing else "")
          + (f", {len(summary.failed)} failed" if summary.failed else ""))
    for path, name in summary.shortened.items():
        print(f"  shortened: {path} -> {name} (its name is too long for that folder)")
    for path, why in summary.failed.items():
        print(f"  failed: {path}: {why}")


EVENT_ACTIONS = ("rename", "merge", "split", "hide", "unhide")


def _event_action(library, args) -> int:
    if args.action == "rename":
        if len(args.paths) != 1:
            raise AlbumError("usage: album albums rename NAME NEW_NAME")
        library.albums.rename(args.name, args.paths[0])
    elif args.action == "merge":
        if not args.paths:
            raise AlbumError("usage: album albums merge EVENT OTHER_EVENT...")
        _print_events(library.events.merge([args.name, *args.paths]), args)
    elif args.action == "split":
        if len(args.paths) != 1:
            raise AlbumError("usage: album albums split EVENT PHOTO  (PHOTO: the first photo of the new event)")
        _print_events(library.events.split(args.name, library.photo_ids(args.paths)[0]), args)
    elif args.action == "hide":
        _print_events(library.events.hide(args.name), args)
    else:
        _print_events(library.events.unhide(args.name), args)
    return 0


def _organise_events(library, args) -> int:
    if args.home:
        _set_home(library, args.home)
    _print_events(library.events.organise(refresh=args.refresh), args)
    return 0


def _set_home(library, text: str) -> None:
    if text == "auto":
        library.events.set_home(None)
        return
    parts = text.replace(" ", "").split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        places = [p for p in library.places.lookup(text) if p.lat is not None]
        if not places:
            raise AlbumError(f"no city called {text!r}: give a city or a position such as 48.85,2.35") from None
        lat, lon = places[0].lat, places[0].lon
    library.events.set_home(lat, lon)


def _print_events(summary, args) -> None:
    if args.json:
        print(json.dumps(summary.to_json(), indent=2))
        return
    if summary.reason:
        print(f"no events: {_why_no_events(summary)}")
        return
    print(f"{summary.events} events ({summary.photos_in_events} photos): {summary.created} new, "
          f"{summary.updated} updated, {summary.removed} removed" + (f", {summary.hidden} hidden" if summary.hidden else ""))
    if summary.unsure:
        print(f"{summary.unsure} photos without an EXIF capture date were left out (file times are not trusted)")


def _why_no_events(summary) -> str:
    from album.services.events import NO_CAPTURE_DATES, NO_PHOTOS

    if summary.reason == NO_PHOTOS:
        return "the library has no photos yet"
    if summary.reason == NO_CAPTURE_DATES:
        return (f"none of the {summary.unsure + summary.undated} photos has a capture date in its EXIF; "
                "file times (often when a photo was copied) are not trusted to make events")
    return (f"no trip away from home and no busy day among the {summary.dated} photos with a capture date"
            + (f" ({summary.unsure} more have only a file time)" if summary.unsure else ""))
