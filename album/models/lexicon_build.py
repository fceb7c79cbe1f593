"""Builds resources/lexicon/ (the WordNet noun lexicon album.models.lexicon reads); developers only.

    python -m album.models.lexicon_build [WORDNET_DICT_DIR] [--out FILE]

reads WordNet 3.0's own dict files (Debian's `wordnet-base` installs them in /usr/share/wordnet)
and the ImageNet class list that timm ships, and writes the same bytes on every run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

from album.models.lexicon import LEXICON_FILE, SCHEMA, LexiconError
from album.resources import resources_dir


def _read_data_noun(path: Path) -> dict[int, list]:
    """WordNet's data.noun: one synset per line, `offset lexfile n word_count (word lex_id)* pointer_count
    (symbol offset pos source/target)* | gloss`. Keyed by the offset field, not by byte position,
    so copies with CRLF line ends read the same."""
    synsets = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(" "):
            continue  # the licence header
        head, _, gloss = line.partition(" | ")
        fields = head.split()
        n_words = int(fields[3], 16)
        word = fields[4].replace("_", " ")
        at = 4 + 2 * n_words
        n_pointers = int(fields[at])
        hypernyms = [int(fields[at + 2 + 4 * i]) for i in range(n_pointers)
                     if fields[at + 1 + 4 * i] in ("@", "@i") and fields[at + 3 + 4 * i] == "n"]
        definition = gloss.strip().split('; "')[0].strip()  # drop the usage examples
        synsets[int(fields[0])] = [word, definition, hypernyms]
    return synsets


def _read_index_noun(path: Path) -> dict[str, list[int]]:
    """WordNet's index.noun: `lemma n synset_count pointer_count symbols... sense_count tagged offsets...`."""
    lemmas = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(" "):
            continue
        fields = line.split()
        n_pointers = int(fields[3])
        lemmas[fields[0]] = [int(offset) for offset in fields[6 + n_pointers:]]
    return lemmas


def build(wordnet_dir: Path, out: Path) -> dict:
    from timm.data import ImageNetInfo  # the ImageNet class order the image tower uses

    synsets = _read_data_noun(wordnet_dir / "data.noun")
    info = ImageNetInfo()
    imagenet = [int(info.index_to_label_name(k)[1:]) for k in range(info.num_classes())]
    missing = [offset for offset in imagenet if offset not in synsets]
    if missing:
        raise LexiconError(f"{len(missing)} ImageNet classes are not in this WordNet (need 3.0): {missing[:5]}")
    exceptions = {}
    for line in (wordnet_dir / "noun.exc").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) >= 2:
            exceptions[fields[0]] = fields[1]
    data = {"schema": SCHEMA, "source": "WordNet 3.0 nouns (Princeton University); see LICENSE",
            "synsets": synsets, "lemmas": _read_index_noun(wordnet_dir / "index.noun"),
            "exceptions": exceptions, "imagenet": imagenet}
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as stream:  # mtime 0: same bytes every build
        stream.write(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build resources/lexicon/ from WordNet 3.0's dict files.")
    parser.add_argument("wordnet", type=Path, nargs="?", default=Path("/usr/share/wordnet"),
                        metavar="WORDNET_DICT_DIR", help="folder with data.noun, index.noun, noun.exc "
                        "(default /usr/share/wordnet: `apt install wordnet-base`)")
    parser.add_argument("--out", type=Path, default=resources_dir() / "lexicon" / LEXICON_FILE)
    args = parser.parse_args(argv)
    try:
        data = build(args.wordnet, args.out)
    except (LexiconError, OSError) as error:
        print(f"cannot build the lexicon: {error}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {len(data['synsets'])} noun synsets, {len(data['lemmas'])} lemmas, "
          f"{args.out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
