"""MolecularViewer3D: receptor, poses, labels and interaction lines in 3D.

Two renderers draw the same scene: nglview (a Jupyter widget, used where its
front end is installed) and py3Dmol (plain HTML and JavaScript, the fallback).
The scene itself is plain data (:attr:`MolecularViewer3D.scene`), so what a
viewer shows can be checked without a browser.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from madlab.errors import ValidationError
from madlab.molecules.interactions import Interaction

#: Colours of the interaction lines (hex), by kind.
INTERACTION_COLOURS = {
    "hydrogen_bond": "#1e88e5",
    "hydrophobic": "#9e9e9e",
    "pi_stacking": "#43a047",
    "salt_bridge": "#e53935",
}
BACKENDS = ("nglview", "py3dmol")


@dataclass(frozen=True)
class SceneItem:
    """One thing drawn: a molecule, a label or a line.

    ``kind`` is ``receptor``, ``ligand``, ``label`` or ``line``; molecules
    carry ``text`` in ``format`` (pdb, pdbqt, sdf), labels ``text`` at
    ``start``, lines go from ``start`` to ``end`` in ``colour``.
    """

    kind: str
    text: str = ""
    format: str = ""
    start: tuple[float, float, float] | None = None
    end: tuple[float, float, float] | None = None
    colour: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def nglview_frontend_version() -> str | None:
    """Version of the installed nglview front end (its JupyterLab extension), if any."""
    if importlib.util.find_spec("nglview") is None:
        return None
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:  # pragma: no cover - jupyter_core comes with jupyter_server
        return None
    for folder in jupyter_path("labextensions"):
        package = Path(folder) / "nglview-js-widgets" / "package.json"
        if package.is_file():
            try:
                return str(json.loads(package.read_text())["version"])
            except (OSError, ValueError, KeyError):
                continue
    return None


def nglview_frontend_available() -> bool:
    """True when nglview and its JupyterLab front end are installed."""
    return nglview_frontend_version() is not None


def load_nglview() -> Any:
    """nglview, its widgets asking for the front end that is installed.

    nglview 4.0.x asks for front end "4.0" but ships it labelled 3.1.5 (nglview
    issue #1181), so the browser refuses every nglview widget. The kernel side
    then asks for the installed version: new viewers through a subclass, the
    colour-scheme registry nglview makes on import by setting its fields.
    """
    import nglview

    global _NGL_WIDGET
    if _NGL_WIDGET is None:
        version = nglview_frontend_version()
        base = nglview.NGLWidget
        if version is None or base.class_traits()["_model_module_version"].default_value == version:
            _NGL_WIDGET = base
        else:
            from traitlets import Unicode

            _NGL_WIDGET = type(
                "NGLWidget",
                (base,),
                {
                    "_model_module_version": Unicode(version).tag(sync=True),
                    "_view_module_version": Unicode(version).tag(sync=True),
                    "__module__": __name__,
                },
            )
            registry = nglview.color.ColormakerRegistry
            registry._model_module_version = registry._view_module_version = version
    return nglview


_NGL_WIDGET: Any = None


def choose_backend(requested: str = "auto") -> str:
    """``nglview`` where its front end is available, else ``py3dmol`` (or as requested).

    Raises
    ------
    madlab.errors.ValidationError
        For a name other than ``auto``, ``nglview`` or ``py3dmol``.
    """
    if requested == "auto":
        return "nglview" if nglview_frontend_available() else "py3dmol"
    if requested not in BACKENDS:
        raise ValidationError(
            f"unknown 3D viewer {requested!r}",
            field="backend",
            hint="use 'auto', 'nglview' or 'py3dmol'",
        )
    return requested


def _rgb(colour: str) -> list[float]:
    colour = colour.lstrip("#")
    return [int(colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]


class MolecularViewer3D(widgets.VBox):
    """A 3D view of a receptor and ligands with labels and interaction lines.

    Parameters
    ----------
    backend
        ``auto`` (nglview where its front end is installed, else py3Dmol),
        ``nglview`` or ``py3dmol``.
    width, height
        Size in pixels.

    Attributes
    ----------
    scene
        What is drawn, in order.
    view
        The nglview widget or py3Dmol view of the last :meth:`render`.
    """

    def __init__(self, *, backend: str = "auto", width: int = 640, height: int = 480) -> None:
        self.backend = choose_backend(backend)
        if self.backend == "nglview":
            load_nglview()  # before the page connects, so Voila sees the fixed versions
        self.width, self.height = width, height
        self.scene: list[SceneItem] = []
        self.view: Any = None
        self.output = widgets.Output(layout=widgets.Layout(width=f"{width + 20}px"))
        super().__init__([self.output])

    def clear(self) -> None:
        """Remove everything from the scene."""
        self.scene = []

    def add_receptor(self, text: str, format: str = "pdb") -> None:
        """Add the receptor (PDB or PDBQT text), drawn as a cartoon with its pocket as lines."""
        self.scene.append(SceneItem("receptor", text=text, format=format))

    def add_ligand(self, molblock: str, name: str = "", format: str = "sdf") -> None:
        """Add a ligand pose (an SDF record), drawn as sticks."""
        self.scene.append(SceneItem("ligand", text=molblock, format=format, extra={"name": name}))

    def add_labels(self, labels: Iterable[tuple[str, Sequence[float]]]) -> None:
        """Add text labels at positions (for example pocket residues)."""
        for text, xyz in labels:
            start = (float(xyz[0]), float(xyz[1]), float(xyz[2]))
            self.scene.append(SceneItem("label", text=text, start=start))

    def add_interactions(self, interactions: Iterable[Interaction]) -> None:
        """Add a dashed line per interaction, coloured by kind."""
        for i in interactions:
            self.scene.append(
                SceneItem(
                    "line",
                    text=i.kind,
                    start=i.ligand_point,
                    end=i.protein_point,
                    colour=INTERACTION_COLOURS.get(i.kind, "#000000"),
                )
            )

    def render(self) -> Any:
        """Draw the scene with the chosen backend; returns the nglview widget or py3Dmol view."""
        self.view = self._nglview() if self.backend == "nglview" else self._py3dmol()
        return self.view

    def _nglview(self) -> Any:
        nglview = load_nglview()
        view = _NGL_WIDGET()
        view.layout.width, view.layout.height = f"{self.width}px", f"{self.height}px"
        shapes: list[list[Any]] = []
        ligands: list[int] = []
        for index, item in enumerate(self.molecules()):
            view.add_component(nglview.TextStructure(item.text, ext=item.format))
            view.clear_representations(component=index)
            if item.kind == "receptor":
                view.add_representation("cartoon", component=index, color="silver")
                view.add_representation(
                    "licorice", component=index, selection="sidechainAttached", opacity=0.3
                )
            else:
                view.add_representation("ball+stick", component=index)
                ligands.append(index)
        for item in self.scene:
            if item.kind == "label" and item.start:
                shapes.append(["text", list(item.start), [0.1, 0.1, 0.1], 1.2, item.text])
            elif item.kind == "line" and item.start and item.end:
                shapes.append(
                    ["cylinder", list(item.start), list(item.end), _rgb(item.colour), 0.08]
                )
        if shapes:
            view._add_shape(shapes, name="madlab")
        if ligands:  # the pose in its pocket, not the whole protein
            view.center(component=ligands[-1])
        self.output.clear_output()
        self.children = (view,)
        return view

    def _py3dmol(self) -> Any:
        import py3Dmol

        view = py3Dmol.view(width=self.width, height=self.height)
        ligands = []
        for index, item in enumerate(self.molecules()):
            view.addModel(item.text, item.format)
            if item.kind == "receptor":
                view.setStyle({"model": index}, {"cartoon": {"color": "lightgrey"}})
            else:
                view.setStyle({"model": index}, {"stick": {"colorscheme": "greenCarbon"}})
                ligands.append(index)
        for item in self.scene:
            if item.kind == "label" and item.start:
                x, y, z = item.start
                view.addLabel(
                    item.text,
                    {"position": {"x": x, "y": y, "z": z}, "fontSize": 11, "showBackground": False},
                )
            elif item.kind == "line" and item.start and item.end:
                view.addCylinder(
                    {
                        "start": dict(zip("xyz", item.start, strict=True)),
                        "end": dict(zip("xyz", item.end, strict=True)),
                        "color": item.colour,
                        "radius": 0.08,
                        "dashed": True,
                    }
                )
        view.zoomTo({"model": ligands} if ligands else {})
        self.children = (self.output,)
        self.output.clear_output()
        with self.output:
            view.show()
        return view

    def molecules(self) -> list[SceneItem]:
        """The receptor and ligand items of the scene, in order."""
        return [i for i in self.scene if i.kind in ("receptor", "ligand")]
