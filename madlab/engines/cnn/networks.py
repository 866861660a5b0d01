"""The architectures of gnina's built-in CNN models, in PyTorch.

Three families: ``default2017`` (three pooled 3×3×3 convolutions), ``default2018``
(five convolutions with average pooling) and ``dense`` (densely connected
blocks with batch normalization and a global max pool). Each network takes a
batch of density grids ``(B, C, 48, 48, 48)`` and returns the two pose logits
``(B, 2)`` and the predicted affinity ``(B,)`` in pK units. Layer attribute
names follow the names of gnina's trained weights, so a weight file loads as is.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class Default2017(nn.Module):
    """Gnina's 2017 default architecture (35 input channels).

    Parameters
    ----------
    channels
        Number of input channels.
    points
        Grid points per side of the input.
    """

    def __init__(self, channels: int = 35, points: int = 48) -> None:
        super().__init__()
        self.unit1_conv1 = nn.Conv3d(channels, 32, 3, padding=1)
        self.unit2_conv1 = nn.Conv3d(32, 64, 3, padding=1)
        self.unit3_conv1 = nn.Conv3d(64, 128, 3, padding=1)
        features = 128 * (points // 8) ** 3
        self.output_fc = nn.Linear(features, 2)
        self.output_fc_aff = nn.Linear(features, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return pose logits ``(B, 2)`` and affinities ``(B,)`` for grids ``x``."""
        for conv in (self.unit1_conv1, self.unit2_conv1, self.unit3_conv1):
            x = F.relu(conv(F.max_pool3d(x, 2)))
        x = torch.flatten(x, 1)
        return self.output_fc(x), self.output_fc_aff(x).squeeze(-1)


class Default2018(nn.Module):
    """Gnina's 2018 default architecture (28 input channels).

    Parameters
    ----------
    channels
        Number of input channels.
    points
        Grid points per side of the input.
    """

    def __init__(self, channels: int = 28, points: int = 48) -> None:
        super().__init__()
        self.unit1_conv = nn.Conv3d(channels, 32, 3, padding=1)
        self.unit2_conv = nn.Conv3d(32, 32, 1)
        self.unit3_conv = nn.Conv3d(32, 64, 3, padding=1)
        self.unit4_conv = nn.Conv3d(64, 64, 1)
        self.unit5_conv = nn.Conv3d(64, 128, 3, padding=1)
        features = 128 * (points // 8) ** 3
        self.pose_output = nn.Linear(features, 2)
        self.affinity_output = nn.Linear(features, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return pose logits ``(B, 2)`` and affinities ``(B,)`` for grids ``x``."""
        x = F.relu(self.unit1_conv(F.avg_pool3d(x, 2)))
        x = F.relu(self.unit2_conv(x))
        x = F.relu(self.unit3_conv(F.avg_pool3d(x, 2)))
        x = F.relu(self.unit4_conv(x))
        x = F.relu(self.unit5_conv(F.avg_pool3d(x, 2)))
        x = torch.flatten(x, 1)
        return self.pose_output(x), self.affinity_output(x).squeeze(-1)


class DenseBlock(nn.ModuleDict):
    """Four batch-normalized 3×3×3 convolutions, each fed all previous outputs.

    Parameters
    ----------
    level
        Index of the block in the network (part of the layer names).
    in_channels
        Channels entering the block.
    growth
        Channels added by each convolution.
    convs
        Number of convolutions.
    """

    def __init__(self, level: int, in_channels: int, growth: int = 16, convs: int = 4) -> None:
        super().__init__()
        self.level = level
        self.convs = convs
        width = in_channels
        for i in range(convs):
            self[f"data_enc_level{level}_batchnorm_conv{i}"] = nn.BatchNorm3d(width)
            self[f"data_enc_level{level}_conv{i}"] = nn.Conv3d(width, growth, 3, padding=1)
            width += growth
        self.out_channels = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return the input concatenated with every convolution's output."""
        for i in range(self.convs):
            norm = self[f"data_enc_level{self.level}_batchnorm_conv{i}"]
            conv = self[f"data_enc_level{self.level}_conv{i}"]
            x = torch.cat([x, F.relu(conv(norm(x)))], dim=1)
        return x


class Dense(nn.Module):
    """Gnina's densely connected architecture (28 input channels).

    Parameters
    ----------
    channels
        Number of input channels.
    points
        Grid points per side of the input (unused: the last pool is global).
    blocks
        Number of dense blocks.
    """

    def __init__(self, channels: int = 28, points: int = 48, blocks: int = 3) -> None:
        super().__init__()
        self.blocks = blocks
        self.data_enc_init_conv = nn.Conv3d(channels, 32, 3, padding=1)
        width = 32
        for level in range(blocks):
            block = DenseBlock(level, width)
            setattr(self, f"dense_block_{level}", block)
            width = block.out_channels
            if level < blocks - 1:
                setattr(self, f"data_enc_level{level}_bottleneck", nn.Conv3d(width, width, 1))
        self.pose_output = nn.Linear(width, 2)
        self.affinity_output = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Return pose logits ``(B, 2)`` and affinities ``(B,)`` for grids ``x``."""
        x = F.relu(self.data_enc_init_conv(F.max_pool3d(x, 2)))
        for level in range(self.blocks):
            x = getattr(self, f"dense_block_{level}")(x)
            if level < self.blocks - 1:
                x = F.relu(getattr(self, f"data_enc_level{level}_bottleneck")(x))
                x = F.max_pool3d(x, 2)
        x = torch.amax(x, dim=(2, 3, 4))
        return self.pose_output(x), self.affinity_output(x).squeeze(-1)
