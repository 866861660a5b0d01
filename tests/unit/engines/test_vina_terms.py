"""The numpy split of Vina's intermolecular energy agrees with Vina itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from vina import Vina

from madlab.engines.vina_terms import XS_NAMES, intermolecular_terms, read_pdbqt_atoms, type_atoms
from madlab.molecules.pdbqt import ligand_to_pdbqt
from tests.unit.engines import helpers

LIGANDS = {
    "isobutylbenzene": helpers.SMILES_184L,
    "bromochlorobenzoate": "OC(=O)c1ccc(Cl)cc1Br",
    "fluoroiodosulfonamide": "NS(=O)(=O)c1ccc(I)cc1F",
    "aminophenol-nitrile": "Nc1ccc(O)cc1C#N",
    "ethyl-phosphate": "CCOP(=O)(O)O",
}


def _typed(pdbqt: str):  # type: ignore[no-untyped-def]
    coords, types = read_pdbqt_atoms(pdbqt)
    return type_atoms(coords, types)


@pytest.mark.parametrize("scoring", ["vina", "vinardo"])
def test_terms_sum_to_vinas_intermolecular_energy(scoring: str, receptor_pdbqt: Path) -> None:
    box = helpers.site_box(padding=6.0)
    v = Vina(sf_name=scoring, cpu=1, seed=11, verbosity=0)
    v.set_receptor(str(receptor_pdbqt))
    v.compute_vina_maps(list(box.center), list(box.size))
    receptor = _typed(receptor_pdbqt.read_text())
    checked = 0
    for name, smiles in LIGANDS.items():
        v.set_ligand_from_string(ligand_to_pdbqt(helpers.smiles_ligand(smiles, name)))
        v.dock(exhaustiveness=1, n_poses=3)
        for model in v.poses(n_poses=2, energy_range=10.0).split("ENDMDL")[:-1]:
            pose = "\n".join(ln for ln in model.splitlines() if not ln.startswith("MODEL"))
            v.set_ligand_from_string(pose + "\n")
            vina_inter = float(v.score()[1])
            terms = intermolecular_terms(receptor, _typed(pose), scoring)
            assert vina_inter < 0, name
            assert sum(terms.values()) == pytest.approx(vina_inter, abs=0.01), (name, terms)
            checked += 1
    assert checked >= len(LIGANDS)


def test_vinardo_has_no_second_gaussian(receptor_pdbqt: Path) -> None:
    receptor = _typed(receptor_pdbqt.read_text())
    ligand = _typed(ligand_to_pdbqt(helpers.crystal_pose_ligand()))
    vina_terms = intermolecular_terms(receptor, ligand, "vina")
    vinardo_terms = intermolecular_terms(receptor, ligand, "vinardo")
    assert set(vina_terms) == {"gauss1", "gauss2", "repulsion", "hydrophobic", "hydrogen_bond"}
    assert set(vinardo_terms) == {"gauss1", "repulsion", "hydrophobic", "hydrogen_bond"}
    # an all-carbon ligand in a hydrophobic pocket: attraction and hydrophobic contact, no H-bond
    assert vina_terms["gauss1"] < 0 and vina_terms["hydrophobic"] < 0
    assert vina_terms["hydrogen_bond"] == 0.0


PDBQT = """\
ATOM      1  C   UNL     1       0.000   0.000   0.000  1.00  0.00     0.000 C
ATOM      2  C   UNL     1       1.500   0.000   0.000  1.00  0.00     0.000 C
ATOM      3  O   UNL     1       2.200   1.200   0.000  1.00  0.00     0.000 OA
ATOM      4  H   UNL     1       3.150   1.100   0.000  1.00  0.00     0.000 HD
ATOM      5  N   UNL     1       2.200  -1.250   0.000  1.00  0.00     0.000 NA
ATOM      6  N   UNL     1       6.000   0.000   0.000  1.00  0.00     0.000 N
ATOM      7  H   UNL     1       6.000   1.010   0.000  1.00  0.00     0.000 HD
ATOM      8 ZN   UNL     1      10.000   0.000   0.000  1.00  0.00     0.000 Zn
ATOM      9  C   UNL     1      14.000   0.000   0.000  1.00  0.00     0.000 CG0
ATOM     10  G   UNL     1      15.500   0.000   0.000  1.00  0.00     0.000 G0
ATOM     11 CL   UNL     1      20.000   0.000   0.000  1.00  0.00     0.000 Cl
ATOM     12  C   UNL     1      25.000   0.000   0.000  1.00  0.00     0.000 A
"""


def test_x_score_types_follow_bonds_and_autodock_types() -> None:
    typed = _typed(PDBQT)
    names = [XS_NAMES[t] for t in typed.xs]
    # C1 bonded to C only; C2 bonded to O and N; OA with a polar H; NA without; N with a
    # polar H; zinc; a macrocycle carbon (bonded to its glue atom, itself left out); Cl; a
    # lone aromatic carbon. Hydrogens are left out.
    assert names == ["C_H", "C_P", "O_DA", "N_A", "N_D", "Met_D", "C_P_CG", "Cl_H", "C_H"]
    assert typed.coords.shape == (9, 3)


def test_far_apart_molecules_do_not_interact() -> None:
    typed = _typed(PDBQT)
    far = type(typed)(typed.coords + 100.0, typed.xs)
    assert all(v == 0.0 for v in intermolecular_terms(typed, far).values())
    empty = type(typed)(np.zeros((0, 3)), np.zeros(0, dtype=int))
    assert intermolecular_terms(typed, empty, "vinardo") == dict.fromkeys(
        ("gauss1", "repulsion", "hydrophobic", "hydrogen_bond"), 0.0
    )


def test_a_clash_is_damped_like_vina() -> None:
    one = "ATOM      1  C   UNL     1       0.000   0.000   0.000  1.00  0.00     0.000 C\n"
    other = one.replace("   0.000   0.000   0.000", "   0.500   0.000   0.000")
    terms = intermolecular_terms(_typed(one), _typed(other))
    d = 0.5 - 2 * 1.9  # surface distance of two hydrophobic carbons 0.5 Å apart
    weighted = {
        "gauss1": -0.035579 * np.exp(-((d / 0.5) ** 2)),
        "gauss2": -0.005156 * np.exp(-(((d - 3) / 2) ** 2)),
        "repulsion": 0.840245 * d * d,
        "hydrophobic": -0.035069,
        "hydrogen_bond": 0.0,
    }
    energy = sum(weighted.values())
    damp = 1000 / (1000 + energy)  # Vina's "curl" of a positive atom energy
    for name, value in weighted.items():
        assert terms[name] == pytest.approx(value * damp, rel=1e-9, abs=1e-12), name


def test_other_scoring_functions_are_refused() -> None:
    typed = _typed(PDBQT)
    with pytest.raises(ValueError, match="ad4"):
        intermolecular_terms(typed, typed, "ad4")
