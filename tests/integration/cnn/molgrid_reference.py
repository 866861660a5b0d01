"""Grids and CNN scores from libmolgrid and gninatorch, for comparison with madlab's scorer.

Run with the reference environment's Python (``.venv-molgrid``, made by
``make reference-env``), never with madlab's: libmolgrid needs numpy < 2 and
must be imported before RDKit, so this script imports neither RDKit nor madlab.

Usage: ``python molgrid_reference.py INPUT.npz OUTPUT.npz``. The input holds
typed atoms (smina type indices) of one receptor and of several ligand poses,
the channel maps and the model names; the output holds each pose's grid for the
first map (when asked) and each model's pose probability and affinity.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import molgrid  # first, before anything that could load another RDKit or OpenBabel
import numpy as np
import torch
from gninatorch import gnina


def channel_of(smina_names: list[str], map_text: str) -> tuple[np.ndarray, int]:
    """Channel of each smina type under a map file, as libmolgrid parses it (-1: not drawn)."""
    with tempfile.NamedTemporaryFile("w", suffix=".map", delete=False) as fh:
        fh.write(map_text)
    mapped = molgrid.FileMappedGninaTyper(fh.name)
    Path(fh.name).unlink()
    index = {}
    for channel, joined in enumerate(mapped.get_type_names()):
        for name in joined.split("_"):
            index[name] = channel
    return np.array([index.get(name, -1) for name in smina_names], dtype=np.float32), int(
        mapped.num_types()
    )


def coordinate_set(
    coords: np.ndarray, types: np.ndarray, channels: np.ndarray, radii: np.ndarray, n_types: int
) -> molgrid.CoordinateSet:
    t = channels[types.astype(int)]
    r = radii[types.astype(int)]
    return molgrid.CoordinateSet(
        coords.astype(np.float32), t.astype(np.float32), r.astype(np.float32), n_types
    )


def main(src: str, dst: str) -> None:
    data = np.load(src)
    spec = json.loads(str(data["spec"]))
    typer = molgrid.GninaIndexTyper()
    names = list(typer.get_type_names())
    radii = np.array(list(typer.get_type_radii()), dtype=np.float32)
    gmaker = molgrid.GridMaker(0.5, 23.5)
    out: dict[str, np.ndarray] = {}
    for family, fam in spec["families"].items():
        rec_ch, n_rec = channel_of(names, fam["receptor_map"])
        lig_ch, n_lig = channel_of(names, fam["ligand_map"])
        rec = coordinate_set(data["rec_coords"], data["rec_types"], rec_ch, radii, n_rec)
        grids = []
        centers = []
        for i in range(spec["n_poses"]):
            lig = coordinate_set(
                data[f"lig_coords_{i}"], data[f"lig_types_{i}"], lig_ch, radii, n_lig
            )
            combined = molgrid.CoordinateSet(rec, lig)
            center = lig.center()
            grid = torch.zeros((n_rec + n_lig, 48, 48, 48), dtype=torch.float32)
            gmaker.forward(center, combined, grid)
            grids.append(grid)
            centers.append([center[0], center[1], center[2]])
        batch = torch.stack(grids)
        if fam.get("keep_grids"):
            out[f"grids_{family}"] = batch.numpy()
        out[f"centers_{family}"] = np.array(centers, dtype=np.float32)
        for name in fam["models"]:
            model = gnina.load_gnina_model(name)
            model.eval()
            with torch.no_grad():
                log_pose, affinity = model(batch)
            out[f"score_{name}"] = log_pose[:, 1].exp().double().numpy()
            out[f"affinity_{name}"] = affinity.float().numpy()
    np.savez(dst, **out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
