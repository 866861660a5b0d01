"""The docking request: one box, some ligands, sane numbers."""

from __future__ import annotations

from pathlib import Path

import pydantic
import pytest

from madlab.domain import DockMode, ScoringFunction
from madlab.errors import ValidationError
from madlab.tasks.dock import DockRequest, load_example


def test_a_box_and_a_ligand_are_enough() -> None:
    req = DockRequest(
        receptor=Path("r.pdb"),
        smiles=["CCO"],
        center=(0, 0, 0),
        size=(20, 20, 20),
        keep_hetero=[" zn ", ""],
    )
    params = req.parameters()
    assert params.scoring is ScoringFunction.VINA and params.mode is DockMode.DOCK
    assert params.exhaustiveness == 8 and params.seed == 42
    assert req.keep_hetero == ["ZN"]
    assert req.to_record()["receptor"] == "r.pdb"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smiles": ["CCO"]}, "exactly one box"),
        ({"smiles": ["CCO"], "center": (0, 0, 0)}, "go together"),
        (
            {"smiles": ["CCO"], "whole_receptor": True, "autobox_ligand": Path("x.sdf")},
            "exactly one box",
        ),
        ({"whole_receptor": True}, "at least one ligand"),
        ({"smiles": ["CCO"], "whole_receptor": True, "exhaustiveness": 0}, "exhaustiveness"),
        ({"smiles": ["CCO"], "whole_receptor": True, "ph": 15}, "ph"),
    ],
)
def test_bad_requests_say_what_to_fix(kwargs: dict, message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        DockRequest(receptor=Path("r.pdb"), **kwargs)


def test_shipped_example_is_found() -> None:
    receptor, ligand = load_example()
    assert receptor.is_file() and ligand.is_file()
    with pytest.raises(ValidationError, match="no example complex"):
        load_example("9xyz")
