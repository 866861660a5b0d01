"""The ``prepare_ligands`` task: ligand files or SMILES to docking-ready PDBQT artifacts."""

from __future__ import annotations

from typing import Any

from madlab.domain import PreparedLigand
from madlab.domain.tasks import TaskDefinition
from madlab.errors import MadlabError, PreparationError, ValidationError
from madlab.tasks.builtin.inputs import FILE, STANDARD_QUEUE, local_file, resources
from madlab.tasks.context import TaskContext
from madlab.tasks.registry import BuiltinTask

INPUTS: dict[str, Any] = {
    "type": "object",
    "title": "Prepare ligands",
    "additionalProperties": False,
    "anyOf": [{"required": ["ligands"]}, {"required": ["smiles"]}],
    "properties": {
        "ligands": {**FILE, "description": "SDF, MOL2 or SMILES file (path or artifact key)"},
        "smiles": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "minItems": 1,
            "description": "SMILES strings, each optionally followed by a name",
        },
        "ph": {"type": "number", "minimum": 0, "maximum": 14, "default": 7.4},
        "protonation": {
            "type": "boolean",
            "default": True,
            "description": "set the charge state for the pH (false: keep it as given)",
        },
        "strict": {
            "type": "boolean",
            "default": False,
            "description": "fail on the first bad ligand instead of reporting it and going on",
        },
    },
}

OUTPUTS: dict[str, Any] = {
    "type": "object",
    "required": ["ligands", "failed", "sdf"],
    "properties": {
        "ligands": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "smiles": {"type": "string"},
                    "source": {"type": "string"},
                    "pdbqt": {"type": "string", "description": "artifact key"},
                    "warnings": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "failed": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"ligand": {"type": "string"}, "error": {"type": "string"}},
            },
        },
        "sdf": {
            "type": "string",
            "description": "artifact key of every prepared ligand as one SDF",
        },
    },
}

DEFINITION = TaskDefinition(
    task_id="prepare_ligands",
    version="1",
    name="Prepare ligands",
    category="preparation",
    description=(
        "Read ligands from a file or SMILES, set their charge state for a pH, add hydrogens "
        "and 3D coordinates, and write one PDBQT per ligand with Meeko. Bad ligands are "
        "reported one by one while the others go on."
    ),
    interface_spec={"inputs": INPUTS, "outputs": OUTPUTS},
    service_config={"queue": STANDARD_QUEUE, "resources": resources(1, 2048), "requires": []},
)


def _collect(
    ctx: TaskContext, params: dict[str, Any], failed: list[dict[str, str]]
) -> list[PreparedLigand]:
    from madlab.molecules.ligand import prepare_ligands

    ph, strict = params.get("ph", 7.4), params.get("strict", False)
    protonation = params.get("protonation", True)
    ligands: list[PreparedLigand] = []

    def skipped(err: MadlabError) -> None:
        record = err.details.get("record")
        label = err.details.get("ligand") or (f"record {record}" if record else "")
        failed.append({"ligand": str(label), "error": str(err)})

    if "ligands" in params:
        path = local_file(ctx, params["ligands"], "ligands")
        ligands.extend(
            prepare_ligands(path, ph=ph, strict=strict, protonation=protonation, on_error=skipped)
        )
    for i, smi in enumerate(params.get("smiles", []), start=1):
        try:
            ligands.extend(
                prepare_ligands(
                    smi, ph=ph, strict=True, protonation=protonation, name=f"smiles_{i}"
                )
            )
        except MadlabError as err:
            if strict:
                raise ValidationError(
                    f"smiles[{i - 1}]: {err.message}", field=f"smiles[{i - 1}]", hint=err.hint
                ) from err
            failed.append({"ligand": smi, "error": f"smiles[{i - 1}]: {err}"})
    return ligands


def run(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Prepare every ligand; store one PDBQT artifact each and one SDF of them all.

    Returns the prepared ligands (name, SMILES, source, PDBQT key, warnings),
    the ligands that failed with their errors, and the SDF's key.
    """
    from rdkit import Chem

    from madlab.molecules.pdbqt import ligand_to_pdbqt

    failed: list[dict[str, str]] = []
    ligands = _collect(ctx, params, failed)
    done: list[dict[str, Any]] = []
    sdf_path = ctx.workdir / "prepared_ligands.sdf"
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    ctx.progress(0, len(ligands))
    with Chem.SDWriter(str(sdf_path)) as writer:
        for n, ligand in enumerate(ligands, start=1):
            try:
                text = ligand_to_pdbqt(ligand)
            except MadlabError as err:
                if params.get("strict", False):
                    raise
                failed.append({"ligand": ligand.name, "error": str(err)})
                ctx.progress(n, len(ligands))
                continue
            key = ctx.artifacts.put_bytes(
                text.encode(), name=f"{ligand.name}.pdbqt", media_type="chemical/x-pdbqt"
            ).key
            ligand.mol.SetProp("_Name", ligand.name)
            writer.write(ligand.mol)
            entry = {
                "name": ligand.name,
                "smiles": ligand.smiles,
                "source": ligand.source,
                "pdbqt": key,
                "warnings": list(ligand.warnings),
            }
            done.append(entry)
            ctx.progress(n, len(ligands))
            ctx.partial(entry)
            if ctx.is_cancelled():
                break
    if not done:
        raise PreparationError(
            "no ligand could be prepared: " + "; ".join(f["error"] for f in failed),
            hint="fix the ligands named and run again",
            failed=failed,
        )
    sdf = ctx.artifacts.put_file(
        sdf_path, name="prepared_ligands.sdf", media_type="chemical/x-mdl-sdfile", compress=True
    ).key
    return {"ligands": done, "failed": failed, "sdf": sdf}


TASK = BuiltinTask(definition=DEFINITION, implementation=run)
