"""Prompt templates that turn a label into sentences, shared by training, tagging and benchmarks.

Averaging the embeddings of several phrasings of one label (a prompt ensemble) gives a steadier
label vector than any single sentence; the product's tagging, search for typed phrases and the
zero-shot benchmark use the same ensemble (ENSEMBLE_TEMPLATES) so that what is measured is what
ships.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

LABEL_TEMPLATES: tuple[str, ...] = (
    "a photo of a {}.",
    "a picture of a {}.",
    "a close-up photo of a {}.",
    "a photo of the {}.",
    "a good photo of a {}.",
    "a photo of a small {}.",
    "a photo of a large {}.",
    "a cropped photo of a {}.",
)
# A label or a typed phrase is embedded with the first four of them: eight measured no better
# and cost twice the text-encoder time a typed phrase waits for. album-mini, each recalibrated
# (bench.prompt_ensembles): Caltech held-out F1 / all-85 precision with 8 templates 0.550 / 0.615,
# 4: 0.553 / 0.614, 2: 0.521 / 0.597 (under the 0.60 target), 1: 0.548 / 0.613. Familiar
# words (433 caption nouns over 2,500 Flickr8k photos, mean AP, paired against four): eight
# -0.0026, two +0.0010, one -0.0021 (95% intervals exclude 0). The heads' ImageNet class texts
# were made with all eight in training (imagenet_class_prompts).
ENSEMBLE_TEMPLATES: tuple[str, ...] = LABEL_TEMPLATES[:4]


def label_to_phrase(label: str) -> str:
    """`grand_piano` → `grand piano`: labels from folder names read as words."""
    return " ".join(label.replace("_", " ").split())


def label_prompts(label: str, templates: Sequence[str] = ENSEMBLE_TEMPLATES) -> list[str]:
    phrase = label_to_phrase(label)
    return [template.format(phrase) for template in templates]


def ensemble_label_vectors(labels: Sequence[str], encode_texts: Callable[[list[str]], np.ndarray],
                           templates: Sequence[str] = ENSEMBLE_TEMPLATES) -> np.ndarray:
    """One unit vector per label: the normalised mean of its prompts' embeddings. float32 [n, dim]."""
    prompts = [prompt for label in labels for prompt in label_prompts(label, templates)]
    return ensemble_of(np.asarray(encode_texts(prompts), dtype=np.float32), len(labels))


def ensemble_of(prompt_vectors: np.ndarray, labels: int) -> np.ndarray:
    """One unit vector per label from its prompts' vectors, label by label in the rows. [labels, dim]"""
    vectors = np.asarray(prompt_vectors, dtype=np.float32).reshape(labels, -1, prompt_vectors.shape[-1]).mean(axis=1)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def label_vectors(model, labels: Sequence[str]) -> np.ndarray:
    """The vectors a model tags with: its own `label_vectors` when it has one (album-mini grounds
    unfamiliar words in a dictionary), else the plain prompt ensemble. float32 [n, dim]."""
    own = getattr(model, "label_vectors", None)
    if own is not None:
        return np.asarray(own(list(labels)), dtype=np.float32)
    return ensemble_label_vectors(labels, model.encode_texts)


def imagenet_class_prompts(templates: Sequence[str] = LABEL_TEMPLATES) -> list[tuple[int, str, bool]]:
    """Sentences describing each of the 1,000 ImageNet classes: `(class, text, is_definition)`.

    Every template with every WordNet synonym of the class (torchvision's short name first, then
    the lemmas timm ships, e.g. "tabby, tabby cat"), plus one sentence carrying the WordNet
    definition ("a photo of a ewer, an open vessel with a handle and a spout"). Synonyms and
    definitions let the text tower connect labels users type to classes it would not match by
    name alone.
    """
    from timm.data import ImageNetInfo

    from album.models.mini.towers import imagenet_class_names

    info = ImageNetInfo()
    short_names = imagenet_class_names()
    prompts: list[tuple[int, str, bool]] = []
    for k, short in enumerate(short_names):
        lemmas = [lemma.strip() for lemma in info.index_to_description(k).split(",") if lemma.strip()]
        names = [short] + [lemma for lemma in lemmas if lemma.lower() != short.lower()]
        prompts += [(k, prompt, False) for name in names for prompt in label_prompts(name, templates)]
        definition = info.index_to_description(k, detailed=True).split(": ", 1)[-1]
        prompts.append((k, f"a photo of a {short}, {definition}", True))
    return prompts
