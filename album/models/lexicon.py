"""What a label word means: a compact WordNet 3.0 noun lexicon shipped in resources/lexicon/.

album-mini learned its words from 6.6k Flickr captions, so a label like "ketch" or "euphonium"
means little to it. WordNet says what such a word is ("a sailing vessel with two masts", a kind
of "sailing vessel") and where it sits among the 1,000 ImageNet classes the image tower knows
(ImageNet classes are WordNet synsets: class n04147183 is the synset at offset 4147183).
album.models.mini.grounding turns that into better label vectors.

The resource is built once by `python -m album.models.lexicon_build [WORDNET_DICT_DIR]` from
WordNet's own dict files (Debian's `wordnet-base` installs them in /usr/share/wordnet) plus the
ImageNet class list that timm ships (album/models/lexicon_build.py). Reading it needs neither:
plain JSON, no network.
"""

from __future__ import annotations

import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path

from album.errors import ModelError
from album.jsonfiles import loads_gradually
from album.resources import resources_dir

LEXICON_FILE = "wordnet-nouns.json.gz"
SCHEMA = 1
PHYSICAL_ENTITY = 1930  # the synset offset of "physical entity"
_WORD = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


class LexiconError(ModelError):
    """The lexicon resource cannot be read, or its WordNet source cannot be built from."""


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
            raise LexiconError(f"lexicon schema {data.get('schema')}, this version reads {SCHEMA}")
        # synsets: offset -> [head word, definition, [hypernym offsets]]
        self._synsets = {int(k): v for k, v in data["synsets"].items()}
        self._lemmas: dict[str, list[int]] = data["lemmas"]  # lemma -> offsets, most common sense first
        self._exceptions: dict[str, str] = data["exceptions"]  # irregular plurals: "mice" -> "mouse"
        self.imagenet: list[int] = data["imagenet"]  # ImageNet class index -> synset offset
        self._imagenet_class = {offset: k for k, offset in enumerate(self.imagenet)}
        self._physical: dict[int, bool] = {}
        self._below: dict[int, frozenset[int]] | None = None  # built on first use
        self._hyponyms: dict[int, list[int]] = {}
        for offset, (_, _, hypernyms) in self._synsets.items():
            for parent in hypernyms:
                self._hyponyms.setdefault(parent, []).append(offset)

    @classmethod
    def load(cls, path: Path) -> "Lexicon":
        with gzip.open(path, "rt", encoding="utf-8") as stream:
            text = stream.read()
        # Read on a background thread at start-up: json.loads would hold the GIL for ~0.3 s.
        return cls(loads_gradually(text, depth=2))

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

    def warm_up(self) -> None:
        """Build the tables queries use, before the first query needs them."""
        self._classes_below_table()

    @property
    def warmed_up(self) -> bool:
        return self._below is not None

    def _classes_below(self, offset: int) -> frozenset[int]:
        """The ImageNet classes at or below a synset, not counting a class's own subtypes."""
        return self._classes_below_table().get(offset, frozenset())

    def _classes_below_table(self) -> dict[int, frozenset[int]]:
        if self._below is None:
            self._below = self._build_classes_below()
        return self._below

    def _build_classes_below(self) -> dict[int, frozenset[int]]:
        """Every synset's classes at once, walking up from each class (~1,000 short walks, a few
        ms) instead of down from the query's synset: a word three levels under "artifact" walked
        tens of thousands of synsets per query. A walk stops at another class, as the downward
        walk did: an ImageNet class's own subtypes are not classes."""
        below: dict[int, set[int]] = {}
        for k, start in enumerate(self.imagenet):
            stack, seen = [start], set()
            while stack:
                synset = stack.pop()
                if synset in seen or synset not in self._synsets:
                    continue
                seen.add(synset)
                below.setdefault(synset, set()).add(k)
                stack.extend(parent for parent in self._synsets[synset][2] if parent not in self._imagenet_class)
        return {synset: frozenset(classes) for synset, classes in below.items()}


@functools.lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return Lexicon.load(resources_dir() / "lexicon" / LEXICON_FILE)
