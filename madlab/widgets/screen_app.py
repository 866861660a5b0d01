"""ScreenApp: the "Screen a library" app, a ligand library docked into one receptor.

The same choices as :class:`~madlab.widgets.dock_app.DockApp` (receptor, box,
engine), with a library of SMILES or uploaded SDF/SMILES files docked as one
batch job (the receptor's maps are computed once). When the job ends the app
shows the top ligands by affinity with their ligand efficiency, the
distribution of the best scores, and the poses in 3D on demand.

Stable CSS classes for browser tests: those of the dock app, plus
``madlab-top-table`` and ``madlab-score-plot``.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from rdkit import Chem

from madlab.client import JobInfo, MadlabClient
from madlab.errors import MadlabError
from madlab.widgets.dock_app import DockApp
from madlab.widgets.results_viewer import DockingResultsViewer

#: A small library around imatinib's pharmacophore, for the example screen.
EXAMPLE_LIBRARY = """\
c1ccc(Nc2nccc(-c3cccnc3)n2)cc1 phenylaminopyrimidine
Cc1ccc(NC(=O)c2ccccc2)cc1 N-p-tolylbenzamide
CN1CCN(Cc2ccccc2)CC1 1-benzyl-4-methylpiperazine
Cc1ccc(N)cc1Nc1nccc(-c2cccnc2)n1 imatinib-amine-fragment
O=C(Nc1ccccc1)c1ccc(CN2CCNCC2)cc1 piperazinylmethyl-benzanilide
"""


@dataclass(frozen=True)
class ScreenRow:
    """One ligand of a screen: its best affinity and ligand efficiency."""

    ligand: str
    smiles: str
    affinity: float | None
    heavy_atoms: int
    error: str | None = None

    @property
    def ligand_efficiency(self) -> float | None:
        """−affinity per heavy atom (kcal/mol per atom); ``None`` without a score."""
        return ligand_efficiency(self.affinity, self.heavy_atoms)


def ligand_efficiency(affinity: float | None, heavy_atoms: int) -> float | None:
    """Ligand efficiency, −ΔG / heavy atoms (kcal/mol per heavy atom)."""
    if affinity is None or heavy_atoms <= 0:
        return None
    return -affinity / heavy_atoms


def heavy_atom_count(smiles: str) -> int:
    """Heavy atoms of a SMILES (0 when it cannot be read)."""
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    return mol.GetNumHeavyAtoms() if mol is not None else 0


def screen_rows(results: Sequence[Mapping[str, Any]]) -> list[ScreenRow]:
    """The results of a screen (as the API returns them), best affinity first, failures last."""
    rows = [
        ScreenRow(
            ligand=str(r.get("ligand") or f"result {r.get('id')}"),
            smiles=str(r.get("smiles") or ""),
            affinity=r.get("binding_affinity"),
            heavy_atoms=heavy_atom_count(str(r.get("smiles") or "")),
            error=r.get("error"),
        )
        for r in results
    ]
    return sorted(rows, key=lambda r: (r.affinity is None, r.affinity or 0.0))


def top_table_html(rows: Sequence[ScreenRow], top: int) -> str:
    """The ``top`` best ligands as an HTML table (rank, ligand, affinity, LE, SMILES)."""
    scored = [r for r in rows if r.affinity is not None][:top]
    if not scored:
        return "<i>no ligand was docked</i>"
    body = "".join(
        f"<tr><td>{rank}</td><td>{html.escape(r.ligand)}</td><td>{r.affinity:.2f}</td>"
        f"<td>{r.ligand_efficiency:.3f}</td><td>{r.heavy_atoms}</td>"
        f"<td><code>{html.escape(r.smiles)}</code></td></tr>"
        for rank, r in enumerate(scored, start=1)
        if r.affinity is not None and r.ligand_efficiency is not None
    )
    head = (
        "<tr><th>rank</th><th>ligand</th><th>affinity (kcal/mol)</th>"
        "<th>ligand efficiency</th><th>heavy atoms</th><th>SMILES</th></tr>"
    )
    return f'<table class="madlab-top">{head}{body}</table>'


def histogram_png(affinities: Sequence[float], title: str = "Best affinity per ligand") -> bytes:
    """A histogram of the scores as PNG bytes (matplotlib, no display needed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.5, 3.2), dpi=100)
    ax = fig.add_subplot()
    ax.hist(list(affinities), bins=min(30, max(5, len(affinities) // 2)), color="#3b75af")
    ax.set_xlabel("best affinity (kcal/mol)")
    ax.set_ylabel("ligands")
    ax.set_title(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class ScreenResults(widgets.VBox):
    """A screen's top ligands, score distribution and, on demand, its poses in 3D.

    Parameters
    ----------
    client
        The API client.
    job_id
        The screening job.
    top
        How many ligands the table shows.
    backend
        3D renderer of the poses.
    """

    def __init__(
        self, client: MadlabClient, job_id: str, *, top: int = 10, backend: str = "auto"
    ) -> None:
        self.client = client
        self.job_id = job_id
        self.backend = backend
        self.rows = screen_rows(client.results(job_id, poses=False))
        self.failed = [r for r in self.rows if r.affinity is None]
        self.top = widgets.IntSlider(
            value=top, min=1, max=max(1, len(self.rows)), description="Top"
        )
        self.table = widgets.HTML(top_table_html(self.rows, top))
        self.table.add_class("madlab-top-table")
        scores = [r.affinity for r in self.rows if r.affinity is not None]
        self.plot = widgets.Image(value=histogram_png(scores) if scores else b"", format="png")
        self.plot.add_class("madlab-score-plot")
        self.poses_button = widgets.Button(description="Poses in 3D", icon="cube")
        self.poses_area = widgets.VBox()
        self.viewer: DockingResultsViewer | None = None
        self.top.observe(lambda c: self._retable(int(c["new"])), names="value")
        self.poses_button.on_click(lambda _: self.open_poses())
        failed = (
            "; failed: " + ", ".join(f"{html.escape(r.ligand)} ({r.error})" for r in self.failed)
            if self.failed
            else ""
        )
        super().__init__(
            [
                widgets.HTML(
                    f"<b>{len(self.rows) - len(self.failed)} of {len(self.rows)} ligands "
                    f"docked</b>{failed}"
                ),
                self.top,
                self.table,
                self.plot,
                self.poses_button,
                self.poses_area,
            ]
        )

    def _retable(self, top: int) -> None:
        self.table.value = top_table_html(self.rows, top)

    def open_poses(self) -> DockingResultsViewer:
        """Show every pose of the screen in the results viewer."""
        self.viewer = DockingResultsViewer(self.client, self.job_id, backend=self.backend)
        self.poses_area.children = (self.viewer,)
        return self.viewer


class ScreenApp(DockApp):
    """The "Screen a library" app (parameters as :class:`~madlab.widgets.dock_app.DockApp`).

    Attributes
    ----------
    screen
        The results of the last succeeded run.
    """

    def __init__(self, client: MadlabClient, *, top: int = 10, **options: Any) -> None:
        options.setdefault("num_poses", 1)
        self.top_n = top
        self.screen: ScreenResults | None = None
        super().__init__(client, **options)
        self.smiles.value = EXAMPLE_LIBRARY
        self.ligand_source.value = "smiles"
        self.rmsd.value = False

    def _ended(self, job: JobInfo) -> None:
        self.job = job
        self.run_button.disabled = False
        if job.status != "succeeded":
            super()._ended(job)
            return
        self.progress.value, self.progress.bar_style = 1.0, "success"
        self._say(f"job {job.id[:8]} succeeded", "#1b5e20")
        try:
            self.screen = ScreenResults(self.client, job.id, top=self.top_n, backend=self.backend)
        except MadlabError as err:
            self._say(f"job {job.id[:8]} succeeded; results unavailable: {err}", "#b00020")
            return
        self.results.children = (self.screen,)
        self.summary_html.value = self._summary_html()

    def summary(self) -> dict[str, Any]:
        """The last screen in numbers: job, state, ligands docked and failed, the best hits."""
        if self.job is None:
            return {"status": "not started"}
        rows = self.screen.rows if self.screen is not None else []
        scored = [r for r in rows if r.affinity is not None]
        return {
            "job_id": self.job.id,
            "status": self.job.status,
            "engine": str(self.job.parameters.get("engine") or self.engine.value),
            "ligands": len(rows),
            "docked": len(scored),
            "failed": len(rows) - len(scored),
            "best_affinity": scored[0].affinity if scored else None,
            "top": [
                {
                    "ligand": r.ligand,
                    "affinity": r.affinity,
                    "ligand_efficiency": r.ligand_efficiency,
                }
                for r in scored[: self.top_n]
            ],
        }

    def _summary_html(self) -> str:
        data = self.summary()
        text = f"<b>{html.escape(str(data['status']))}</b>"
        if data.get("docked"):
            text += (
                f" · {data['docked']} of {data['ligands']} ligands docked"
                f" · best affinity {data['best_affinity']:.2f} kcal/mol"
            )
        return text
