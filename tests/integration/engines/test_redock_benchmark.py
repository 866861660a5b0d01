"""The redocking benchmark's preparation (hetero groups kept) and its success-rate report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdkit import Chem

from madlab.tasks.builtin.redock_benchmark import auto_keep_hetero, prepare_complex
from madlab.tasks.builtin.redock_report import markdown_report, summarize, write_reports
from tests.unit.engines import helpers


@pytest.mark.parametrize(
    ("complex_id", "expected"),
    [
        ("1s63", {"ZN", "FPP"}),  # the zinc site and the farnesyl diphosphate
        ("1ia1", {"NDP", "TQ3"}),  # NADPH, and the other copy of the ligand, in another site
        ("2h7l", {"NAD"}),  # a cofactor written as ATOM records
        ("3hl5", {"ZN"}),
        ("5ufx", set()),  # waters are not kept
        ("184l", set()),
    ],
)
def test_auto_keeps_every_hetero_group_but_water_and_the_ligand(
    complexes: Path, complex_id: str, expected: set[str]
) -> None:
    folder = complexes / complex_id
    assert set(auto_keep_hetero(folder / "receptor.pdb", helpers.crystal_ligand(complex_id))) == (
        expected
    )


def test_a_copy_of_the_ligand_in_the_pocket_is_not_kept(complexes: Path, tmp_path: Path) -> None:
    ligand = helpers.crystal_ligand("184l")
    records = []
    for i, (atom, pos) in enumerate(
        zip(ligand.GetAtoms(), ligand.GetConformer().GetPositions(), strict=True), start=1
    ):
        name = f"C{i}"
        records.append(
            f"HETATM{9000 + i:5d} {name:<4s} I4B A 401    {pos[0]:8.3f}{pos[1]:8.3f}{pos[2]:8.3f}"
            f"  1.00  0.00           {atom.GetSymbol():>2s}\n"
        )
    receptor = tmp_path / "receptor.pdb"
    text = (complexes / "184l" / "receptor.pdb").read_text().replace("END", "", 1)
    receptor.write_text(text.rstrip("\n") + "\n" + "".join(records) + "END\n")
    assert auto_keep_hetero(receptor, ligand) == []
    moved = Chem.Mol(ligand)
    conf = moved.GetConformer()
    for i in range(moved.GetNumAtoms()):
        p = conf.GetAtomPosition(i)
        conf.SetAtomPosition(i, (p.x + 30.0, p.y, p.z))
    assert auto_keep_hetero(receptor, moved) == ["I4B"]


def test_prepare_complex_keeps_the_cofactors_and_docks_the_chemistry(
    complexes: Path, tmp_path: Path
) -> None:
    item = prepare_complex(complexes / "1s63", tmp_path)
    assert {label.split(":")[1] for label in item.receptor.kept_hetero} == {"ZN", "FPP"}
    assert "ZN" in item.receptor.pdbqt_path.read_text()
    crystal = item.crystal.GetConformer().GetPositions()
    docked_from = item.ligand.mol.GetConformer().GetPositions()
    assert docked_from.shape[0] > crystal.shape[0]  # hydrogens added, coordinates embedded anew
    lo = crystal.min(axis=0) - 4.0
    assert tuple(round(c, 3) for c in lo) == pytest.approx(
        tuple(c - s / 2 for c, s in zip(item.box.center, item.box.size, strict=True)), abs=1e-3
    )
    none = prepare_complex(complexes / "1s63", tmp_path / "none", keep_hetero="none")
    assert none.receptor.kept_hetero == []
    named = prepare_complex(complexes / "1s63", tmp_path / "zn", keep_hetero=["ZN"])
    assert [label.split(":")[1] for label in named.receptor.kept_hetero] == ["ZN"]


def _entry(complex_id: str, seed: int, top1: float | None, best: float | None) -> dict:
    return {
        "complex": complex_id,
        "seed": seed,
        "top1_rmsd": top1,
        "best_rmsd": best,
        "score": None if top1 is None else -7.0,
        "seconds": 2.0,
        "error": None if top1 is not None else "a: failed",
    }


def test_rates_per_seed_their_mean_and_the_reports(tmp_path: Path) -> None:
    entries = [
        _entry("a", 1, 0.5, 0.5),
        _entry("b", 1, 3.0, 1.5),
        _entry("c", 1, None, None),  # a failure counts against the rate
        _entry("a", 2, 2.5, 0.9),
        _entry("b", 2, 1.0, 1.0),
        _entry("c", 2, 1.9, 1.9),
    ]
    summary = summarize(entries, 2.0)
    first, second = summary["per_seed"]
    assert (first["seed"], first["top1_success"], first["best_success"]) == (1, 1, 2)
    assert first["top1_rate"] == pytest.approx(1 / 3, abs=1e-4) and first["errors"] == 1
    assert second["top1_rate"] == pytest.approx(2 / 3, abs=1e-4) and second["best_rate"] == 1.0
    assert summary["top1_rate_mean"] == pytest.approx(0.5, abs=1e-4)
    assert summary["top1_rate_stdev"] > 0 and summary["best_rate_mean"] == pytest.approx(
        5 / 6, 1e-3
    )
    report = {
        "complexes": entries,
        "summary": summary,
        "engine": "gnina",
        "backend": "gnina-builtin",
        "seeds": [1, 2],
        "exhaustiveness": 8,
        "set": "complexes",
    }
    page = markdown_report(report)
    assert "| 1 | 3 | 1 (33%) | 2 (67%) | 1 |" in page and "**50%**" in page
    assert "| c | 1 | – | – | – | 2.0 | a: failed |" in page
    json_path, md_path = write_reports(report, tmp_path / "out" / "report")
    assert json_path.name == "report.json" and md_path.read_text() == page
    assert summarize([], 2.0)["top1_rate_mean"] == 0.0
