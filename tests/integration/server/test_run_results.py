"""Result queries of a pipeline run over the API and the client: rank, filter, export, scope."""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from rdkit import Chem
from rdkit.Chem import AllChem

from madlab.client import AsyncMadlabClient, MadlabClient
from madlab.domain import Box, JobStatus, LigandResult, Pose
from madlab.errors import NotFoundError, ValidationError
from madlab.store import Store
from tests.conftest import COMPLEXES
from tests.integration.server.live import LiveServer

SPEC = {"name": "screen", "steps": [{"id": "dock", "task": "dock", "parameters": {}}]}
#: ligand name -> (SMILES, best affinity)
LIGANDS = {
    "phenol": ("Oc1ccccc1", -5.0),
    "toluene": ("Cc1ccccc1", -4.5),
    "biphenyl": ("c1ccc(-c2ccccc2)cc1", -7.0),
    "benzoic_acid": ("OC(=O)c1ccccc1", -6.0),
}


def _pose(smiles: str, affinity: float) -> Pose:
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    AllChem.EmbedMolecule(mol, randomSeed=7)
    block = Chem.MolToMolBlock(mol) + f">  <minimizedAffinity>\n{affinity}\n\n$$$$\n"
    return Pose(rank=1, affinity=affinity, molblock=block)


def record_screen(store: Store, org: str, run_id: str, pipeline_id: str) -> None:
    """Two chunks of a screen as the dock task stores them: jobs under the run, results."""
    names = list(LIGANDS)
    receptor = str(COMPLEXES / "184l" / "receptor.pdb")
    with store.unit_of_work() as uow:
        for k, chunk in enumerate((names[:2], names[2:])):
            job = uow.jobs.add(
                organization_id=org,
                user="alice",
                task_id="dock",
                task_version="1",
                parameters={"receptor": receptor},
                name=f"dock[{k}]",
                pipeline_id=pipeline_id,
                parent_id=run_id,
            )
            for status in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED):
                uow.jobs.transition(org, job.id, status)
            for name in chunk:
                smiles, affinity = LIGANDS[name]
                result = LigandResult(
                    ligand=name,
                    smiles=smiles,
                    poses=[_pose(smiles, affinity)],
                    engine="vina",
                    backend="vina-python",
                    engine_version="1.2.7",
                    parameters={"exhaustiveness": 1},
                    box=Box(center=(0.0, 0.0, 0.0), size=(20.0, 20.0, 20.0)),
                    seconds=0.5,
                )
                uow.results.add(org, job.id, result)


async def _run(api: Any, jp_serverapp: Any) -> tuple[Any, str, str]:
    alice = api("tok-alice")
    status, saved, _ = await alice.call(
        "POST", "pipelines", body={"name": "screen", "spec": SPEC, "version": "1"}
    )
    assert status == 201, saved
    status, run, _ = await alice.call("POST", "pipelines", saved["id"], "execute", body={})
    assert status == 202, run
    store = jp_serverapp.web_app.settings["madlab"].services.store
    record_screen(store, run["organization_id"], run["id"], saved["id"])
    return alice, saved["id"], run["id"]


async def test_results_are_ranked_filtered_and_exported(api: Any, jp_serverapp: Any) -> None:
    alice, pipeline_id, run_id = await _run(api, jp_serverapp)
    path = ("pipelines", pipeline_id, "runs", run_id, "results")
    status, body, _ = await alice.call("GET", *path)
    assert status == 200 and body["count"] == 4
    assert [r["ligand"] for r in body["results"]] == [
        "biphenyl",
        "benzoic_acid",
        "phenol",
        "toluene",
    ]
    best = body["results"][0]
    assert best["affinity"] == -7.0 and best["heavy_atoms"] == 12
    assert best["ligand_efficiency"] == pytest.approx(7.0 / 12, abs=1e-4)
    assert best["receptor"] == "receptor.pdb" and best["engine"] == "vina"
    # top N by ligand efficiency: phenol (5/7), benzoic acid (6/9), before toluene (4.5/7)
    _, body, _ = await alice.call("GET", *path, order_by="ligand_efficiency", top=2)
    assert [r["ligand"] for r in body["results"]] == ["phenol", "benzoic_acid"]
    # a SMARTS substructure (a carboxylic acid or a phenol: an O-H on carbon)
    _, body, _ = await alice.call("GET", *path, smarts="[CX3,c][OX2H1]")
    assert {r["ligand"] for r in body["results"]} == {"phenol", "benzoic_acid"}
    # property ranges, either end open
    _, body, _ = await alice.call("GET", *path, min_mw=100, max_affinity=-5.5)
    assert [r["ligand"] for r in body["results"]] == ["biphenyl", "benzoic_acid"]
    _, body, _ = await alice.call("GET", *path, max_heavy_atoms=7)
    assert {r["ligand"] for r in body["results"]} == {"phenol", "toluene"}
    # per receptor
    _, body, _ = await alice.call("GET", *path, receptor="receptor.pdb")
    assert body["count"] == 4
    _, body, _ = await alice.call("GET", *path, receptor="other.pdb")
    assert body["count"] == 0
    # exports: the table as CSV, the best poses as SDF with the properties as tags
    status, text, headers = await alice.call("GET", *path, format="csv", top=3)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["ligand"] for r in rows] == ["biphenyl", "benzoic_acid", "phenol"]
    assert float(rows[0]["affinity"]) == -7.0
    status, text, headers = await alice.call("GET", *path, format="sdf", smarts="C(=O)O")
    assert status == 200 and headers["Content-Type"].startswith("chemical/x-mdl-sdfile")
    supplier = Chem.SDMolSupplier()
    supplier.SetData(text, removeHs=False)
    mols = [m for m in supplier if m is not None]
    assert len(mols) == 1 and mols[0].GetProp("ligand") == "benzoic_acid"
    assert float(mols[0].GetProp("affinity")) == -6.0 and mols[0].GetNumConformers() == 1


