"""From typed receptor and ligand atoms to the grid the gnina program feeds its models.

Gnina centres the grid on the mean position of the ligand's atoms, polar
hydrogens included. Receptor atoms go to the receptor channels by the model's
receptor map. Ligand atoms go to the ligand channels, which follow the
receptor's; a ligand atom the ligand map does not list (its polar hydrogens)
keeps the index -1 before that shift and so lands in the last receptor
channel, drawn with the hydrogen radius. The program's scores depend on that
detail, so it is kept.
"""

from __future__ import annotations

import numpy as np
import torch

from madlab.engines.cnn.atomtypes import XS_RADIUS, ChannelMap, TypedAtoms
from madlab.engines.cnn.grid import GridSpec, density_grid


def ligand_center(ligand: TypedAtoms) -> np.ndarray:
    """Mean of the ligand coordinates, accumulated in single precision as gnina does."""
    xyz = np.asarray(ligand.coords, dtype=np.float32)
    total = np.cumsum(xyz, axis=0, dtype=np.float32)[-1]
    return (total / np.float32(len(xyz))).astype(np.float32)


def grid_atoms(
    receptor: TypedAtoms, ligand: TypedAtoms, receptor_map: ChannelMap, ligand_map: ChannelMap
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates, channels and radii of every atom, receptor first.

    Parameters
    ----------
    receptor, ligand
        Typed atoms.
    receptor_map, ligand_map
        Channel maps of the model.

    Returns
    -------
    tuple of numpy.ndarray
        Coordinates (N, 3), channel indices (N,) (-1: not drawn) and radii (N,).
    """
    rec_ch = receptor_map.lookup()[receptor.types]
    lig_ch = ligand_map.lookup()[ligand.types] + receptor_map.size
    coords = np.concatenate([receptor.coords, ligand.coords]).astype(np.float32)
    channels = np.concatenate([rec_ch, lig_ch])
    radii = np.concatenate([XS_RADIUS[receptor.types], XS_RADIUS[ligand.types]])
    return coords, channels, radii


def pose_grid(
    receptor: TypedAtoms,
    ligand: TypedAtoms,
    receptor_map: ChannelMap,
    ligand_map: ChannelMap,
    spec: GridSpec | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Return the input grid of one pose, shape ``(channels, n, n, n)``."""
    coords, channels, radii = grid_atoms(receptor, ligand, receptor_map, ligand_map)
    return density_grid(
        ligand_center(ligand),
        coords,
        channels,
        radii,
        receptor_map.size + ligand_map.size,
        spec,
        device,
    )
