"""Score poses with gnina's CNN models: ``CNNscore``, ``CNNaffinity`` and ``CNN_VS``.

A :class:`CnnScorer` types the receptor once (as the gnina program does),
types each pose, draws the grids of all poses of a call and runs each member
network once on the whole batch. For an ensemble, ``CNNscore`` is the mean of
the members' pose probabilities, ``CNNaffinity`` the mean of their affinities
and ``CNNaffinity_variance`` the population variance of those affinities, as
in gnina. ``CNN_VS`` is ``CNNscore * CNNaffinity``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rdkit import Chem

from madlab.engines.cnn.atomtypes import ChannelMap, TypedAtoms
from madlab.engines.cnn.featurize import pose_grid
from madlab.engines.cnn.grid import GridSpec
from madlab.engines.cnn.ligand import type_ligand
from madlab.engines.cnn.models import ModelSpec, resolve
from madlab.engines.cnn.receptor import load_receptor
from madlab.engines.cnn.weights import load_network
from madlab.errors import ValidationError


@dataclass(frozen=True)
class CnnScores:
    """CNN scores of one pose.

    Attributes
    ----------
    cnn_score
        Probability that the pose is correct (``CNNscore``), 0 to 1.
    cnn_affinity
        Predicted binding affinity in pK units (``CNNaffinity``).
    cnn_vs
        ``CNNscore * CNNaffinity`` (``CNN_VS``), gnina's virtual screening score.
    cnn_affinity_variance
        Population variance of the members' affinities (``CNNaffinity_variance``);
        None for a single model.
    """

    cnn_score: float
    cnn_affinity: float
    cnn_vs: float
    cnn_affinity_variance: float | None = None


def _default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def _full_fp32(device: torch.device) -> Iterator[None]:
    """Run CUDA convolutions and matrix products in full float32.

    PyTorch lets cuDNN convolutions use TF32 by default, which moves the scores
    by ~1e-3 against the gnina program's float32 results. The previous settings
    come back on exit.
    """
    if device.type != "cuda":
        yield
        return
    conv = torch.backends.cudnn.conv  # type: ignore[attr-defined]
    matmul = torch.backends.cuda.matmul
    saved = (conv.fp32_precision, matmul.fp32_precision)
    conv.fp32_precision = matmul.fp32_precision = "ieee"
    try:
        yield
    finally:
        conv.fp32_precision, matmul.fp32_precision = saved


def _poses(poses: Chem.Mol | Sequence[Chem.Mol]) -> list[tuple[Chem.Mol, int]]:
    if isinstance(poses, Chem.Mol):
        ids = [c.GetId() for c in poses.GetConformers()]
        if not ids:
            raise ValidationError(
                "the pose has no coordinates",
                field="poses",
                hint="pass molecules with 3D conformers",
            )
        return [(poses, cid) for cid in ids]
    out = []
    for k, mol in enumerate(poses):
        if not isinstance(mol, Chem.Mol):
            raise ValidationError(
                f"pose {k + 1} is not an RDKit molecule",
                field="poses",
                hint="read poses with rdkit.Chem.SDMolSupplier",
            )
        out.append((mol, -1))
    return out


class CnnScorer:
    """Gnina-compatible CNN scoring on CPU or GPU.

    Parameters
    ----------
    model
        A model or ensemble name (see :func:`madlab.engines.cnn.models.available_models`),
        or a sequence of single model names to use as an ensemble; ``default`` is
        gnina 1.0's default ensemble.
    device
        Torch device; by default a GPU when torch sees one, else the CPU. On a
        GPU the networks run in full float32 (no TF32), as the program's
        results need.
    batch_size
        Most poses drawn and evaluated at once.

    Raises
    ------
    madlab.errors.ValidationError
        If the model name is unknown.
    """

    def __init__(
        self,
        model: str | Sequence[str] = "default",
        device: str | torch.device | None = None,
        batch_size: int = 16,
    ) -> None:
        if batch_size < 1:
            raise ValidationError("batch_size must be at least 1", field="batch_size")
        if isinstance(model, str):
            self.members: tuple[ModelSpec, ...] = resolve(model)
        else:
            if not model:
                raise ValidationError("an ensemble needs at least one model", field="model")
            self.members = tuple(spec for name in model for spec in resolve(name))
        self.model = model
        self.device = torch.device(device) if device is not None else _default_device()
        self.batch_size = batch_size
        self.grid = GridSpec()
        self._receptors: dict[tuple[str, float], TypedAtoms] = {}

    def receptor(self, path: str | os.PathLike[str]) -> TypedAtoms:
        """Type a receptor PDB file (cached by path and modification time)."""
        p = Path(path)
        key = (str(p.resolve()), p.stat().st_mtime if p.exists() else 0.0)
        if key not in self._receptors:
            self._receptors[key] = load_receptor(p)
        return self._receptors[key]

    def score(
        self, receptor: TypedAtoms | str | os.PathLike[str], poses: Chem.Mol | Sequence[Chem.Mol]
    ) -> list[CnnScores]:
        """Score poses against a receptor.

        Parameters
        ----------
        receptor
            A receptor PDB file, or atoms already typed (:func:`load_receptor`).
        poses
            One molecule (each of its conformers is a pose) or a sequence of
            molecules (one pose each). All poses are drawn and evaluated together,
            ``batch_size`` at a time.

        Returns
        -------
        list[CnnScores]
            One result per pose, in input order.
        """
        probs, affinities = self.member_outputs(receptor, poses)
        score = probs.mean(axis=1)
        affinity = affinities.mean(axis=1, dtype=np.float32)
        variance = None
        if len(self.members) > 1:
            variance = ((affinities - affinity[:, None]) ** 2).mean(axis=1)
        return [
            CnnScores(
                cnn_score=float(score[i]),
                cnn_affinity=float(affinity[i]),
                cnn_vs=float(score[i] * affinity[i]),
                cnn_affinity_variance=None if variance is None else float(variance[i]),
            )
            for i in range(len(score))
        ]

    def member_outputs(
        self, receptor: TypedAtoms | str | os.PathLike[str], poses: Chem.Mol | Sequence[Chem.Mol]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Pose probability and affinity of each pose under each member model.

        Parameters
        ----------
        receptor, poses
            As for :meth:`score`.

        Returns
        -------
        tuple of numpy.ndarray
            Probabilities (float64) and affinities (float32), each of shape
            (poses, members), members in the order of :attr:`members`.
        """
        rec = receptor if isinstance(receptor, TypedAtoms) else self.receptor(receptor)
        ligands = [type_ligand(mol, cid) for mol, cid in _poses(poses)]
        return self.score_typed(rec, ligands)

    def score_typed(
        self, receptor: TypedAtoms, ligands: Sequence[TypedAtoms]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Member outputs for poses already typed (see :meth:`member_outputs`)."""
        probs, affinities = [], []
        for start in range(0, len(ligands), self.batch_size):
            p, a = self._score_batch(receptor, list(ligands[start : start + self.batch_size]))
            probs.append(p)
            affinities.append(a)
        if not probs:
            n = len(self.members)
            return np.zeros((0, n)), np.zeros((0, n), dtype=np.float32)
        return np.concatenate(probs), np.concatenate(affinities)

    def _grids(
        self, rec: TypedAtoms, ligands: list[TypedAtoms], rmap: ChannelMap, lmap: ChannelMap
    ) -> torch.Tensor:
        return torch.stack(
            [pose_grid(rec, lig, rmap, lmap, self.grid, self.device) for lig in ligands]
        )

    @torch.no_grad()
    def _score_batch(
        self, rec: TypedAtoms, ligands: list[TypedAtoms]
    ) -> tuple[np.ndarray, np.ndarray]:
        with _full_fp32(self.device):
            return self._run_members(rec, ligands)

    def _run_members(
        self, rec: TypedAtoms, ligands: list[TypedAtoms]
    ) -> tuple[np.ndarray, np.ndarray]:
        grids: dict[tuple[str, str], torch.Tensor] = {}
        probs, affinities = [], []
        for spec in self.members:
            key = (spec.receptor_map.name, spec.ligand_map.name)
            if key not in grids:
                grids[key] = self._grids(rec, ligands, spec.receptor_map, spec.ligand_map)
            net = load_network(spec, self.device, self.grid)
            logits, affinity = net(grids[key])
            probs.append(torch.softmax(logits, dim=1)[:, 1].double().cpu().numpy())
            affinities.append(affinity.float().cpu().numpy())
        return np.stack(probs, axis=1), np.stack(affinities, axis=1).astype(np.float32)
