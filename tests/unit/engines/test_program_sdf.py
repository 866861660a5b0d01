"""Reading the smina and gnina programs' SDF output (the real files in shared/data/peer-outputs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from madlab.engines.program_sdf import parse_atom_terms, read_program_sdf
from madlab.errors import InputFileError

#: A per-atom term table as smina writes it (``atomid el pos`` then one row per atom).
ATOM_TERMS = """atomid el pos gauss(o=0,_w=0.5,_c=8) repulsion(o=0,_c=8)
    1  C1 (27.383, 6.7192, 3.1085) -0.41 0.02
    2  C2 (26.9716, 7.2205, 4.3188) -0.38 0.0
END
"""


def _first_affinities(path: Path, n: int = 3) -> list[float]:
    lines = path.read_text().splitlines()
    return [float(lines[i + 1]) for i, ln in enumerate(lines) if "<minimizedAffinity>" in ln][:n]


@pytest.mark.parametrize("complex_id", ["184l", "1uw6"])
def test_smina_docking_output_has_affinities_and_no_cnn_scores(
    peer_outputs: Path, complex_id: str
) -> None:
    path = peer_outputs / f"{complex_id}_smina_dock.sdf"
    poses = read_program_sdf(path.read_text(), str(path))
    assert len(poses) == path.read_text().count("$$$$")
    assert [p.affinity for p in poses[:3]] == _first_affinities(path)
    assert all(p.affinity < 0 for p in poses)
    assert all("CNNscore" not in p.scores and "CNNaffinity" not in p.scores for p in poses)
    assert poses[0].mol.GetNumConformers() == 1
    assert any(a.GetAtomicNum() == 1 for a in poses[0].mol.GetAtoms())  # hydrogens added back


@pytest.mark.parametrize("complex_id", ["184l", "1uw6"])
def test_gnina_docking_output_has_every_cnn_tag(peer_outputs: Path, complex_id: str) -> None:
    path = peer_outputs / f"{complex_id}_gnina_dock_default1.0.sdf"
    poses = read_program_sdf(path.read_text(), str(path))
    assert len(poses) == 9
    first = poses[0]
    assert set(first.scores) >= {"CNNscore", "CNNaffinity", "CNN_VS", "CNNaffinity_variance"}
    assert first.scores["CNN_VS"] == pytest.approx(
        first.scores["CNNscore"] * first.scores["CNNaffinity"], rel=1e-6
    )
    scores = [p.scores["CNNscore"] for p in poses]
    assert scores == sorted(scores, reverse=True)  # gnina ranks by CNNscore
    assert first.mol.GetProp("minimizedAffinity").strip() == f"{first.affinity:.5f}"


def test_gnina_minimize_output_has_the_rmsd_to_the_input(peer_outputs: Path) -> None:
    path = peer_outputs / "184l_gnina_minimize_default1.0.sdf"
    (pose,) = read_program_sdf(path.read_text(), str(path))
    assert pose.affinity == pytest.approx(-6.94290)
    assert pose.scores["minimizedRMSD"] == pytest.approx(0.43292)
    assert pose.scores["CNNscore"] == pytest.approx(0.9127975702)


def test_a_missing_cnn_tag_is_absent_not_zero(peer_outputs: Path) -> None:
    text = (peer_outputs / "1uw6_gnina_minimize_default1.0.sdf").read_text()
    lines = text.splitlines(keepends=True)
    out, skip = [], 0
    for line in lines:  # drop the CNNaffinity_variance item (a single model has none)
        if skip:
            skip -= 1
            continue
        if "<CNNaffinity_variance>" in line:
            skip = 2
            continue
        out.append(line)
    (pose,) = read_program_sdf("".join(out))
    assert "CNNaffinity_variance" not in pose.scores and pose.scores["CNNscore"] > 0


def test_an_empty_output_has_no_pose() -> None:
    assert read_program_sdf("") == []


def test_a_pose_without_an_affinity_is_refused(peer_outputs: Path) -> None:
    text = (peer_outputs / "184l_smina_dock.sdf").read_text()
    broken = text.replace("<minimizedAffinity>", "<affinity>", 2)
    with pytest.raises(InputFileError, match="record 1") as info:
        read_program_sdf(broken, "out.sdf")
    assert "minimizedAffinity" in str(info.value) and "out.sdf" in str(info.value)


def test_a_tag_that_is_not_a_number_is_named(peer_outputs: Path) -> None:
    text = (peer_outputs / "184l_gnina_minimize_default1.0.sdf").read_text()
    broken = text.replace("0.9127975702", "high")
    with pytest.raises(InputFileError, match="CNNscore holds 'high'"):
        read_program_sdf(broken, "out.sdf")


def test_an_unreadable_record_is_named() -> None:
    bad = "x\n\n\n  1  0  0  0  0  0            999 V2000\nM  END\n$$$$\n"
    bad = bad.replace("  1  0  0", "  9  0  0")  # says 9 atoms, gives none
    with pytest.raises(InputFileError, match="record 1"):
        read_program_sdf(bad, "bad.sdf")


def test_atom_terms_are_read_and_summed_under_madlabs_names(peer_outputs: Path) -> None:
    rows = parse_atom_terms(ATOM_TERMS)
    assert [r.atom for r in rows] == ["1  C1", "2  C2"]
    assert rows[0].position == pytest.approx((27.383, 6.7192, 3.1085))
    assert rows[1].values["gauss(o=0,_w=0.5,_c=8)"] == pytest.approx(-0.38)
    text = (peer_outputs / "184l_gnina_minimize_default1.0.sdf").read_text()
    with_terms = text.replace("$$$$", f"> <atomic_interaction_terms>\n{ATOM_TERMS}\n$$$$")
    (pose,) = read_program_sdf(with_terms)
    assert pose.term_totals == pytest.approx({"gauss1": -0.79, "repulsion": 0.02})


@pytest.mark.parametrize(
    "table",
    [
        "atom el pos x\n",
        "atomid el pos a b\n 1 C (1, 2, 3) 0.1\n",
        "atomid el pos a\n 1 C 1 2 3 0.1\n",
    ],
)
def test_unreadable_atom_term_tables_are_refused(table: str, peer_outputs: Path) -> None:
    with pytest.raises(ValueError):
        parse_atom_terms(table)
    text = (peer_outputs / "184l_gnina_minimize_default1.0.sdf").read_text()
    broken = text.replace("$$$$", f"> <atomic_interaction_terms>\n{table}\n$$$$")
    with pytest.raises(InputFileError, match="atomic_interaction_terms"):
        read_program_sdf(broken)
