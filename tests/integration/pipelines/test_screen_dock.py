"""A real screen: a batch of small ligands docked with Vina into 184L, then queried.

Small ligands, exhaustiveness 1, one CPU per job: the point is the whole path
(fan-out over chunks, real docking jobs, results in the store, conditions on
the best score, queries, exports and the report), not the search quality.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
from click.testing import CliRunner
from rdkit import Chem

from madlab.bootstrap import Services
from madlab.cli import main
from madlab.domain.jobs import JobStatus
from madlab.pipelines.results import ResultQuery, export_csv, export_sdf, query_results
from madlab.pipelines.service import PipelineService
from madlab.runtime.local import LocalQueue

from .conftest import ORG

Platform = tuple[Services, PipelineService, LocalQueue]

LIBRARY = [
    ("benzene", "c1ccccc1"),
    ("toluene", "Cc1ccccc1"),
    ("phenol", "Oc1ccccc1"),
    ("isobutylbenzene", "CC(C)Cc1ccccc1"),
    ("ethanol", "CCO"),
]


def test_screen_docks_a_library_and_queries_its_hits(
    platform: Platform, complexes: Path, tmp_path: Path
) -> None:
    services, pipelines, _ = platform
    c184l = complexes / "184l"
    library = tmp_path / "library.sdf"
    writer = Chem.SDWriter(str(library))
    for name, smiles in LIBRARY:
        mol = Chem.MolFromSmiles(smiles)
        mol.SetProp("_Name", name)
        writer.write(mol)
    writer.close()
    spec = {
        "name": "Lysozyme screen",
        "inputs": {"library": str(library), "receptor": str(c184l / "receptor.pdb")},
        "mode": "optimized",
        "steps": [
            {
                "id": "dock",
                "task": "dock",
                "foreach": {
                    "library": "${inputs.library}",
                    "chunk_size": 3,
                    "parameter": "ligand_files",
                    "as_list": True,
                },
                "parameters": {
                    "receptor": "${inputs.receptor}",
                    "autobox_ligand": str(c184l / "ligand.sdf"),
                    "exhaustiveness": 1,
                    "num_poses": 2,
                    "cpu": 1,
                },
            },
            {
                "id": "strong",
                "task": "emit",
                "when": "steps.dock.outputs.best_affinity < -4",
                "parameters": {"out": {"best": "${steps.dock.outputs.best_affinity}"}},
            },
        ],
    }
    run = pipelines.execute(ORG, "alice", spec=spec, poll_s=0.2)
    final = pipelines.wait(ORG, run.id, timeout=600)
    assert final.status is JobStatus.SUCCEEDED, final.error
    outputs = final.execution_metrics["outputs"]
    dock = outputs["steps"]["dock"]["outputs"]
    assert dock["count"] == 2 and dock["docked"] == 5
    assert outputs["steps"]["strong"]["outputs"]["best"] == dock["best_affinity"]

    hits = query_results(services.store, ORG, ResultQuery(run_id=run.id))
    assert {h.ligand for h in hits} == {name for name, _ in LIBRARY}
    assert [h.affinity for h in hits] == sorted(h.affinity for h in hits)
    assert hits[0].affinity == dock["best_affinity"]
    assert all(h.receptor == "receptor.pdb" for h in hits)
    top2 = query_results(services.store, ORG, ResultQuery(run_id=run.id, top=2))
    assert top2 == hits[:2]
    by_le = query_results(
        services.store, ORG, ResultQuery(run_id=run.id, order_by="ligand_efficiency")
    )
    assert by_le[0].ligand_efficiency == max(h.ligand_efficiency for h in hits)
    aromatic = query_results(services.store, ORG, ResultQuery(run_id=run.id, smarts="c1ccccc1"))
    assert "ethanol" not in {h.ligand for h in aromatic} and len(aromatic) == 4
    small = query_results(
        services.store, ORG, ResultQuery(run_id=run.id, ranges={"heavy_atoms": (None, 7)})
    )
    assert {h.ligand for h in small} == {"benzene", "toluene", "phenol", "ethanol"}
    assert (
        query_results(services.store, ORG, ResultQuery(run_id=run.id, receptor="other.pdb")) == []
    )

    sdf = export_sdf(hits, tmp_path / "hits.sdf")
    mols = [m for m in Chem.SDMolSupplier(str(sdf)) if m is not None]
    assert [m.GetProp("_Name") for m in mols] == [h.ligand for h in hits]
    assert float(mols[0].GetProp("affinity")) == hits[0].affinity
    rows = list(csv.DictReader(export_csv(hits, tmp_path / "hits.csv").open()))
    assert [r["ligand"] for r in rows] == [h.ligand for h in hits]

    report = Path(outputs["report"]["path"])
    text = json.dumps([c.get("outputs", []) for c in nbformat.read(report, 4).cells])
    assert "5 docked ligands" in text
    assert hits[0].ligand in text and "image/png" in text  # the table and the histogram

    cli = CliRunner().invoke(
        main,
        [
            "results",
            "query",
            "--run",
            run.id,
            "--top",
            "3",
            "--smarts",
            "c1ccccc1",
            "--csv",
            str(tmp_path / "cli.csv"),
        ],
        obj=services,
    )
    assert cli.exit_code == 0, cli.output
    assert "3 hits" in cli.output and hits[0].ligand in cli.output
    assert (tmp_path / "cli.csv").is_file()
