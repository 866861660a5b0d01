"""DockApp: the "Dock a ligand" app, from a receptor and ligands to ranked poses in 3D.

Pick the example receptor (Abl kinase, PDB 1IEP) or an uploaded one, paste
SMILES or pick uploaded ligand files, set the box around a reference ligand or
by centre and size, choose an engine a worker can run, run, watch the job's
progress live, and inspect its ranked poses in the
:class:`~madlab.widgets.results_viewer.DockingResultsViewer`. Every input
goes to the worker as an uploaded file, so the app works the same in
JupyterLab, in Voilà and on a hub with remote workers.

The widgets a browser test clicks carry stable CSS classes: ``madlab-run``,
``madlab-status``, ``madlab-progress``, ``madlab-summary``, ``madlab-results``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as widgets
from rdkit import Chem

from madlab.client import JobInfo, MadlabClient
from madlab.errors import MadlabError, ValidationError
from madlab.widgets.file_manager import FileManager
from madlab.widgets.job_follower import JobFollower
from madlab.widgets.results_viewer import DockingResultsViewer

#: Engines in the order the app offers them.
ENGINE_ORDER = ("vina", "smina", "gnina")
#: Formats a receptor may come in, and ligands.
RECEPTOR_FORMATS = frozenset({"pdb", "mmcif", "pdbqt"})
LIGAND_FORMATS = frozenset({"sdf", "mol2", "smiles"})
#: Choice values of the example files.
EXAMPLE = "example"


def example_dir() -> Path:
    """The folder of the example complex (Abl kinase with imatinib, PDB 1IEP)."""
    return Path(str(resources.files("madlab") / "data" / "examples" / "1iep"))


def available_engines(client: MadlabClient) -> list[str]:
    """Engines some healthy worker can run (vina, smina, gnina first), from ``services``."""
    found: set[str] = set()
    for service in client.services():
        if service.healthy:
            found |= set((service.capabilities.get("engines") or {}).keys())
    known = [e for e in ENGINE_ORDER if e in found]
    return known + sorted(found - set(ENGINE_ORDER))


def parse_smiles(text: str) -> list[str]:
    """SMILES, one per line, each with its name when one follows (``#`` starts a comment).

    Raises
    ------
    madlab.errors.ValidationError
        Naming the line of the first SMILES RDKit cannot read.
    """
    out = []
    for number, line in enumerate(text.splitlines(), start=1):
        words = line.split("#")[0].split()
        if not words:
            continue
        if Chem.MolFromSmiles(words[0]) is None:
            raise ValidationError(
                f"SMILES line {number}: {words[0]!r} is not a valid SMILES",
                field="smiles",
                hint="check brackets, ring closures and atom symbols on that line",
            )
        out.append(" ".join(words[:2]))
    return out


class DockApp(widgets.VBox):
    """The "Dock a ligand" app.

    Parameters
    ----------
    client
        The API client.
    engine, exhaustiveness, num_poses, seed
        Starting values of the settings.
    backend
        3D renderer of the results (see :class:`~madlab.widgets.viewer3d.MolecularViewer3D`).

    Attributes
    ----------
    job
        The job of the last run (as last read).
    follower
        What follows that job.
    viewer
        The results of the last succeeded run.
    """

    def __init__(
        self,
        client: MadlabClient,
        *,
        engine: str = "vina",
        exhaustiveness: int = 8,
        num_poses: int = 9,
        seed: int = 42,
        backend: str = "auto",
    ) -> None:
        self.client = client
        self.backend = backend
        self.job: JobInfo | None = None
        self.follower: JobFollower | None = None
        self.viewer: DockingResultsViewer | None = None
        self._examples: dict[str, str] = {}
        self._build(engine, exhaustiveness, num_poses, seed)
        self.refresh_files()

    # -- layout ----------------------------------------------------------------

    def _build(self, engine: str, exhaustiveness: int, num_poses: int, seed: int) -> None:
        wide = widgets.Layout(width="460px")
        self.receptor = widgets.Dropdown(description="Receptor", layout=wide)
        self.ligand_source = widgets.RadioButtons(
            options=[
                ("the example ligand (imatinib from 1IEP)", EXAMPLE),
                ("SMILES", "smiles"),
                ("uploaded files", "files"),
            ],
            value=EXAMPLE,
            description="Ligands",
        )
        self.smiles = widgets.Textarea(
            placeholder="one SMILES per line, e.g. Cc1ccc(NC(=O)c2ccccc2)cc1",
            layout=widgets.Layout(width="460px", height="70px"),
        )
        self.ligand_files = widgets.SelectMultiple(description="Files", rows=4, layout=wide)
        self.box_mode = widgets.RadioButtons(
            options=[("around a reference ligand", "ligand"), ("centre and size", "coordinates")],
            value="ligand",
            description="Box",
        )
        self.box_ligand = widgets.Dropdown(description="Reference", layout=wide)
        self.padding = widgets.BoundedFloatText(
            value=4.0, min=0.0, max=20.0, step=0.5, description="Padding Å"
        )
        self.rmsd = widgets.Checkbox(value=True, description="RMSD to the reference", indent=False)
        self.center = [widgets.FloatText(description=f"centre {a}") for a in "xyz"]
        self.size = [widgets.FloatText(value=20.0, description=f"size {a}") for a in "xyz"]
        engines = self._engines()
        self.engine = widgets.Dropdown(
            options=engines, value=engine if engine in engines else engines[0], description="Engine"
        )
        self.exhaustiveness = widgets.IntSlider(
            value=exhaustiveness, min=1, max=64, description="Exhaustiveness"
        )
        self.num_poses = widgets.IntSlider(value=num_poses, min=1, max=20, description="Poses")
        self.seed = widgets.IntText(value=seed, description="Seed")
        self.run_button = widgets.Button(description="Run", icon="play", button_style="primary")
        self.progress = widgets.FloatProgress(min=0.0, max=1.0, description="Progress")
        self.status = widgets.HTML()
        self.summary_html = widgets.HTML()
        self.results = widgets.VBox()
        self.files = FileManager(self.client, backend=self.backend)
        self.files.listing.observe(lambda _: self.refresh_files(), names="options")
        for w, name in (
            (self.run_button, "madlab-run"),
            (self.progress, "madlab-progress"),
            (self.status, "madlab-status"),
            (self.summary_html, "madlab-summary"),
            (self.results, "madlab-results"),
            (self.receptor, "madlab-receptor"),
            (self.smiles, "madlab-smiles"),
        ):
            w.add_class(name)
        self.run_button.on_click(lambda _: self.run())
        self.ligand_source.observe(lambda _: self._show_choices(), names="value")
        self.box_mode.observe(lambda _: self._show_choices(), names="value")
        uploads = widgets.Accordion(children=[self.files], titles=("Upload files",))
        uploads.selected_index = None
        self.ligand_area = widgets.VBox()
        self.box_area = widgets.VBox()
        super().__init__(
            [
                widgets.HTML("<h3>1. Receptor and ligands</h3>"),
                uploads,
                self.receptor,
                self.ligand_source,
                self.ligand_area,
                widgets.HTML("<h3>2. Search box</h3>"),
                self.box_mode,
                self.box_area,
                widgets.HTML("<h3>3. Engine</h3>"),
                widgets.HBox([self.engine, self.seed]),
                widgets.HBox([self.exhaustiveness, self.num_poses]),
                widgets.HBox([self.run_button, self.progress]),
                self.status,
                self.summary_html,
                self.results,
            ]
        )
        self._show_choices()

    def _engines(self) -> list[str]:
        try:
            engines = available_engines(self.client)
        except MadlabError:
            engines = []
        if not engines:
            self.status.value = (
                '<span style="color:#e65100">no docking worker is registered yet: a job '
                "waits in the queue until one starts</span>"
            )
            return ["vina"]
        return engines

    def _show_choices(self) -> None:
        source = self.ligand_source.value
        self.ligand_area.children = (
            (self.smiles,)
            if source == "smiles"
            else (self.ligand_files,)
            if source == "files"
            else ()
        )
        if self.box_mode.value == "ligand":
            self.box_area.children = (widgets.HBox([self.box_ligand, self.padding]), self.rmsd)
        else:
            self.box_area.children = (widgets.HBox(self.center), widgets.HBox(self.size))

    def refresh_files(self) -> None:
        """Offer the organization's uploaded files in the receptor and ligand choices."""
        files = self.files.files
        receptors = [(f"{f.name} (uploaded)", f.key) for f in files if f.format in RECEPTOR_FORMATS]
        ligands = [(f"{f.name} (uploaded)", f.key) for f in files if f.format in LIGAND_FORMATS]
        references = [(f"{f.name} (uploaded)", f.key) for f in files if f.format in ("sdf", "mol2")]
        self._replace(self.receptor, [("example: Abl kinase (1IEP)", EXAMPLE), *receptors])
        self._replace(self.box_ligand, [("example: imatinib from 1IEP", EXAMPLE), *references])
        self.ligand_files.options = ligands

    @staticmethod
    def _replace(dropdown: widgets.Dropdown, options: list[tuple[str, str]]) -> None:
        keep = dropdown.value
        dropdown.options = options
        dropdown.value = keep if keep in [v for _, v in options] else options[0][1]

    # -- the request -------------------------------------------------------------

    def _example(self, name: str) -> str:
        """The artifact key of an example file, uploaded once."""
        if name not in self._examples:
            self._examples[name] = self.client.upload(example_dir() / name, f"1iep_{name}").key
        return self._examples[name]

    def _key(self, value: str, example: str) -> str:
        return self._example(example) if value == EXAMPLE else value

    def parameters(self) -> dict[str, Any]:
        """The ``dock`` task's parameters from the app's choices (uploads example files).

        Raises
        ------
        madlab.errors.ValidationError
            No ligand given, an unreadable SMILES (its line), or a box of zero size.
        """
        params: dict[str, Any] = {"receptor": self._key(self.receptor.value, "receptor.pdb")}
        source = self.ligand_source.value
        if source == EXAMPLE:
            params["ligand_files"] = [self._example("ligand.sdf")]
        elif source == "smiles":
            params["smiles"] = parse_smiles(self.smiles.value)
            if not params["smiles"]:
                raise ValidationError(
                    "no SMILES given", field="smiles", hint="paste one SMILES per line"
                )
        else:
            if not self.ligand_files.value:
                raise ValidationError(
                    "no ligand file picked",
                    field="ligand_files",
                    hint="upload ligands (SDF, MOL2, SMILES) above and pick them in the list",
                )
            params["ligand_files"] = list(self.ligand_files.value)
        if self.box_mode.value == "ligand":
            reference = self._key(self.box_ligand.value, "ligand.sdf")
            params["autobox_ligand"] = reference
            params["autobox_add"] = float(self.padding.value)
            if self.rmsd.value:
                params["reference"] = reference
        else:
            size = [float(w.value) for w in self.size]
            if min(size) <= 0:
                raise ValidationError(
                    f"the box size must be positive in x, y and z, not {size}",
                    field="size",
                    hint="give each side of the box in Å (20 Å fits most drug-sized ligands)",
                )
            params["center"] = [float(w.value) for w in self.center]
            params["size"] = size
        params.update(
            engine=self.engine.value,
            exhaustiveness=int(self.exhaustiveness.value),
            num_poses=int(self.num_poses.value),
            seed=int(self.seed.value),
        )
        return params

    # -- running -------------------------------------------------------------------

    def run(self) -> JobInfo | None:
        """Submit the docking job and follow it; returns the job, or ``None`` when refused."""
        if self.follower is not None and not self.follower.done:
            self._say("a job is already running: wait for it to end", "#e65100")
            return None
        self.results.children = ()
        self.summary_html.value = ""
        self.viewer = None
        try:
            params = self.parameters()
            job = self.client.execute("dock", params, name="dock a ligand")
        except MadlabError as err:
            self._say(f"not started: {html.escape(str(err))}", "#b00020")
            return None
        self.job = job
        self.progress.value, self.progress.bar_style = 0.0, "info"
        self.run_button.disabled = True
        self._say(f"job {job.id[:8]} {job.status}", "#555")
        self.follower = JobFollower(
            self.client, job, on_update=self._updated, on_final=self._ended
        ).start()
        return job

    def wait(self, timeout: float = 600.0) -> JobInfo:
        """Block until the running job has ended and its results are shown.

        Raises
        ------
        madlab.errors.ValidationError
            When nothing was started.
        madlab.errors.TimedOutError
            When the job is still going after ``timeout`` seconds.
        """
        if self.follower is None:
            raise ValidationError("no job was started", hint="press Run (or call run()) first")
        return self.follower.wait(timeout)

    def _say(self, text: str, colour: str) -> None:
        self.status.value = f'<span style="color:{colour}">{text}</span>'

    def _updated(self, job: JobInfo, progress: float) -> None:
        self.job = job
        self.progress.value = progress
        self._say(f"job {job.id[:8]} {job.status} ({progress:.0%})", "#0d47a1")

    def _ended(self, job: JobInfo) -> None:
        self.job = job
        self.run_button.disabled = False
        if job.status != "succeeded":
            self.progress.bar_style = "danger"
            reason = (job.error or {}).get("message") or job.status
            self._say(f"job {job.id[:8]} {job.status}: {html.escape(str(reason))}", "#b00020")
            self.summary_html.value = self._summary_html()
            return
        self.progress.value, self.progress.bar_style = 1.0, "success"
        self._say(f"job {job.id[:8]} succeeded", "#1b5e20")
        try:
            self.viewer = DockingResultsViewer(self.client, job.id, backend=self.backend)
        except MadlabError as err:
            self._say(f"job {job.id[:8]} succeeded; results unavailable: {err}", "#b00020")
            return
        self.results.children = (self.viewer,)
        self.summary_html.value = self._summary_html()

    def summary(self) -> dict[str, Any]:
        """The last run in numbers: job, state, ligands, poses, best affinity and RMSD."""
        if self.job is None:
            return {"status": "not started"}
        rows = self.viewer.rows if self.viewer is not None else []
        rmsds = [r.rmsd for r in rows if r.rank == 1 and r.rmsd is not None]
        return {
            "job_id": self.job.id,
            "status": self.job.status,
            "engine": str(self.job.parameters.get("engine") or self.engine.value),
            "ligands": len({r.result_id for r in rows}),
            "poses": len(rows),
            "best_affinity": min((r.affinity for r in rows), default=None),
            "top_pose_rmsd": min(rmsds, default=None),
        }

    def _summary_html(self) -> str:
        data = self.summary()
        parts = [f"<b>{html.escape(str(data['status']))}</b>"]
        if data.get("poses"):
            parts.append(f"{data['poses']} poses of {data['ligands']} ligand(s)")
            parts.append(f"best affinity {data['best_affinity']:.2f} kcal/mol")
        if data.get("top_pose_rmsd") is not None:
            parts.append(f"RMSD of the top pose {data['top_pose_rmsd']:.2f} Å")
        return " · ".join(parts)


def query_overrides(query: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults`` with the values a URL's query string sets (Voilà's ``QUERY_STRING``).

    Only names in ``defaults`` are read, each converted to its default's type
    (``?exhaustiveness=2&engine=smina&auto_run=1``).

    Raises
    ------
    madlab.errors.ValidationError
        Naming the parameter whose value cannot be converted.
    """
    out = dict(defaults)
    for name, values in parse_qs(query).items():
        if name not in defaults or not values:
            continue
        default, text = defaults[name], values[-1]
        try:
            if isinstance(default, bool):
                out[name] = text.lower() in ("1", "true", "yes", "on")
            elif isinstance(default, (int, float)):
                out[name] = type(default)(text)
            else:
                out[name] = text
        except ValueError:
            raise ValidationError(
                f"query parameter {name}={text!r} is not "
                + ("a whole number" if isinstance(default, int) else "a number"),
                field=name,
                hint=f"for example ?{name}={default}",
            ) from None
    return out
