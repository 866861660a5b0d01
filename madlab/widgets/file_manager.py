"""FileManager: upload molecular files with their validation report, preview, delete.

Uploads go through :meth:`MadlabClient.upload`; the server validates each
file (format, records, atoms, warnings) and the report is shown inline, or the
reason it was refused. A picked file is previewed in 2D (ligand formats) and
in 3D (every format but SMILES).
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from rdkit import Chem
from rdkit.Chem import rdDepictor
from rdkit.Chem.Draw import rdMolDraw2D

from madlab.client import FileInfo, MadlabClient
from madlab.errors import MadlabError
from madlab.widgets.viewer3d import MolecularViewer3D

#: File name endings the upload button offers.
ACCEPT = ".pdb,.ent,.cif,.mmcif,.sdf,.sd,.mol,.mol2,.pdbqt,.smi,.smiles"
#: 3D formats of the viewers, by madlab format name.
VIEWER_FORMATS = {"pdb": "pdb", "mmcif": "cif", "sdf": "sdf", "mol2": "mol2", "pdbqt": "pdbqt"}


def first_molecule(text: str, fmt: str) -> Chem.Mol | None:
    """The first molecule of a ligand file (SDF, MOL2, SMILES), ``None`` for other formats."""
    if fmt == "sdf":
        return Chem.MolFromMolBlock(text.split("$$$$")[0])
    if fmt == "mol2":
        block = (
            "@<TRIPOS>MOLECULE" + text.split("@<TRIPOS>MOLECULE")[1] if "@<TRIPOS>" in text else ""
        )
        return Chem.MolFromMol2Block(block) if block else None
    if fmt == "smiles":
        line = next((ln for ln in text.splitlines() if ln.strip()), "")
        return Chem.MolFromSmiles(line.split()[0]) if line else None
    return None


def preview_svg(text: str, fmt: str, width: int = 280, height: int = 200) -> str:
    """A 2D drawing of the file's first ligand, or ``""`` when the format has none."""
    mol = first_molecule(text, fmt)
    if mol is None:
        return ""
    mol = Chem.RemoveHs(mol)
    rdDepictor.Compute2DCoords(mol)
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    drawer.DrawMolecule(mol)
    drawer.FinishDrawing()
    svg: str = drawer.GetDrawingText()
    return svg


def report_html(info: FileInfo) -> str:
    """The server's validation report of an upload as HTML."""
    text = (
        f"<b>{html.escape(info.name)}</b>: {html.escape(info.format)}, "
        f"{info.records} record(s), {info.atoms} atoms, {info.size} bytes"
    )
    if info.warnings:
        items = "".join(f"<li>{html.escape(w)}</li>" for w in info.warnings)
        text += f'<ul style="color:#e65100">{items}</ul>'
    else:
        text += ' <span style="color:#1b5e20">no problem found</span>'
    return text


class FileManager(widgets.VBox):
    """The organization's molecular files: upload, validation report, preview, delete.

    Parameters
    ----------
    client
        The API client.
    backend
        3D renderer of the preview.

    Attributes
    ----------
    files
        The files as last listed.
    reports
        The validation report (or refusal) of each upload, newest last.
    """

    def __init__(self, client: MadlabClient, *, backend: str = "auto") -> None:
        self.client = client
        self.files: list[FileInfo] = []
        self.reports: list[str] = []
        self.uploader = widgets.FileUpload(accept=ACCEPT, multiple=True, description="Upload")
        self.report = widgets.HTML()
        self.listing = widgets.Select(options=[], rows=8, layout=widgets.Layout(width="420px"))
        self.delete_button = widgets.Button(description="Delete", icon="trash", disabled=True)
        self.depiction = widgets.HTML()
        self.viewer = MolecularViewer3D(backend=backend, width=480, height=360)
        self.uploader.observe(self._uploaded, names="value")
        self.listing.observe(self._picked, names="value")
        self.delete_button.on_click(lambda _: self._delete_selected())
        super().__init__(
            [
                widgets.HBox([self.uploader]),
                self.report,
                widgets.HBox([self.listing, self.delete_button]),
                widgets.HBox([self.depiction, self.viewer]),
            ]
        )
        self.refresh()

    def refresh(self) -> list[FileInfo]:
        """List the organization's files again."""
        try:
            self.files = self.client.files()
        except MadlabError as err:
            self.report.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            return self.files
        self.listing.options = [
            (f"{f.name} · {f.format} · {f.records} rec.", f.id) for f in self.files
        ]
        return self.files

    def _uploaded(self, change: Mapping[str, Any]) -> None:
        for item in change.get("new") or ():
            self.upload_bytes(str(item["name"]), bytes(item["content"]))
        self.refresh()

    def upload_bytes(self, name: str, data: bytes) -> FileInfo | None:
        """Upload one file's bytes; shows (and returns) its report, or ``None`` when refused."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(data)
            try:
                info = self.client.upload(path, name)
            except MadlabError as err:
                text = (
                    f'<b>{html.escape(name)}</b>: <span style="color:#b00020">refused: '
                    f"{html.escape(str(err))}</span>"
                )
                self.reports.append(text)
                self.report.value = text
                return None
        text = report_html(info)
        self.reports.append(text)
        self.report.value = text
        return info

    def _picked(self, change: Mapping[str, Any]) -> None:
        self.delete_button.disabled = change.get("new") is None
        if change.get("new"):
            self.preview(str(change["new"]))

    def preview(self, file_id: str) -> None:
        """Show a file in 2D (ligand formats) and 3D (all but SMILES)."""
        info = next((f for f in self.files if f.id == file_id), None)
        if info is None:
            return
        text = self.client.file_content(file_id).decode(errors="replace")
        self.depiction.value = preview_svg(text, info.format)
        self.viewer.clear()
        fmt = VIEWER_FORMATS.get(info.format)
        if fmt is not None:
            if info.format in ("sdf", "mol2"):
                self.viewer.add_ligand(text, info.name, fmt)
            else:
                self.viewer.add_receptor(text, fmt)
        self.viewer.render()

    def _delete_selected(self) -> None:
        if self.listing.value:
            self.delete(str(self.listing.value))

    def delete(self, file_id: str) -> None:
        """Delete a file and list the files again."""
        try:
            self.client.delete_file(file_id)
        except MadlabError as err:
            self.report.value = f'<span style="color:#b00020">{html.escape(str(err))}</span>'
            return
        self.depiction.value = ""
        self.viewer.clear()
        self.refresh()
