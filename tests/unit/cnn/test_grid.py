"""libmolgrid's density grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from madlab.engines.cnn.grid import DEFAULT_GRID, GridSpec, atom_density, density_grid


def test_default_grid_is_gninas() -> None:
    assert DEFAULT_GRID.points == 48
    assert GridSpec(resolution=0.5, dimension=24.0).points == 49


def test_density_is_gaussian_then_quadratic() -> None:
    r = torch.tensor(1.9)
    d = torch.tensor([0.0, 0.95, 1.9, 2.2, 2.85 - 1e-4, 2.85, 4.0])
    dens = atom_density(d, r).tolist()
    assert dens[0] == pytest.approx(1.0)
    assert dens[1] == pytest.approx(math.exp(-0.5), rel=1e-6)
    assert dens[2] == pytest.approx(math.exp(-2.0), rel=1e-6)
    x = 2.2 / 1.9
    assert dens[3] == pytest.approx(math.exp(-2.0) * (2 * x - 3) ** 2, rel=1e-5)
    assert 0.0 <= dens[4] < 1e-7
    assert dens[5] == 0.0 and dens[6] == 0.0
    # Value and slope are continuous at the radius.
    eps = 1e-3
    below = atom_density(torch.tensor([1.9 - eps, 1.9]), r)
    above = atom_density(torch.tensor([1.9, 1.9 + eps]), r)
    assert float(below[1] - below[0]) == pytest.approx(float(above[1] - above[0]), rel=1e-2)


def test_one_atom_at_a_grid_point() -> None:
    center = np.zeros(3)
    # Grid points lie at -11.75 + 0.5 i: put the atom on point (24, 24, 24).
    atom = np.array([[0.25, 0.25, 0.25]])
    grid = density_grid(center, atom, np.array([2]), np.array([1.0]), 4)
    assert grid.shape == (4, 48, 48, 48)
    assert float(grid[2, 24, 24, 24]) == pytest.approx(1.0)
    assert float(grid[2, 25, 24, 24]) == pytest.approx(math.exp(-2 * 0.25), rel=1e-6)
    assert float(grid[[0, 1, 3]].abs().sum()) == 0.0
    # Symmetric about the atom.
    assert float(grid[2, 23, 24, 24]) == pytest.approx(float(grid[2, 25, 24, 24]))


def test_atoms_outside_or_untyped_are_not_drawn() -> None:
    coords = np.array([[40.0, 0.0, 0.0], [0.0, 0.0, 0.0], [11.75 + 2.0, 0.0, 0.0]])
    channels = np.array([0, -1, 1])
    grid = density_grid(np.zeros(3), coords, channels, np.array([1.9, 1.9, 1.9]), 2)
    assert float(grid[0].sum()) == 0.0
    # The third atom lies outside the cube but its density reaches the last plane.
    assert float(grid[1, 47].sum()) > 0.0
    empty = density_grid(np.zeros(3), coords[:2], channels[:2], np.array([1.9, 1.9]), 2)
    assert float(empty.abs().sum()) == 0.0


def test_densities_add_up() -> None:
    rng = np.random.default_rng(0)
    coords = rng.normal(scale=3.0, size=(20, 3))
    radii = rng.choice([0.37, 1.5, 1.9, 2.2], size=20)
    both = density_grid(np.zeros(3), coords, np.zeros(20, dtype=int), radii, 1)
    half = density_grid(np.zeros(3), coords[:10], np.zeros(10, dtype=int), radii[:10], 1)
    rest = density_grid(np.zeros(3), coords[10:], np.zeros(10, dtype=int), radii[10:], 1)
    assert torch.allclose(both, half + rest, atol=1e-5)