async def test_bad_queries_name_the_argument(api: Any, jp_serverapp: Any) -> None:
    alice, pipeline_id, run_id = await _run(api, jp_serverapp)
    path = ("pipelines", pipeline_id, "runs", run_id, "results")
    cases = [
        ({"smarts": "c1ccc("}, "smarts"),
        ({"min_mw": 300, "max_mw": 200}, "min_mw"),
        ({"min_logp": "high"}, "min_logp"),
        ({"top": 0}, "top"),
        ({"order_by": "size"}, "order_by"),
        ({"min_colour": 1}, "min_colour"),
        ({"format": "xlsx"}, "format"),
    ]
    for query, field in cases:
        status, body, _ = await alice.call("GET", *path, **query)
        assert status == 422, (query, body)
        assert body["error"]["field"] == field, (query, body)
        assert body["error"]["message"]


async def test_results_are_scoped_to_the_organization_and_the_pipeline(
    api: Any, jp_serverapp: Any
) -> None:
    alice, pipeline_id, run_id = await _run(api, jp_serverapp)
    path = ("pipelines", pipeline_id, "runs", run_id, "results")
    status, body, _ = await api("tok-bob").call("GET", *path)  # another organization
    assert status == 404, body
    _, other, _ = await alice.call(
        "POST", "pipelines", body={"name": "other", "spec": {**SPEC, "name": "other"}}
    )
    status, body, _ = await alice.call("GET", "pipelines", other["id"], "runs", run_id, "results")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _, _ = await alice.call("GET", "pipelines", pipeline_id, "runs", "nope", "results")
    assert status == 404


def test_the_client_queries_and_exports_run_results(live: LiveServer) -> None:
    client = MadlabClient(env={"MADLAB_API_URL": live.url, "MADLAB_API_TOKEN": live.token})
    saved = client.create_pipeline("screen", SPEC)
    run = client.execute_pipeline(saved.id)
    store = Store(f"sqlite:///{live.home / 'madlab.db'}")
    try:
        record_screen(store, run.organization_id, run.id, saved.id)
    finally:
        store.dispose()
    hits = client.run_results(saved.id, run.id, top=3, order_by="ligand_efficiency")
    assert [h["ligand"] for h in hits] == ["phenol", "benzoic_acid", "toluene"]
    hits = client.run_results(saved.id, run.id, ranges={"affinity": (None, -5.5)})
    assert [h["ligand"] for h in hits] == ["biphenyl", "benzoic_acid"]
    table = client.export_run_results(saved.id, run.id, "csv", smarts="[OX2H1]")
    assert {r["ligand"] for r in csv.DictReader(io.StringIO(table))} == {
        "phenol",
        "benzoic_acid",
    }
    assert client.export_run_results(saved.id, run.id, "sdf", top=1).count("$$$$") == 1
    with pytest.raises(ValidationError) as info:
        client.run_results(saved.id, run.id, smarts="c1ccc(")
    assert info.value.field == "smarts"
    with pytest.raises(NotFoundError):
        client.run_results(saved.id, "no-such-run")

    async def query() -> list[dict[str, Any]]:
        env = {"MADLAB_API_URL": live.url, "MADLAB_API_TOKEN": live.token}
        async with AsyncMadlabClient(env=env) as aclient:
            found = await aclient.run_results(saved.id, run.id, smarts="c-c")
            sdf = await aclient.export_run_results(saved.id, run.id, "sdf", top=2)
            assert sdf.count("$$$$") == 2
            return found

    assert [h["ligand"] for h in asyncio.run(query())] == ["biphenyl"]
    client.close()
