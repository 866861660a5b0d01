"""The pipeline builder's DAG drawing."""

from __future__ import annotations

from madlab.pipelines.planner import check_graph
from madlab.pipelines.spec import parse_spec
from madlab.widgets.pipeline_builder import dag_svg


def test_the_dag_has_a_box_per_step_and_an_arrow_per_dependency() -> None:
    spec = parse_spec(
        {
            "name": "p",
            "mode": "parallel",
            "steps": [
                {"id": "prep", "task": "prepare_receptor", "parameters": {"receptor": "r.pdb"}},
                {"id": "lig", "task": "prepare_ligands", "parameters": {}},
                {
                    "id": "dock",
                    "task": "dock",
                    "parameters": {"receptor": "${steps.prep.outputs.pdbqt}"},
                    "depends_on": ["lig"],
                    "when": "steps.prep.outputs.atoms > 0",
                    "foreach": {"library": "lib.smi", "chunk_size": 10},
                },
            ],
        }
    )
    svg = dag_svg(spec, check_graph(spec))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="step"') == 3 and svg.count('class="edge"') == 2
    assert "dock: dock ⟳ ?" in svg
    # prep and lig run in the first wave, dock in the second (to the right).
    assert 'x="20" y="20"' in svg and 'x="20" y="80"' in svg and 'x="200" y="20"' in svg
