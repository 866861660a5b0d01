"""Rebuilding missing side-chain atoms: ideal geometry, rotamers and the receptor report."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import gemmi
import numpy as np
import pytest
from scipy.spatial import cKDTree
from vina import Vina

from madlab.domain import PreparedReceptor
from madlab.molecules import box_from_ligand
from madlab.molecules.ideal_residues import main
from madlab.molecules.receptor import prepare_receptor
from madlab.molecules.residue_geometry import dihedral, place, residue_geometry
from madlab.molecules.residue_templates import BACKBONE_NAMES, TEMPLATES, expected_atoms

Key = tuple[str, int]
Removed = dict[tuple[str, int, str], np.ndarray]

# Crystal bond lengths (Engh and Huber 1991), Å; rebuilt bonds must be within 0.1 Å.
IDEAL_BONDS = {
    "ARG": {
        ("CA", "CB"): 1.53,
        ("CB", "CG"): 1.52,
        ("CG", "CD"): 1.52,
        ("CD", "NE"): 1.46,
        ("NE", "CZ"): 1.33,
        ("CZ", "NH1"): 1.33,
        ("CZ", "NH2"): 1.33,
    },
    "LYS": {
        ("CA", "CB"): 1.53,
        ("CB", "CG"): 1.52,
        ("CG", "CD"): 1.52,
        ("CD", "CE"): 1.52,
        ("CE", "NZ"): 1.49,
    },
    "PHE": {
        ("CA", "CB"): 1.53,
        ("CB", "CG"): 1.50,
        ("CG", "CD1"): 1.39,
        ("CG", "CD2"): 1.39,
        ("CD1", "CE1"): 1.39,
        ("CD2", "CE2"): 1.39,
        ("CE1", "CZ"): 1.39,
        ("CE2", "CZ"): 1.39,
    },
    "TYR": {
        ("CA", "CB"): 1.53,
        ("CB", "CG"): 1.51,
        ("CG", "CD1"): 1.39,
        ("CG", "CD2"): 1.39,
        ("CD1", "CE1"): 1.39,
        ("CD2", "CE2"): 1.39,
        ("CE1", "CZ"): 1.38,
        ("CE2", "CZ"): 1.38,
        ("CZ", "OH"): 1.38,
    },
    "GLU": {
        ("CA", "CB"): 1.53,
        ("CB", "CG"): 1.52,
        ("CG", "CD"): 1.52,
        ("CD", "OE1"): 1.25,
        ("CD", "OE2"): 1.25,
    },
}

# Residues of the Abl kinase pocket (1IEP) whose side chains are removed; LYS 271
# loses its CB as well.
POCKET: dict[Key, str] = {
    ("A", 362): "ARG",
    ("A", 271): "LYS",
    ("A", 359): "PHE",
    ("A", 253): "TYR",
    ("A", 286): "GLU",
}


def cut(
    src: Path, dst: Path, remove: dict[Key, set[str]]
) -> dict[tuple[str, int, str], np.ndarray]:
    """Copy a PDB file without some atoms (and the hydrogens of those residues).

    Returns the removed heavy atoms' crystal positions.
    """
    kept, removed = [], {}
    for line in src.read_text().splitlines():
        if line.startswith(("ATOM", "HETATM")):
            key = (line[21], int(line[22:26]))
            name = line[12:16].strip()
            if key in remove and (name in remove[key] or line[76:78].strip() == "H"):
                if name in remove[key]:
                    xyz = [float(line[i : i + 8]) for i in (30, 38, 46)]
                    removed[(*key, name)] = np.array(xyz)
                continue
        kept.append(line)
    dst.write_text("\n".join(kept) + "\n")
    return removed


def residue_atoms(rec: PreparedReceptor, chain: str, num: int) -> dict[str, gemmi.Atom]:
    st = gemmi.read_structure(str(rec.pdb_path))
    return {a.name: a for a in st[0][chain][str(num)][0]}


def xyz(atom: gemmi.Atom) -> np.ndarray:
    return np.array([atom.pos.x, atom.pos.y, atom.pos.z])


def issues(rec: PreparedReceptor, action: str) -> dict[str, str]:
    return {i.residue: i.detail for i in rec.report if i.action == action}


@pytest.fixture(scope="module")
def pocket(
    complex_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[PreparedReceptor, Removed]:
    tmp = tmp_path_factory.mktemp("pocket")
    remove = {
        key: {n for n in expected_atoms(name) if n not in BACKBONE_NAMES}
        - ({"CB"} if key != ("A", 271) else set())
        for key, name in POCKET.items()
    }
    removed = cut(complex_dir / "1iep" / "receptor.pdb", tmp / "cut.pdb", remove)
    return prepare_receptor(tmp / "cut.pdb", out_dir=tmp), removed


def test_report_names_the_atoms_built(pocket: tuple[PreparedReceptor, Removed]) -> None:
    rec, _ = pocket
    repaired = issues(rec, "repaired")
    assert repaired["A:ARG:362"].startswith("built CG, CD, NE, CZ, NH1, NH2 (χ1 ")
    assert repaired["A:LYS:271"].startswith("built CB, CG, CD, CE, NZ (χ1 ")
    assert repaired["A:PHE:359"].startswith("built CG, CD1, CD2, CE1, CE2, CZ (χ1 ")
    assert repaired["A:TYR:253"].startswith("built CG, CD1, CD2, CE1, CE2, CZ, OH (χ1 ")
    assert repaired["A:GLU:286"].startswith("built CG, CD, OE1, OE2 (χ1 ")
    assert set(repaired) == {f"A:{name}:{num}" for (_, num), name in POCKET.items()}
    assert issues(rec, "incomplete") == {}
    assert not any("remain" in d for d in repaired.values())


def test_rebuilt_atoms_have_ideal_bonds_and_template_order(
    pocket: tuple[PreparedReceptor, Removed],
) -> None:
    rec, _ = pocket
    for (chain, num), name in POCKET.items():
        atoms = residue_atoms(rec, chain, num)
        heavy = [n for n, a in atoms.items() if a.element.name != "H"]
        assert heavy == expected_atoms(name)  # PDB names, in PDB order
        for (a, b), length in IDEAL_BONDS[name].items():
            d = float(np.linalg.norm(xyz(atoms[a]) - xyz(atoms[b])))
            assert abs(d - length) < 0.1, (name, a, b, d)
        new = atoms["CG"]
        assert new.occ == 1.0 and new.b_iso == max(a.b_iso for a in atoms.values())


def test_rebuilt_rings_are_planar_and_cb_on_the_l_side(
    pocket: tuple[PreparedReceptor, Removed],
) -> None:
    rec, removed = pocket
    for num, extra in ((359, ["CB"]), (253, ["CB", "OH"])):
        atoms = residue_atoms(rec, "A", num)
        names = ["CG", "CD1", "CD2", "CE1", "CE2", "CZ", *extra]
        pts = np.array([xyz(atoms[n]) for n in names])
        centered = pts - pts.mean(axis=0)
        normal = np.linalg.svd(centered)[2][-1]
        assert np.abs(centered @ normal).max() < 0.05
    # Lys 271 lost CB too: it is rebuilt where the crystal has it (L-amino acid).
    lys = residue_atoms(rec, "A", 271)
    assert np.linalg.norm(xyz(lys["CB"]) - removed[("A", 271, "CB")]) < 0.3


def test_rebuilt_atoms_do_not_clash(pocket: tuple[PreparedReceptor, Removed]) -> None:
    rec, _ = pocket
    st = gemmi.read_structure(str(rec.pdb_path))
    points, owners = [], []
    for res in st[0]["A"]:
        for a in res:
            if a.element.name != "H":
                points.append(xyz(a))
                owners.append(res.seqid.num)
    tree = cKDTree(np.array(points))
    for (_, num), name in POCKET.items():
        for atom_name, atom in residue_atoms(rec, "A", num).items():
            if atom_name in BACKBONE_NAMES or atom.element.name == "H":
                continue
            near = tree.query_ball_point(xyz(atom), 2.2)
            assert [owners[j] for j in near if owners[j] != num] == [], (name, atom_name)


def test_rebuilt_pocket_gets_hydrogens_and_loads_in_vina(
    pocket: tuple[PreparedReceptor, Removed], complex_dir: Path
) -> None:
    rec, _ = pocket
    polar: dict[int, list[str]] = {}
    for line in rec.pdbqt_path.read_text().splitlines():
        if line.startswith("ATOM") and line[77:79].strip() == "HD":
            polar.setdefault(int(line[22:26]), []).append(line[12:16].strip())
    assert sorted(polar[362]) == ["H", "HE", "HH11", "HH12", "HH21", "HH22"]
    assert sorted(polar[271]) == ["H", "HZ1", "HZ2", "HZ3"]
    assert sorted(polar[253]) == ["H", "HH"]
    assert polar[286] == ["H"]
    box = box_from_ligand(complex_dir / "1iep" / "ligand.sdf")
    v = Vina(sf_name="vina", cpu=1, verbosity=0)
    v.set_receptor(str(rec.pdbqt_path))
    v.compute_vina_maps(center=list(box.center), box_size=[min(s, 14.0) for s in box.size])


def test_residue_missing_ca_stays_incomplete(complex_dir: Path, tmp_path: Path) -> None:
    cut(
        complex_dir / "184l" / "receptor.pdb",
        tmp_path / "no_ca.pdb",
        {("A", 16): {"CA", "CG", "CD", "CE", "NZ"}, ("A", 35): {"NZ"}},
    )
    rec = prepare_receptor(tmp_path / "no_ca.pdb", out_dir=tmp_path)
    assert issues(rec, "incomplete")["A:LYS:16"].startswith(
        "missing side-chain atoms: CG, CD, CE, NZ; missing backbone atoms: CA"
    )
    assert "A:LYS:16" not in issues(rec, "repaired")
    assert set(residue_atoms(rec, "A", 16)) & {"CG", "NZ"} == set()
    assert issues(rec, "repaired")["A:LYS:35"].startswith("built NZ")


def test_partial_side_chains_keep_what_is_there(complex_dir: Path, tmp_path: Path) -> None:
    src = complex_dir / "184l" / "receptor.pdb"
    removed = cut(src, tmp_path / "part.pdb", {("A", 14): {"CZ", "NH1", "NH2"}, ("A", 7): {"CD2"}})
    rec = prepare_receptor(tmp_path / "part.pdb", out_dir=tmp_path)
    before = gemmi.read_structure(str(src))[0]["A"]
    # Arg 14 keeps CB..NE where they were; the guanidinium lies in the plane of CD-NE.
    arg = residue_atoms(rec, "A", 14)
    for name in ("CB", "CG", "CD", "NE"):
        assert np.allclose(xyz(arg[name]), xyz(before["14"][0][name][0]), atol=1e-3)
    assert issues(rec, "repaired")["A:ARG:14"].startswith("built CZ, NH1, NH2 (χ4 ")
    assert abs(np.linalg.norm(xyz(arg["CZ"]) - xyz(arg["NE"])) - 1.33) < 0.05
    plane = abs(np.degrees(dihedral(*(xyz(arg[n]) for n in ("CD", "NE", "CZ", "NH1")))))
    assert plane < 5 or plane > 175
    # Leu 7 lost only CD2: χ2 is read from CD1, so CD2 comes back where it was.
    leu = residue_atoms(rec, "A", 7)
    assert np.linalg.norm(xyz(leu["CD2"]) - removed[("A", 7, "CD2")]) < 0.35
    assert issues(rec, "repaired")["A:LEU:7"] == "built CD2"


def test_unknown_atom_names_are_left_alone(complex_dir: Path, tmp_path: Path) -> None:
    # An old naming (Ile CD for CD1) is not guessed at: the residue is reported.
    src = complex_dir / "184l" / "receptor.pdb"
    text = src.read_text().replace(" CD1 ILE A   3", " CD  ILE A   3")
    (tmp_path / "old.pdb").write_text(text)
    rec = prepare_receptor(tmp_path / "old.pdb", out_dir=tmp_path)
    assert issues(rec, "incomplete")["A:ILE:3"].startswith("missing side-chain atoms: CD1")
    assert "A:ILE:3" not in issues(rec, "repaired")


def test_selenomethionine_and_protonation_variants(complex_dir: Path, tmp_path: Path) -> None:
    src = complex_dir / "184l" / "receptor.pdb"
    cut(src, tmp_path / "a.pdb", {("A", 6): {"SD", "CE"}, ("A", 31): {"CE1", "NE2", "ND1"}})
    lines = []
    for line in (tmp_path / "a.pdb").read_text().splitlines():
        if line.startswith("ATOM") and line[17:26] == "MET A   6":
            line = "HETATM" + line[6:17] + "MSE" + line[20:]
        lines.append(line)
    (tmp_path / "mse.pdb").write_text("\n".join(lines) + "\n")
    rec = prepare_receptor(tmp_path / "mse.pdb", out_dir=tmp_path, ph=5.0)
    mse = residue_atoms(rec, "A", 6)
    assert issues(rec, "repaired")["A:MSE:6"].startswith("built SE, CE (χ2 ")
    assert mse["SE"].element.name == "Se"
    for a, b in (("CG", "SE"), ("SE", "CE")):
        assert abs(np.linalg.norm(xyz(mse[a]) - xyz(mse[b])) - 1.95) < 0.01
    # His 31 at pH 5 is HIP: the rebuilt ring carries both NH hydrogens.
    his = residue_atoms(rec, "A", 31)
    assert {"HD1", "HE2"} <= set(his)
    assert issues(rec, "repaired")["A:HIS:31"] == "built ND1, CE1, NE2"


def test_disulfide_and_zinc_ligands_come_back_bonded(complex_dir: Path, tmp_path: Path) -> None:
    cut(complex_dir / "1a46" / "receptor.pdb", tmp_path / "ss.pdb", {("H", 42): {"SG"}})
    rec = prepare_receptor(tmp_path / "ss.pdb", out_dir=tmp_path / "ss")
    sg = residue_atoms(rec, "H", 42)
    partner = residue_atoms(rec, "H", 58)["SG"]
    assert 1.9 < np.linalg.norm(xyz(sg["SG"]) - xyz(partner)) < 2.4
    assert "HG" not in sg  # a disulfide sulfur has no hydrogen
    cut(complex_dir / "1s63" / "receptor.pdb", tmp_path / "zn.pdb", {("B", 299): {"SG"}})
    rec = prepare_receptor(tmp_path / "zn.pdb", out_dir=tmp_path / "zn", keep_hetero=["ZN"])
    zn = residue_atoms(rec, "B", 1001)["ZN"]
    assert np.linalg.norm(xyz(residue_atoms(rec, "B", 299)["SG"]) - xyz(zn)) < 2.6


def hetatm(serial: int, name: str, resnum: int, pos: np.ndarray) -> str:
    return (
        f"HETATM{serial:>5}  {name:<3} BLK A{resnum:>4}    "
        f"{pos[0]:8.3f}{pos[1]:8.3f}{pos[2]:8.3f}  1.00 20.00           C"
    )


def test_contacts_no_rotamer_avoids_are_reported(fragment_pdb: Path, tmp_path: Path) -> None:
    # A ring of atoms around Leu 33 (which lacks CD1 and CD2) where its δ carbons
    # would go: every χ2 touches it.
    st = gemmi.read_structure(str(fragment_pdb))
    leu = next(r for r in st[0]["A"] if r.seqid.num == 33)
    ref = {a.name: xyz(a) for a in leu}
    torsions = np.deg2rad(np.arange(0.0, 360.0, 45.0))
    ring = place(ref["CA"], ref["CB"], ref["CG"], 2.0, np.deg2rad(110.0), torsions)
    block = [hetatm(900 + i, f"C{i + 1}", 900, p) for i, p in enumerate(ring)]
    text = fragment_pdb.read_text().replace("END\n", "\n".join(block) + "\nEND\n")
    (tmp_path / "blocked.pdb").write_text(text)
    rec = prepare_receptor(tmp_path / "blocked.pdb", out_dir=tmp_path, keep_hetero=["BLK"])
    detail = issues(rec, "repaired")["A:LEU:33"]
    assert detail.startswith("built CD1, CD2 (χ2 ")
    assert "contact(s) under 2.5 Å remain (nearest: A:BLK:900)" in detail


def test_ideal_geometry_rebuilds_every_residue() -> None:
    data = json.loads((resources.files("madlab") / "data" / "residue_geometry.json").read_text())
    for name, res in data["residues"].items():
        coords = {a[0]: np.array(a[2:]) for a in res["atoms"]}
        geom = residue_geometry(name)
        assert geom is not None
        pos = {k: coords[k] for k in ("N", "CA", "C")}
        for a in geom.atoms:
            ref = [pos[r] for r in reversed(a.refs)]
            pos[a.name] = place(*ref, a.bond, a.angle, np.array([a.torsion]))[0]
            assert np.linalg.norm(pos[a.name] - coords[a.name]) < 1e-6
    # Every template (protonation variants, MSE) has a geometry with its atoms.
    for key in TEMPLATES:
        geom = residue_geometry(key)
        assert geom is not None
        side = [n for n in expected_atoms(key) if n not in BACKBONE_NAMES and n != "CA"]
        assert sorted(a.name for a in geom.atoms) == sorted(side), key
    assert residue_geometry("HOH") is None
    ala = residue_geometry("ALA")
    assert ala is not None
    with pytest.raises(KeyError):
        ala.atom("CG")


def test_shipped_geometry_is_what_the_script_makes(tmp_path: Path) -> None:
    shipped = json.loads((resources.files("madlab") / "data" / "residue_geometry.json").read_text())
    assert main([str(tmp_path / "made.json")]) == 0
    made = json.loads((tmp_path / "made.json").read_text())
    assert made["source"].startswith("madlab.molecules.ideal_residues: Gly-X-Gly from RDKit")
    assert set(made["residues"]) == set(shipped["residues"])
    for name, res in shipped["residues"].items():
        new = made["residues"][name]
        assert new["bonds"] == res["bonds"]
        a = {r[0]: np.array(r[2:]) for r in res["atoms"]}
        b = {r[0]: np.array(r[2:]) for r in new["atoms"]}
        for x, y in res["bonds"]:  # same geometry (coordinates may differ by a rotation)
            assert abs(np.linalg.norm(a[x] - a[y]) - np.linalg.norm(b[x] - b[y])) < 0.01
    # PDB names: Ile CD1 hangs on CG1, the guanidinium and amide C-N are crystal-short.
    assert ["CD1", "CG1"] in made["residues"]["ILE"]["bonds"]
    arg = {r[0]: np.array(r[2:]) for r in made["residues"]["ARG"]["atoms"]}
    assert abs(np.linalg.norm(arg["CZ"] - arg["NH2"]) - 1.33) < 0.01


def test_gaps_inside_a_side_chain_are_closed(complex_dir: Path, tmp_path: Path) -> None:
    # Tyr 18 without CG (ring there), Lys 19 without CG and CD (CE and NZ there).
    src = complex_dir / "184l" / "receptor.pdb"
    removed = cut(src, tmp_path / "gap.pdb", {("A", 18): {"CG"}, ("A", 19): {"CG", "CD"}})
    rec = prepare_receptor(tmp_path / "gap.pdb", out_dir=tmp_path)
    tyr = residue_atoms(rec, "A", 18)
    assert np.linalg.norm(xyz(tyr["CG"]) - removed[("A", 18, "CG")]) < 0.2
    assert issues(rec, "repaired")["A:TYR:18"] == "built CG"
    lys = residue_atoms(rec, "A", 19)
    for (a, b), length in IDEAL_BONDS["LYS"].items():
        assert abs(np.linalg.norm(xyz(lys[a]) - xyz(lys[b])) - length) < 0.1, (a, b)
    assert issues(rec, "repaired")["A:LYS:19"].startswith("built CG, CD (χ1 ")
