"""Gnina's CNN scoring, built in: ``CNNscore``, ``CNNaffinity`` and ``CNN_VS`` without gnina.

The scorer types atoms as the gnina program does (its OpenBabel perception is
repeated in :mod:`madlab.engines.cnn.perception`), draws libmolgrid's density
grids and runs gnina's trained networks with PyTorch, whose weights come from
the ``gninatorch`` package (``pip install 'madlab[cnn]'``). Importing this
package does not import torch; :class:`CnnScorer` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from madlab.engines.cnn.models import DEFAULT_ENSEMBLE, available_models

if TYPE_CHECKING:
    from madlab.engines.cnn.scorer import CnnScorer, CnnScores

__all__ = ["DEFAULT_ENSEMBLE", "CnnScorer", "CnnScores", "available_models"]


def __getattr__(name: str) -> Any:
    if name in ("CnnScorer", "CnnScores"):
        from madlab.engines.cnn import scorer

        return getattr(scorer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
