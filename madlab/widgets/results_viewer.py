"""DockingResultsViewer: a job's ranked poses, their 2D depictions, and each in 3D in its pocket.

The table lists every pose of every ligand, best ligand first and by rank
within a ligand, with its affinity (kcal/mol), the CNN's pose score and
affinity where the engine gave them, and its RMSD where a reference was
given. Picking a pose draws its ligand in 2D (RDKit SVG) and in 3D with the
receptor, the pocket residues labelled and the protein–ligand interactions
drawn and listed, and offers the pose as an SDF download.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from rdkit import Chem
from rdkit.Chem import rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D

from madlab.client import MadlabClient
from madlab.errors import MadlabError, ValidationError
from madlab.molecules.interactions import (
    Interaction,
    detect_interactions,
    pocket_residues,
    read_pose,
    read_protein,
)
from madlab.widgets.viewer3d import MolecularViewer3D

#: Role of the receptor file the dock task stores with each result.
RECEPTOR_ROLE = "receptor_pdbqt"


@dataclass(frozen=True)
class PoseRow:
    """One line of the table: a pose of one ligand and its scores."""

    ligand: str
    result_id: int
    rank: int
    affinity: float
    molblock: str
    cnn_score: float | None = None
    cnn_affinity: float | None = None
    rmsd: float | None = None
    smiles: str = ""

    @property
    def label(self) -> str:
        """One line of text for the pose list."""
        parts = [f"{self.ligand} #{self.rank}", f"{self.affinity:.2f} kcal/mol"]
        if self.cnn_score is not None:
            parts.append(f"CNNscore {self.cnn_score:.3f}")
        if self.cnn_affinity is not None:
            parts.append(f"CNNaffinity {self.cnn_affinity:.2f}")
        if self.rmsd is not None:
            parts.append(f"RMSD {self.rmsd:.2f} Å")
        return " · ".join(parts)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def pose_rows(results: Sequence[Mapping[str, Any]]) -> list[PoseRow]:
    """Every pose of the results (as the API returns them), best ligand first, then by rank."""
    ordered = sorted(
        results,
        key=lambda r: (r.get("binding_affinity") is None, r.get("binding_affinity") or 0.0),
    )
    rows = []
    for result in ordered:
        for pose in sorted(result.get("poses") or [], key=lambda p: int(p["rank"])):
            scores = pose.get("scores") or {}
            rows.append(
                PoseRow(
                    ligand=str(result.get("ligand") or f"result {result['id']}"),
                    result_id=int(result["id"]),
                    rank=int(pose["rank"]),
                    affinity=float(pose["affinity"]),
                    molblock=str(pose["molblock"]),
                    cnn_score=_number(scores.get("CNNscore")),
                    cnn_affinity=_number(scores.get("CNNaffinity")),
                    rmsd=_number(pose.get("rmsd")),
                    smiles=str(result.get("smiles") or ""),
                )
            )
    return rows


def depict_svg(molblock: str, width: int = 300, height: int = 220) -> str:
    """The pose's molecule drawn in 2D as SVG (hydrogens hidden, 2D coordinates computed).

    Raises
    ------
    madlab.errors.ValidationError
        When the record cannot be read.
    """
    mol = Chem.MolFromMolBlock(molblock, sanitize=True)
    if mol is None:
        raise ValidationError(
            "the pose's SDF record cannot be read for its 2D depiction",
            field="molblock",
            hint="check the pose's record in the job's poses SDF",
        )
    mol = Chem.RemoveHs(mol)
    rdDepictor.Compute2DCoords(mol)
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.DrawMolecule(mol)
    drawer.FinishDrawing()
    svg: str = drawer.GetDrawingText()
    return svg


def download_link(text: str, filename: str, label: str = "Download SDF") -> str:
    """An HTML link that saves ``text`` as ``filename`` (works in JupyterLab and Voilà)."""
    data = base64.b64encode(text.encode()).decode()
    return (
        f'<a download="{html.escape(filename)}" href="data:chemical/x-mdl-sdfile;base64,{data}" '
        f'target="_blank">{html.escape(label)}</a>'
    )


def interactions_html(interactions: Sequence[Interaction]) -> str:
    """The interactions as a small HTML table."""
    if not interactions:
        return "<i>no interaction found within the cut-offs</i>"
    lines = "".join(
        f"<tr><td>{i.kind.replace('_', ' ')}</td><td>{html.escape(i.residue)}</td>"
        f"<td>{html.escape(i.protein_atom)}</td><td>{i.distance:.2f} Å</td></tr>"
        for i in interactions
    )
    head = "<tr><th>kind</th><th>residue</th><th>atom</th><th>distance</th></tr>"
    return f"<table>{head}{lines}</table>"


class DockingResultsViewer(widgets.VBox):
    """A job's poses: ranked table, 2D depiction, 3D view in the pocket, interactions, download.

    Parameters
    ----------
    client
        The API client.
    job_id
        The job whose results to show.
    backend
        3D renderer (see :class:`~madlab.widgets.viewer3d.MolecularViewer3D`).
    receptor
        Receptor text (PDB) to draw instead of the one stored with each result.

    Attributes
    ----------
    rows
        The poses in table order.
    selected
        The pose shown, ``None`` before one is picked.
    interactions
        The interactions of the selected pose.
    """

    def __init__(
        self,
        client: MadlabClient,
        job_id: str,
        *,
        backend: str = "auto",
        receptor: str | None = None,
    ) -> None:
        self.client = client
        self.job_id = job_id
        self._receptors: dict[int, tuple[str, str]] = {}
        self._receptor = receptor
        self.results = client.results(job_id)
        self.rows = pose_rows(self.results)
        self.selected: PoseRow | None = None
        self.interactions: list[Interaction] = []
        self.pocket: list[tuple[str, tuple[float, float, float]]] = []
        self.table = widgets.Select(
            options=[(row.label, index) for index, row in enumerate(self.rows)],
            value=None,
            rows=min(12, max(3, len(self.rows))),
            layout=widgets.Layout(width="520px"),
        )
        self.depiction = widgets.HTML()
        self.viewer = MolecularViewer3D(backend=backend, width=560, height=420)
        self.interactions_box = widgets.HTML()
        self.download = widgets.HTML()
        self.message = widgets.HTML(self._summary())
        self.table.observe(self._picked, names="value")
        super().__init__(
            [
                self.message,
                widgets.HBox([self.table, self.depiction]),
                widgets.HBox([self.viewer, widgets.VBox([self.interactions_box, self.download])]),
            ]
        )
        if self.rows:
            self.table.value = 0

    def _summary(self) -> str:
        failed = [r for r in self.results if r.get("error")]
        text = f"<b>Job {html.escape(self.job_id[:8])}</b>: {len(self.rows)} poses of " + (
            f"{len(self.results) - len(failed)} ligands"
        )
        if failed:
            text += "; failed: " + ", ".join(
                f"{html.escape(str(r.get('ligand')))} ({html.escape(str(r['error']))})"
                for r in failed
            )
        return text

    def _picked(self, change: Mapping[str, Any]) -> None:
        if change.get("new") is not None:
            self.select(int(change["new"]))

    def receptor_text(self, result_id: int) -> tuple[str, str]:
        """The receptor of a result as (text, format), read once from the API."""
        if self._receptor is not None:
            return self._receptor, "pdb"
        if result_id not in self._receptors:
            path = f"jobs/{self.job_id}/results/{result_id}/files/{RECEPTOR_ROLE}"
            self._receptors[result_id] = (self.client.request("GET", path).text, "pdbqt")
        return self._receptors[result_id]

    def select(self, index: int) -> PoseRow:
        """Show pose ``index`` of :attr:`rows` in 2D and 3D with its interactions."""
        row = self.rows[index]
        self.selected = row
        self.depiction.value = depict_svg(row.molblock)
        self.viewer.clear()
        try:
            receptor, fmt = self.receptor_text(row.result_id)
        except MadlabError as err:
            receptor, fmt = "", ""
            self.message.value = self._summary() + f"<br>receptor unavailable: {err}"
        if receptor:
            self.viewer.add_receptor(receptor, fmt)
            self.interactions = detect_interactions(receptor, row.molblock)
            self.pocket = pocket_residues(read_protein(receptor), read_pose(row.molblock))
        else:
            self.interactions, self.pocket = [], []
        self.viewer.add_ligand(row.molblock, row.ligand)
        self.viewer.add_labels(self.pocket)
        self.viewer.add_interactions(self.interactions)
        self.viewer.render()
        self.interactions_box.value = interactions_html(self.interactions)
        name = f"{row.ligand}_pose{row.rank}.sdf".replace(" ", "_")
        self.download.value = download_link(self.pose_sdf(row), name)
        return row

    def pose_sdf(self, row: PoseRow) -> str:
        """The pose as an SDF record with its score tags, as the API serves it."""
        return self.client.pose(self.job_id, row.result_id, row.rank)
