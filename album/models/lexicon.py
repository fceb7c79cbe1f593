"""What a label word means: a compact WordNet 3.0 noun lexicon shipped in resources/lexicon/.

album-mini learned its words from 6.6k Flickr captions, so a label like "ketch" or "euphonium"
means little to it. WordNet says what such a word is ("a sailing vessel with two masts", a kind
of "sailing vessel") and where it sits among the 1,000 ImageNet classes the image tower knows
(ImageNet classes are WordNet synsets: class n04147183 is the synset at offset 4147183).
album.models.mini.grounding turns that into better label vectors.

The resource is built once by `python -m album.models.lexicon --build [WORDNET_DICT_DIR]` from
WordNet's own dict files (Debian's `wordnet-base` installs them in /usr/share/wordnet) plus the
ImageNet class list that timm ships. Reading it needs neither: plain JSON, no network.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

from album.resources import resources_dir

LEXICON_FILE = "wordnet-nouns.json.gz"
SCHEMA = 1
PHYSICAL_ENTITY = 1930  # the synset offset of "physical entity"
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


@dataclass(frozen=True)
class Sense:
    """One meaning of a noun: its synset offset, head word, definition and direct hypernyms."""
    offset: int
    word: str
    definition: str
    hypernyms: tuple[int, ...]


class Lexicon:
    def __init__(self, data: dict):
        if data.get("schema") != SCHEMA:
            raise ValueError(f"lexicon schema {data.get('schema')}, this version reads {SCHEMA}")
        # synsets: offset -> [head word, definition, [hypernym offsets]]
        self._synsets = {int(k): v for k, v in data["synsets"].items()}
        self._lemmas: dict[str, list[int]] = data["lemmas"]  # lemma -> offsets, most common sense first
        self._exceptions: dict[str, str] = data["exceptions"]  # irregular plurals: "mice" -> "mouse"
        self.imagenet: list[int] = data["imagenet"]  # ImageNet class index -> synset offset
        self._imagenet_class = {offset: k for k, offset in enumerate(self.imagenet)}
        self._physical: dict[int, bool] = {}
        self._hyponyms: dict[int, list[int]] = {}
        for offset, (_, _, hypernyms) in self._synsets.items():
            for parent in hypernyms:
                self._hyponyms.setdefault(parent, []).append(offset)

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            return cls(json.load(stream))

    def sense(self, offset: int) -> Sense:
        word, definition, hypernyms = self._synsets[offset]
        return Sense(offset, word, definition, tuple(hypernyms))

    def lemmas(self, word: str) -> list[str]:
        """The dictionary forms a noun can stand for, singular first: "receipts" -> [receipt, receipts]
        (WordNet also lists "receipts" = income), "mice" -> [mouse], "dog" -> [dog], "quickly" -> []."""
        word = "_".join(word.lower().split())
        forms = [self._exceptions[word]] if word in self._exceptions else []
        for suffix, replacement in (("ies", "y"), ("ses", "s"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"),
                                    ("s", "")):
            if word.endswith(suffix) and len(word) > len(suffix):
                forms.append(word[:-len(suffix)] + replacement)
        forms.append(word)
        return list(dict.fromkeys(form for form in forms if form in self._lemmas))

    def senses(self, phrase: str, physical: bool = False) -> list[Sense]:
        """The meanings of a label: of the whole phrase ("grand piano") if WordNet knows it, else of
        its head noun, the last word it knows ("ceiling fan" -> fan, "my dog" -> dog). Most common
        sense first. `physical`: only physical senses (see is_physical), from the first candidate
        that has any."""
        words = _WORD.findall(phrase.lower())
        for candidate in [" ".join(words), *reversed(words)] if words else []:
            offsets = dict.fromkeys(offset for lemma in self.lemmas(candidate) for offset in self._lemmas[lemma])
            senses = [self.sense(offset) for offset in offsets if not physical or self.is_physical(offset)]
            if senses:
                return senses
        return []

    def is_physical(self, offset: int) -> bool:
        """Whether a sense is a physical thing (WordNet's "physical entity": objects, animals,
        plants, food, places...) rather than an act, a feeling or an amount."""
        if offset not in self._physical:
            parents = self._synsets[offset][2]
            self._physical[offset] = False  # guards against cycles while recursing
            self._physical[offset] = offset == PHYSICAL_ENTITY or any(self.is_physical(p) for p in parents)
        return self._physical[offset]

    def imagenet_relatives(self, offset: int, max_up: int = 2) -> list[int]:
        """ImageNet classes (indices) at or below this synset; if none, below its parent, then its
        grandparent (up to `max_up` levels): the nearest level that has any. "ketch" has none of
        its own, its parent "sailing vessel" holds schooner, catamaran and trimaran."""
        level = [offset]
        for _ in range(max_up + 1):
            found = sorted({k for synset in level for k in self._classes_below(synset)})
            if found:
                return found
            level = [parent for synset in level for parent in self._synsets[synset][2]]
        return []

    def _classes_below(self, offset: int) -> list[int]:
        found, stack, seen = [], [offset], set()
        while stack:
            synset = stack.pop()
            if synset in seen:
                continue
            seen.add(synset)
            if synset in self._imagenet_class:
                found.append(self._imagenet_class[synset])  # an ImageNet class: its own subtypes are not classes
            else:
                stack.extend(self._hyponyms.get(synset, ()))
        return found


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load(resources_dir() / "lexicon" / LEXICON_FILE)


# --- building the resource (developers only) ---------------------------------------------------

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
        raise SystemExit(f"{len(missing)} ImageNet classes are not in this WordNet (need 3.0): {missing[:5]}")
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build resources/lexicon/ from WordNet 3.0's dict files.")
    parser.add_argument("--build", type=Path, nargs="?", const=Path("/usr/share/wordnet"), required=True,
                        metavar="WORDNET_DICT_DIR", help="folder with data.noun, index.noun, noun.exc "
                        "(default /usr/share/wordnet: `apt install wordnet-base`)")
    parser.add_argument("--out", type=Path, default=resources_dir() / "lexicon" / LEXICON_FILE)
    args = parser.parse_args(argv)
    data = build(args.build, args.out)
    print(f"wrote {args.out}: {len(data['synsets'])} noun synsets, {len(data['lemmas'])} lemmas, "
          f"{args.out.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
