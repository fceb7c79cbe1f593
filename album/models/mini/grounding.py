"""Label vectors for words album-mini never saw in training, grounded in WordNet and ImageNet.

album-mini's heads learned their words from Flickr captions. A label those captions name often
("dog", "beach") is best embedded as its plain prompt ensemble. A label they rarely or never
name ("ketch", "euphonium", "hawksbill") gets two more sources of meaning:
  1. its dictionary definition and kind, in the phrasing the heads were trained on for ImageNet
     classes: "a photo of a ketch, a sailing vessel with two masts...", "... a kind of sailing
     vessel" (first three senses averaged, so one odd sense does not decide);
  2. the ImageNet classes nearest to it in WordNet (its own subtypes, else its siblings or
     cousins: ketch -> schooner, catamaran, trimaran), as the heads embed those classes' texts.
     This borrows the image tower's visual knowledge of the neighbourhood.
A word counts as familiar when at least `familiar_captions` training captions use it (the counts
ship in caption-vocabulary.json, written by train.py).

Settings chosen on half of Caltech-101's 85 classes and measured on the other half, each half
scored against its own labels (`python -m bench.tagging --grid`; the fixed split is described
there). Of 162 settings (GRID there), the best on the tune half is gloss weight 3, 3 levels up,
neighbour weight 0.25 (tune top-1 71.3%); on the report half it gives top-1 64.8%, top-5 85.7%
against 60.4% and 81.1% for the plain prompt ensemble. The earlier mid-grid setting (gloss 2,
2 levels, 0.5; picked on all 85 classes) gives 65.6% there: the settings' differences are
within noise, the gain from grounding is not. On all 85 classes (bench.tagging's first line,
half of it seen while choosing): top-1 54.9%, top-5 80.6% (mid-grid: 55.4%, 80.4%; plain prompts
51.9%, 74.0%). Familiar everyday nouns keep their exact vectors. (Measured with the eight-template
ensemble; with today's four, ENSEMBLE_TEMPLATES: report half 65.0% / 85.5%, plain 60.4% / 81.0%,
all 85 54.9% / 80.5%.)
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from album.models.base import l2_normalise
from album.models.lexicon import Lexicon, Sense
from album.models.prompts import ensemble_of, label_prompts, label_to_phrase

VOCABULARY_FILE = "caption-vocabulary.json"


@dataclass(frozen=True)
class GroundingSettings:
    familiar_captions: int = 20  # a word in this many training captions is known well enough on its own
    senses: int = 3  # dictionary senses averaged for an unfamiliar word
    gloss_weight: float = 3.0  # dictionary prompts vs the plain prompt ensemble
    neighbour_levels: int = 3  # how far up WordNet to look for ImageNet classes
    neighbour_weight: float = 0.25  # the ImageNet neighbours' text vectors vs the label's own vector


_WORD = re.compile(r"[a-z]+")


def count_caption_words(captions: Iterable[str]) -> Counter:
    """How many captions use each word (once per caption), for caption-vocabulary.json."""
    counts: Counter = Counter()
    for caption in captions:
        counts.update(set(_WORD.findall(caption.lower())))
    return counts


def write_vocabulary(path: Path, counts: Counter, source: str) -> None:
    path.write_text(json.dumps({"source": source, "counts": dict(sorted(counts.items()))}, separators=(",", ":")))


def read_vocabulary(path: Path) -> dict[str, int]:
    return json.loads(path.read_text())["counts"]


class LabelGrounding:
    """Turns label phrases into unit vectors in album-mini's space (see the module docstring)."""

    def __init__(self, encode_texts: Callable[[list[str]], np.ndarray], lexicon: Lexicon,
                 caption_counts: dict[str, int], class_vectors: np.ndarray,
                 settings: GroundingSettings = GroundingSettings()):
        self.settings = settings
        self._encode = encode_texts
        self._lexicon = lexicon
        self._counts = caption_counts
        self._class_vectors = class_vectors  # [1000, dim]: each ImageNet class's texts through the text head

    def with_settings(self, settings: GroundingSettings, encode_texts=None) -> "LabelGrounding":
        """The same sources with other settings (bench.tagging's search), or another encoder."""
        return LabelGrounding(encode_texts or self._encode, self._lexicon, self._counts, self._class_vectors, settings)

    def warm_up(self) -> None:
        self._lexicon.warm_up()

    @property
    def warmed_up(self) -> bool:
        return self._lexicon.warmed_up

    def familiar(self, phrase: str) -> bool:
        """Whether training captions use each of the phrase's nouns often ("my dog": dog is what counts)."""
        words = _WORD.findall(phrase.lower())
        nouns = [word for word in words if self._lexicon.lemmas(word)] or words
        return bool(nouns) and min(self._count(word) for word in nouns) >= self.settings.familiar_captions

    def _count(self, word: str) -> int:
        forms = [word, word + "s", word + "es"] + ([word[:-1]] if word.endswith("s") else [])
        return max(self._counts.get(form, 0) for form in forms)

    def senses(self, phrase: str) -> list[Sense]:
        """The dictionary senses used for a phrase: its physical ones (a photo shows things, so
        "pyramid" is the monument, not the polyhedron); none for a familiar phrase, or for one
        with only abstract senses ("receipts": acknowledgment, income), which keeps its words."""
        if self.familiar(phrase):
            return []
        return self._lexicon.senses(phrase, physical=True)[: self.settings.senses]

    def _neighbours(self, senses: list[Sense]) -> list[int]:
        """ImageNet class indices that lend their visual knowledge to an unfamiliar phrase."""
        return self._lexicon.imagenet_relatives(senses[0].offset, self.settings.neighbour_levels) if senses else []

    def vectors(self, labels: Sequence[str]) -> np.ndarray:
        phrases = [label_to_phrase(label) for label in labels]
        senses = [self.senses(phrase) for phrase in phrases]
        glosses = [self._gloss_prompts(phrase, found) for phrase, found in zip(phrases, senses)]
        # One encode call for every prompt: the encoder batches them by length and runs the
        # batches side by side (a query waits for one call, not a plain then a gloss call).
        prompts = [prompt for phrase in phrases for prompt in label_prompts(phrase)]
        encoded = np.asarray(self._encode(prompts + [prompt for group in glosses for prompt in group]), np.float32)
        vectors = ensemble_of(encoded[:len(prompts)], len(phrases))
        start = len(prompts)
        for row, group in enumerate(glosses):
            if not group:
                continue
            gloss = l2_normalise(encoded[start:start + len(group)].mean(axis=0, keepdims=True))[0]
            start += len(group)
            vector = l2_normalise((vectors[row] + self.settings.gloss_weight * gloss)[None])[0]
            neighbours = self._neighbours(senses[row])
            if neighbours:
                borrowed = l2_normalise(self._class_vectors[neighbours].mean(axis=0, keepdims=True))[0]
                vector = l2_normalise((vector + self.settings.neighbour_weight * borrowed)[None])[0]
            vectors[row] = vector
        return vectors.astype(np.float32)

    def _gloss_prompts(self, phrase: str, senses: list[Sense]) -> list[str]:
        """The dictionary sentences for an unfamiliar phrase: each sense's definition and kind."""
        prompts = []
        for sense in senses:
            prompts.append(f"a photo of a {phrase}, {sense.definition}")
            if sense.hypernyms:
                prompts.append(f"a photo of a {phrase}, a kind of {self._lexicon.sense(sense.hypernyms[0]).word}")
        return prompts

    def explain(self, label: str) -> str:
        """How a label is read, for the labels list: '' when the plain words are used."""
        phrase = label_to_phrase(label)
        senses = self.senses(phrase)
        if not senses:
            return ""
        text = f"read as: {senses[0].definition}"
        neighbours = self._neighbours(senses)
        if neighbours:
            names = [self._lexicon.sense(self._lexicon.imagenet[k]).word for k in neighbours[:4]]
            text += f"; looks like: {', '.join(names)}{'...' if len(neighbours) > 4 else ''}"
        return text


def class_vectors(heads_file: Path) -> np.ndarray:
    """The ImageNet class texts (synonyms + definitions, shipped with the image head) through the
    text head: where the heads put each class in the joint space. Numpy only: no torch needed."""
    from safetensors.numpy import load_file

    tensors = load_file(str(heads_file))
    texts = l2_normalise(tensors["image.class_text"].astype(np.float32))
    projected = texts @ tensors["text.proj.weight"].astype(np.float32).T + tensors["text.proj.bias"].astype(np.float32)
    return l2_normalise(projected)
