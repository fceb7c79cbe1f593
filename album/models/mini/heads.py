"""The trained parts of album-mini: projection heads that map both towers into one space.

Image side, from the locked EfficientNet-Lite0 outputs:
  - the pooled 1280-d feature and pooled earlier-stage outputs, standardised;
  - the "semantic feature": the ImageNet softmax of the photo averaging the MiniLM embeddings of
    the 1,000 class prompts. It carries ImageNet's object knowledge into the text space, which
    Flickr captions alone cannot teach (zero-shot tagging goes from ~15% to ~45% with it).
Text side: the mean-pooled, L2-normalised MiniLM sentence embedding.
Both heads are linear: with ~6.6k training photos a deeper head overfits.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ImageHead(nn.Module):
    """Linear map of [standardised image features, semantic feature] to the joint space.

    `features` is the pooled 1280-d feature followed by the pooled outputs of a few earlier
    stages (see towers.image_tower_outputs); each block is standardised with training-set
    statistics and scaled to unit-ish norm (`feature_scale`) so no block dominates by size.
    """

    def __init__(self, dim: int, class_text: torch.Tensor, feature_mean: torch.Tensor, feature_std: torch.Tensor,
                 feature_scale: torch.Tensor, semantic_weight: float = 1.0, semantic_temperature: float = 1.0):
        super().__init__()
        # Buffers are saved with the weights; they are fixed during training.
        self.register_buffer("class_text", class_text.float())  # [1000, 384], unit rows
        self.register_buffer("feature_mean", feature_mean.float())
        self.register_buffer("feature_std", feature_std.float())
        self.register_buffer("feature_scale", feature_scale.float())
        self.register_buffer("semantic_weight", torch.tensor(float(semantic_weight)))
        self.register_buffer("semantic_temperature", torch.tensor(float(semantic_temperature)))
        self.proj = nn.Linear(len(feature_mean) + class_text.shape[1], dim)

    def standardise(self, features: torch.Tensor) -> torch.Tensor:
        return (features - self.feature_mean) / self.feature_std * self.feature_scale

    def semantic(self, logits: torch.Tensor) -> torch.Tensor:
        return (logits / self.semantic_temperature).softmax(dim=-1) @ self.class_text

    def project(self, standardised: torch.Tensor, semantic: torch.Tensor) -> torch.Tensor:
        joint = torch.cat([standardised, semantic * self.semantic_weight], dim=-1)
        return F.normalize(self.proj(joint), dim=-1)

    def forward(self, features: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        return self.project(self.standardise(features), self.semantic(logits))


class TextHead(nn.Module):
    def __init__(self, dim: int, text_dim: int = 384):
        super().__init__()
        self.proj = nn.Linear(text_dim, dim)

    def forward(self, sentence: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.proj(F.normalize(sentence, dim=-1)), dim=-1)


def average_heads(heads: list[nn.Module]) -> nn.Module:
    """One head whose weights are the mean of heads trained with different seeds ("model soup").

    It scores as well as keeping the seeds apart and averaging their outputs (measured on the
    held-out train photos), at a quarter of the size. Averaging weights is meaningful here
    because every text head is anchored to the identity (train.Recipe.text_anchor), so all
    seeds share one coordinate frame instead of arbitrary rotations of it.
    """
    import copy

    soup = copy.deepcopy(heads[0])
    with torch.no_grad():
        for name in ("weight", "bias"):
            getattr(soup.proj, name).copy_(torch.stack([getattr(h.proj, name) for h in heads]).mean(0))
    return soup
