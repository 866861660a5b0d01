"""Atom density grids in libmolgrid's form, the input of gnina's CNN models.

Each atom adds to the grid channel of its type a density that is a Gaussian,
``exp(-2 d²/r²)``, out to its radius ``r``, then a quadratic that meets the
Gaussian with the same value and slope at ``r`` and falls to zero at ``1.5 r``.
The grid is a cube of ``dimension`` Å sampled every ``resolution`` Å (23.5 Å at
0.5 Å gives 48 points per side), centred on a given point; point ``i`` of an
axis lies at ``centre - dimension/2 + i * resolution``. Everything is computed
in single precision, as libmolgrid does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

#: Multiple of the atomic radius where the density reaches zero.
FINAL_RADIUS_MULTIPLE = 1.5
_E2 = math.exp(-2.0)
# Quadratic beyond the radius: exp(-2) * (4 x² - 12 x + 9) for x = d / r.
_QA, _QB, _QC = 4.0 * _E2, -12.0 * _E2, 9.0 * _E2


@dataclass(frozen=True)
class GridSpec:
    """Size of a density grid.

    Attributes
    ----------
    resolution
        Spacing of grid points in Å.
    dimension
        Side of the cube in Å (the distance between the first and last points).
    """

    resolution: float = 0.5
    dimension: float = 23.5

    @property
    def points(self) -> int:
        """Number of grid points along each axis."""
        return round(self.dimension / self.resolution) + 1


#: Gnina's grid: 0.5 Å resolution, 23.5 Å side (48 points).
DEFAULT_GRID = GridSpec()


def atom_density(dist: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Return libmolgrid's density of atoms of ``radius`` at distance ``dist``.

    Parameters
    ----------
    dist
        Distances from atom centres (Å).
    radius
        Atomic radii (Å), broadcastable to ``dist``.

    Returns
    -------
    torch.Tensor
        Densities: Gaussian up to ``radius``, quadratic to ``1.5 * radius``, zero beyond.
    """
    gauss = torch.exp(-2.0 * dist * dist / (radius * radius))
    x = dist / radius
    quad = torch.clamp((_QA * x + _QB) * x + _QC, min=0.0)
    out = torch.where(dist <= radius, gauss, quad)
    return torch.where(dist >= radius * FINAL_RADIUS_MULTIPLE, torch.zeros_like(out), out)


def density_grid(
    center: np.ndarray,
    coords: np.ndarray,
    channels: np.ndarray,
    radii: np.ndarray,
    n_channels: int,
    spec: GridSpec | None = None,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw atoms into a multi-channel density grid.

    Parameters
    ----------
    center
        Grid centre (3,), in Å.
    coords
        Atom coordinates (N, 3).
    channels
        Channel of each atom (N,); atoms with a negative channel are not drawn.
    radii
        Radius of each atom (N,), in Å.
    n_channels
        Number of channels of the grid.
    spec
        Resolution and size of the grid.
    device
        Torch device for the computation and the result.

    Returns
    -------
    torch.Tensor
        Float32 tensor of shape ``(n_channels, n, n, n)`` with ``n = spec.points``.
    """
    spec = spec or DEFAULT_GRID
    n = spec.points
    res = np.float32(spec.resolution)
    origin = np.asarray(center, dtype=np.float32) - np.float32(spec.dimension / 2.0)
    xyz = np.asarray(coords, dtype=np.float32).reshape(-1, 3)
    ch = np.asarray(channels, dtype=np.int64).reshape(-1)
    rad = np.asarray(radii, dtype=np.float32).reshape(-1)
    reach = rad * np.float32(FINAL_RADIUS_MULTIPLE)
    upper = origin + res * np.float32(n - 1)
    keep = (
        (ch >= 0)
        & np.all(xyz + reach[:, None] > origin, axis=1)
        & np.all(xyz - reach[:, None] < upper, axis=1)
    )
    if not keep.any():
        return torch.zeros((n_channels, n, n, n), dtype=torch.float32, device=device)
    xyz, ch, rad, reach = xyz[keep], ch[keep], rad[keep], reach[keep]
    # Each atom fills a cube of `span` points from its first reachable index; the grid
    # is padded by the widest span so that cubes never need clipping.
    lo = np.floor((xyz - reach[:, None] - origin) / res).astype(np.int64)
    spans = np.ceil(2 * reach / res).astype(np.int64) + 1
    pad = int(spans.max())
    side = n + 2 * pad
    out = torch.zeros(n_channels * side**3, dtype=torch.float32, device=device)
    t_origin = torch.from_numpy(origin).to(device)
    for span in np.unique(spans):
        sel = spans == span
        out.index_add_(
            0,
            *_cube_values(
                xyz[sel],
                rad[sel],
                ch[sel],
                lo[sel],
                int(span),
                pad,
                side,
                t_origin,
                float(res),
                device,
            ),
        )
    grid = out.view(n_channels, side, side, side)
    return grid[:, pad : pad + n, pad : pad + n, pad : pad + n].contiguous()


def _cube_values(
    xyz: np.ndarray,
    rad: np.ndarray,
    ch: np.ndarray,
    lo: np.ndarray,
    span: int,
    pad: int,
    side: int,
    origin: torch.Tensor,
    res: float,
    device: torch.device | str | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat indices (into the padded grid) and densities of each atom's cube of points."""
    offsets = torch.arange(span, device=device)
    t_lo = torch.from_numpy(lo).to(device)
    idx = t_lo[:, :, None] + offsets  # (N, 3, S) grid indices
    pos = origin[None, :, None] + idx.to(torch.float32) * res
    diff = pos - torch.from_numpy(xyz).to(device)[:, :, None]
    sq = diff * diff
    d2 = sq[:, 0, :, None, None] + sq[:, 1, None, :, None] + sq[:, 2, None, None, :]
    t_rad = torch.from_numpy(rad).to(device)
    inside = d2 < (t_rad * FINAL_RADIUS_MULTIPLE)[:, None, None, None] ** 2
    atom_of = torch.arange(len(rad), device=device)[:, None, None, None].expand_as(d2)[inside]
    dens = atom_density(torch.sqrt(d2[inside]), t_rad[atom_of])
    p = idx + pad
    base = ((torch.from_numpy(ch).to(device) * side + p[:, 0, 0]) * side + p[:, 1, 0]) * side
    base = base + p[:, 2, 0]
    cube = (offsets[:, None, None] * side + offsets[None, :, None]) * side + offsets[None, None, :]
    flat = (base[:, None, None, None] + cube[None])[inside]
    return flat, dens
