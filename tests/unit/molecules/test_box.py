"""Search boxes and their warnings."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from madlab.domain import Box
from madlab.errors import InputFileError, ValidationError
from madlab.molecules import (
    box_around_receptor,
    box_from_center_size,
    box_from_ligand,
    check_box,
)


def test_center_size() -> None:
    box = box_from_center_size([1, 2, 3], ("10", 12.5, 14))
    assert box == Box(center=(1.0, 2.0, 3.0), size=(10.0, 12.5, 14.0))


@pytest.mark.parametrize(
    ("center", "size", "field"),
    [
        ([0, 0], [10, 10, 10], "center"),
        ([0, 0, 0], [10, 0, 10], "size[1]"),
        ([0, 0, 0], [10, 10, -1], "size[2]"),
        ([0, "x", 0], [10, 10, 10], "center[1]"),
        ([0, 0, float("nan")], [10, 10, 10], "center[2]"),
        (5, [10, 10, 10], "center"),
    ],
)
def test_bad_center_size_names_the_field(center: object, size: object, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        box_from_center_size(center, size)  # type: ignore[arg-type]
    assert err.value.field == field


def test_box_from_crystal_ligand_adds_four_angstrom(complex_dir: Path) -> None:
    path = complex_dir / "184l" / "ligand.sdf"
    mol = Chem.MolFromMolFile(str(path))
    xyz = mol.GetConformer().GetPositions()
    box = box_from_ligand(mol)
    extent = xyz.max(axis=0) - xyz.min(axis=0)
    assert box.size == pytest.approx(tuple(extent + 8.0))
    assert box.center == pytest.approx(tuple((xyz.max(axis=0) + xyz.min(axis=0)) / 2))
    assert box_from_ligand(path, padding=2.0).size == pytest.approx(tuple(extent + 4.0))
    assert check_box(box, mol) == []


def test_box_from_ligand_errors(tmp_path: Path, sdf_2d: str) -> None:
    with pytest.raises(ValidationError, match="padding"):
        box_from_ligand(Chem.MolFromSmiles("C"), padding=-1)
    with pytest.raises(ValidationError, match="no coordinates"):
        box_from_ligand(Chem.MolFromSmiles("CCO"))
    flat = tmp_path / "flat.sdf"
    flat.write_text(sdf_2d)
    with pytest.raises(InputFileError, match="no 3D coordinates"):
        box_from_ligand(flat)


def test_box_around_receptor(fragment_pdb: Path) -> None:
    box = box_around_receptor(fragment_pdb, padding=2.0)
    assert all(s > 10 for s in box.size)
    with pytest.raises(ValidationError):
        box_around_receptor(fragment_pdb, padding=-2)


def test_check_box_warns_small_and_large(complex_dir: Path) -> None:
    mol = Chem.MolFromMolFile(str(complex_dir / "184l" / "ligand.sdf"))
    small = box_from_center_size((27, 7, 3), (5, 5, 5))
    (warning,) = check_box(small, mol)
    assert "too small" in warning
    # a box around the crystal ligand always holds it, even when one side is short
    imatinib = Chem.MolFromMolFile(str(complex_dir / "1iep" / "ligand.sdf"))
    assert check_box(box_from_ligand(imatinib), imatinib) == []
    big = box_from_center_size((27, 7, 3), (40, 20, 20))
    (warning,) = check_box(big)
    assert "very large" in warning and "consider a box around a reference ligand" in warning
    cube = box_from_center_size((0, 0, 0), (30, 30, 30.5))
    assert len(check_box(cube)) == 1
