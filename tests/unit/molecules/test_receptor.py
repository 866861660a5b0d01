"""Receptor preparation on real complexes and on an edited PDB fragment."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import gemmi
import numpy as np
import pytest
from vina import Vina

from madlab.domain import PreparedReceptor
from madlab.errors import ValidationError
from madlab.molecules import box_from_ligand
from madlab.molecules.pdbqt_check import AUTODOCK_TYPES, check_pdbqt
from madlab.molecules.receptor import prepare_receptor


def pdbqt_atoms(rec: PreparedReceptor) -> list[dict[str, str]]:
    out = []
    for line in rec.pdbqt_path.read_text().splitlines():
        if line.startswith(("ATOM", "HETATM")):
            out.append(
                {
                    "name": line[12:16].strip(),
                    "resname": line[17:20].strip(),
                    "chain": line[21],
                    "resnum": line[22:26].strip(),
                    "icode": line[26],
                    "type": line[77:79].strip(),
                    "xyz": line[30:54],
                }
            )
    return out


def issues(rec: PreparedReceptor, action: str) -> dict[str, str]:
    return {i.residue: i.detail for i in rec.report if i.action == action}


def vina_loads(rec: PreparedReceptor, ligand_sdf: Path) -> None:
    box = box_from_ligand(ligand_sdf)
    v = Vina(sf_name="vina", cpu=1, verbosity=0)
    v.set_receptor(str(rec.pdbqt_path))
    v.compute_vina_maps(center=list(box.center), box_size=[min(s, 14.0) for s in box.size])


def test_184l_with_input_hydrogens(complex_dir: Path, tmp_path: Path) -> None:
    rec = prepare_receptor(complex_dir / "184l" / "receptor.pdb", out_dir=tmp_path)
    assert rec.name == "receptor" and rec.pdbqt_path.parent == tmp_path
    atoms = pdbqt_atoms(rec)
    types = Counter(a["type"] for a in atoms)
    assert set(types) <= AUTODOCK_TYPES
    assert types["HD"] > 200 and types["OA"] > 200 and types["A"] > 50
    assert "H" not in types  # nonpolar hydrogens are merged (united atom)
    assert check_pdbqt(rec.pdbqt_path.read_text()).kind == "receptor"
    assert rec.atom_count == len(atoms)
    # Heavy atoms as in the input, all hydrogens rebuilt in the PDB.
    st = gemmi.read_structure(str(rec.pdb_path))
    elements = Counter(a.element.name for r in st[0][0] for a in r)
    assert elements["C"] + elements["N"] + elements["O"] + elements["S"] == 1289
    assert elements["H"] > 1200
    # Lys is charged (three HD on NZ), the N-terminus too.
    lys_hd = [a for a in atoms if a["resname"] == "LYS" and a["name"].startswith("HZ")]
    assert len(lys_hd) % 3 == 0 and lys_hd
    first = [a["name"] for a in atoms if a["resnum"] == "1" and a["type"] == "HD"]
    assert first == ["H1", "H2", "H3"]
    vina_loads(rec, complex_dir / "184l" / "ligand.sdf")


def test_polar_hydrogens_sit_at_bond_length(complex_dir: Path, tmp_path: Path) -> None:
    rec = prepare_receptor(complex_dir / "184l" / "receptor.pdb", out_dir=tmp_path)
    atoms = pdbqt_atoms(rec)
    xyz = np.array([[float(a["xyz"][i : i + 8]) for i in (0, 8, 16)] for a in atoms])
    hd = [i for i, a in enumerate(atoms) if a["type"] == "HD"]
    heavy = [i for i, a in enumerate(atoms) if a["type"] in ("N", "NA", "OA")]
    d = np.linalg.norm(xyz[hd][:, None, :] - xyz[heavy][None, :, :], axis=2).min(axis=1)
    assert np.all((d > 0.9) & (d < 1.05))


def test_1ia1_keeps_the_ndp_cofactor(complex_dir: Path, tmp_path: Path) -> None:
    rec = prepare_receptor(
        complex_dir / "1ia1" / "receptor.pdb", out_dir=tmp_path, keep_hetero=["ndp"]
    )
    assert rec.kept_hetero == ["A:NDP:193", "B:NDP:195"]
    ndp = [a for a in pdbqt_atoms(rec) if a["resname"] == "NDP" and a["resnum"] == "193"]
    types = Counter(a["type"] for a in ndp)
    assert sum(types.values()) - types["HD"] == 48  # every heavy atom of NADPH
    assert types["P"] == 3 and types["HD"] == 7  # 3 OH, adenine NH2, amide NH2
    assert types["NA"] >= 3  # adenine ring acceptors
    assert "not requested" in issues(rec, "removed")["A:TQ3:194"]
    vina_loads(rec, complex_dir / "1ia1" / "ligand.sdf")


def test_2h7l_nad_without_chain_id(complex_dir: Path, tmp_path: Path) -> None:
    rec = prepare_receptor(
        complex_dir / "2h7l" / "receptor.pdb", out_dir=tmp_path, keep_hetero=["NAD"]
    )
    assert rec.kept_hetero == [":NAD:400"]
    nad = [a for a in pdbqt_atoms(rec) if a["resname"] == "NAD"]
    hd = sorted(a["name"] for a in nad if a["type"] == "HD")
    # Two ribose diols, adenine N6 and nicotinamide amide NH2.
    assert len(hd) == 8
    by_name = {a["name"]: a["type"] for a in nad}
    assert by_name["N7A"] == "NA" and by_name["N1A"] == "NA" and by_name["O7N"] == "OA"
    breaks = [d for d in issues(rec, "kept").values() if "chain break" in d]
    assert len(breaks) == 10


def test_1s63_zinc_metalloprotein(complex_dir: Path, tmp_path: Path) -> None:
    rec = prepare_receptor(
        complex_dir / "1s63" / "receptor.pdb", out_dir=tmp_path, keep_hetero=["ZN", "FPP"]
    )
    zn = [a for a in pdbqt_atoms(rec) if a["resname"] == "ZN"]
    assert [a["type"] for a in zn] == ["Zn"]
    vina_loads(rec, complex_dir / "1s63" / "ligand.sdf")


def test_unknown_keep_name_lists_what_is_there(complex_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        prepare_receptor(
            complex_dir / "1ia1" / "receptor.pdb", out_dir=tmp_path, keep_hetero=["NAP"]
        )
    assert err.value.field == "keep_hetero"
    assert "NDP" in str(err.value) and "TQ3" in str(err.value)


def test_fragment_altlocs_icodes_waters_and_missing_atoms(
    fragment_pdb: Path, tmp_path: Path
) -> None:
    rec = prepare_receptor(fragment_pdb, out_dir=tmp_path, name="frag")
    assert rec.pdbqt_path.name == "frag.pdbqt" and rec.pdb_path.exists()
    assert issues(rec, "removed") == {
        "A:HOH": "2 waters",
        "A:SO4:301": "hetero group SO4 not requested (keep it with keep_hetero=['SO4'])",
        "A:ZN:401": "hetero group ZN not requested (keep it with keep_hetero=['ZN'])",
    }
    assert issues(rec, "altloc") == {
        "A:ILE:29": "kept alternate location B (occupancy 0.60) of A, B"
    }
    # LEU 33 lost CD1 and CD2 in the file: they are built again, not left missing.
    assert issues(rec, "repaired")["A:LEU:33"].startswith("built CD1, CD2")
    assert issues(rec, "incomplete") == {}
    atoms = pdbqt_atoms(rec)
    leu33 = {a["name"]: a["type"] for a in atoms if a["resnum"] == "33"}
    assert leu33["CD1"] == "C" and leu33["CD2"] == "C"
    ile_cb = next(a for a in atoms if a["resnum"] == "29" and a["name"] == "CB")
    assert ile_cb["xyz"].startswith("  42.131")  # altloc B
    icode = {(a["resnum"], a["icode"]) for a in atoms if a["resname"] == "LEU"}
    assert ("31", "A") in icode
    his = {a["name"]: a["type"] for a in atoms if a["resname"] == "HIS"}
    assert his["ND1"] == "N" and his["NE2"] == "NA" and "HD1" in his  # HID from input H
    assert not any(a["resname"] in ("HOH", "SO4", "ZN") for a in atoms)
    pdb = rec.pdb_path.read_text()
    assert " LEU A  31A" in pdb and "HETATM" not in pdb


def test_fragment_keeps_zinc_and_reads_mmcif(fragment_pdb: Path, tmp_path: Path) -> None:
    st = gemmi.read_structure(str(fragment_pdb))
    st.setup_entities()
    cif = tmp_path / "fragment.cif"
    st.make_mmcif_document().write_file(str(cif))
    from_pdb = prepare_receptor(fragment_pdb, out_dir=tmp_path / "a", keep_hetero=["ZN"])
    from_cif = prepare_receptor(cif, out_dir=tmp_path / "b", keep_hetero=["ZN"])
    assert from_pdb.atom_count == from_cif.atom_count
    zn = [a for a in pdbqt_atoms(from_cif) if a["resname"] == "ZN"]
    assert [a["type"] for a in zn] == ["Zn"]
    assert "HETATM" in from_pdb.pdbqt_path.read_text()


def test_hetero_only_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "ions.pdb"
    p.write_text("HETATM    1 ZN    ZN A 401       0.000   0.000   0.000  1.00 20.00          ZN\n")
    with pytest.raises(ValidationError, match="nothing left"):
        prepare_receptor(p, out_dir=tmp_path)


def hetatm(
    serial: int,
    name: str,
    resname: str,
    resnum: int,
    xyz: np.ndarray,
    element: str,
    altloc: str = " ",
    occ: float = 1.0,
    record: str = "HETATM",
) -> str:
    nm = f" {name:<3}" if len(name) < 4 and len(element) == 1 else f"{name:<4}"
    return (
        f"{record:<6}{serial:>5} {nm}{altloc}{resname:>3} A{resnum:>4}    "
        f"{xyz[0]:8.3f}{xyz[1]:8.3f}{xyz[2]:8.3f}{occ:6.2f} 20.00          {element:>2}"
    )


def test_hetero_with_hydrogens_and_an_untypable_ion(fragment_pdb: Path, tmp_path: Path) -> None:
    from rdkit import Chem
    from rdkit.Chem import rdDistGeom

    eth = Chem.AddHs(Chem.MolFromSmiles("CCO"))
    rdDistGeom.EmbedMolecule(eth, randomSeed=3)
    xyz = eth.GetConformer().GetPositions() + np.array([40.0, 10.0, 30.0])
    names = ["C1", "C2", "O", "H11", "H12", "H13", "H21", "H22", "HO"]
    lines = [
        hetatm(900 + i, n, "EOH", 501, xyz[i], a.GetSymbol())
        for i, (n, a) in enumerate(zip(names, eth.GetAtoms(), strict=True))
    ]
    lines.append(hetatm(990, "AU", "AU", 601, np.array([30.0, 20.0, 10.0]), "AU"))
    text = fragment_pdb.read_text().replace("END\n", "\n".join(lines) + "\nEND\n")
    path = tmp_path / "with_hetero.pdb"
    path.write_text(text)
    rec = prepare_receptor(path, out_dir=tmp_path, keep_hetero=["EOH", "AU"])
    eoh = {a["name"]: a["type"] for a in pdbqt_atoms(rec) if a["resname"] == "EOH"}
    assert eoh == {"C1": "C", "C2": "C", "O": "OA", "HO": "HD"}
    assert "AU" in issues(rec, "untyped")["A:AU:601"]
    assert not any(a["resname"] == "AU" for a in pdbqt_atoms(rec))
    assert "AU" in rec.pdb_path.read_text()  # kept in the cleaned PDB
    assert rec.kept_hetero == ["A:EOH:501", "A:AU:601"]


def test_two_residue_types_at_one_position_and_models(fragment_pdb: Path, tmp_path: Path) -> None:
    lines = fragment_pdb.read_text().splitlines()
    gly = [ln for ln in lines if ln[17:20] == "GLY" and ln[22:26] == "  30"]
    swapped = []
    for ln in lines:
        if ln in gly:
            swapped.append(ln[:16] + "A" + ln[17:54] + "  0.30" + ln[60:])
        else:
            swapped.append(ln)
    at = swapped.index(gly[-1][:16] + "A" + gly[-1][17:54] + "  0.30" + gly[-1][60:]) + 1
    ala = [ln[:16] + "BALA" + ln[20:54] + "  0.70" + ln[60:] for ln in gly]
    ca = np.array([float(gly[1][30:38]), float(gly[1][38:46]), float(gly[1][46:54])])
    ala.append(hetatm(999, "CB", "ALA", 30, ca + np.full(3, 0.9), "C", "B", 0.7, "ATOM"))
    swapped[at:at] = ala
    model = [ln for ln in swapped if ln.startswith(("ATOM", "HETATM", "TER"))]
    text = "MODEL        1\n" + "\n".join(model) + "\nENDMDL\nMODEL        2\n"
    text += "\n".join(model) + "\nENDMDL\nEND\n"
    path = tmp_path / "micro.pdb"
    path.write_text(text)
    rec = prepare_receptor(path, out_dir=tmp_path)
    assert "less occupied of two residue types" in issues(rec, "altloc")["A:GLY:30"]
    assert issues(rec, "removed")["*"] == "models 2-2: the first is used"
    resnames = {(a["resnum"], a["resname"]) for a in pdbqt_atoms(rec)}
    assert ("30", "ALA") in resnames and ("30", "GLY") not in resnames


def test_ph_switches_side_chain_charges(complex_dir: Path, tmp_path: Path) -> None:
    path = complex_dir / "184l" / "receptor.pdb"
    neutral = pdbqt_atoms(prepare_receptor(path, tmp_path / "a", ph=7.4))
    acidic = pdbqt_atoms(prepare_receptor(path, tmp_path / "b", ph=3.0))
    hd = Counter(a["type"] for a in acidic)["HD"] - Counter(a["type"] for a in neutral)["HD"]
    n_asp_glu = len(
        {(a["resname"], a["resnum"]) for a in neutral if a["resname"] in ("ASP", "GLU")}
    )
    n_his = len({a["resnum"] for a in neutral if a["resname"] == "HIS"})
    assert hd == n_asp_glu + n_his  # one more H on each acid and on each histidine
    with pytest.raises(ValidationError, match="outside 0-14"):
        prepare_receptor(path, tmp_path / "c", ph=-1)
