"""Smina atom types as gnina's CNN models see them.

Gnina types every atom with one of 28 smina types: an AutoDock 4 type refined
by X-Score rules (a carbon bonded to a heteroatom is not hydrophobic, a
nitrogen or oxygen bonded to a polar hydrogen is a donor). The models then
merge these types into input channels with a *map*: one line per channel,
listing the smina types drawn into it. The receptor and the ligand have their
own maps; the ligand channels follow the receptor channels in the grid.

This module holds the type table (radii, flags), the AutoDock-name lookup, the
X-Score adjustment and the channel maps of the built-in models.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class SminaType(IntEnum):
    """The smina atom types, in smina's (and libmolgrid's) order."""

    HYDROGEN = 0
    POLAR_HYDROGEN = 1
    ALIPHATIC_CARBON_XS_HYDROPHOBE = 2
    ALIPHATIC_CARBON_XS_NON_HYDROPHOBE = 3
    AROMATIC_CARBON_XS_HYDROPHOBE = 4
    AROMATIC_CARBON_XS_NON_HYDROPHOBE = 5
    NITROGEN = 6
    NITROGEN_XS_DONOR = 7
    NITROGEN_XS_DONOR_ACCEPTOR = 8
    NITROGEN_XS_ACCEPTOR = 9
    OXYGEN = 10
    OXYGEN_XS_DONOR = 11
    OXYGEN_XS_DONOR_ACCEPTOR = 12
    OXYGEN_XS_ACCEPTOR = 13
    SULFUR = 14
    SULFUR_ACCEPTOR = 15
    PHOSPHORUS = 16
    FLUORINE = 17
    CHLORINE = 18
    BROMINE = 19
    IODINE = 20
    MAGNESIUM = 21
    MANGANESE = 22
    ZINC = 23
    CALCIUM = 24
    IRON = 25
    GENERIC_METAL = 26
    BORON = 27


@dataclass(frozen=True)
class TypeInfo:
    """Per-type constants used by the CNN input.

    Attributes
    ----------
    name
        Smina's name of the type (used in channel maps).
    ad_name
        AutoDock 4 type name (as in a PDBQT file).
    covalent_radius
        Radius (Å) used to decide which atoms are bonded.
    xs_radius
        X-Score radius (Å): the atom's radius in the density grid.
    heteroatom
        Whether a bonded carbon counts as bonded to a heteroatom.
    """

    name: str
    ad_name: str
    covalent_radius: float
    xs_radius: float
    heteroatom: bool


TYPE_INFO: tuple[TypeInfo, ...] = (
    TypeInfo("Hydrogen", "H", 0.37, 0.37, False),
    TypeInfo("PolarHydrogen", "HD", 0.37, 0.37, False),
    TypeInfo("AliphaticCarbonXSHydrophobe", "C", 0.77, 1.9, False),
    TypeInfo("AliphaticCarbonXSNonHydrophobe", "C", 0.77, 1.9, False),
    TypeInfo("AromaticCarbonXSHydrophobe", "A", 0.77, 1.9, False),
    TypeInfo("AromaticCarbonXSNonHydrophobe", "A", 0.77, 1.9, False),
    TypeInfo("Nitrogen", "N", 0.75, 1.8, True),
    TypeInfo("NitrogenXSDonor", "N", 0.75, 1.8, True),
    TypeInfo("NitrogenXSDonorAcceptor", "NA", 0.75, 1.8, True),
    TypeInfo("NitrogenXSAcceptor", "NA", 0.75, 1.8, True),
    TypeInfo("Oxygen", "O", 0.73, 1.7, True),
    TypeInfo("OxygenXSDonor", "O", 0.73, 1.7, True),
    TypeInfo("OxygenXSDonorAcceptor", "OA", 0.73, 1.7, True),
    TypeInfo("OxygenXSAcceptor", "OA", 0.73, 1.7, True),
    TypeInfo("Sulfur", "S", 1.02, 2.0, True),
    TypeInfo("SulfurAcceptor", "SA", 1.02, 2.0, True),
    TypeInfo("Phosphorus", "P", 1.06, 2.1, True),
    TypeInfo("Fluorine", "F", 0.71, 1.5, True),
    TypeInfo("Chlorine", "Cl", 0.99, 1.8, True),
    TypeInfo("Bromine", "Br", 1.14, 2.0, True),
    TypeInfo("Iodine", "I", 1.33, 2.2, True),
    TypeInfo("Magnesium", "Mg", 1.30, 1.2, True),
    TypeInfo("Manganese", "Mn", 1.39, 1.2, True),
    TypeInfo("Zinc", "Zn", 1.31, 1.2, True),
    TypeInfo("Calcium", "Ca", 1.74, 1.2, True),
    TypeInfo("Iron", "Fe", 1.25, 1.2, True),
    TypeInfo("GenericMetal", "M", 1.75, 1.2, True),
    TypeInfo("Boron", "B", 0.90, 1.92, False),
)

XS_RADIUS = np.array([t.xs_radius for t in TYPE_INFO], dtype=np.float32)
COVALENT_RADIUS = np.array([t.covalent_radius for t in TYPE_INFO], dtype=np.float64)
IS_HETEROATOM = np.array([t.heteroatom for t in TYPE_INFO], dtype=bool)

_AD_LOOKUP: dict[str, SminaType] = {}
for _t in SminaType:
    _AD_LOOKUP.setdefault(TYPE_INFO[_t].ad_name, _t)


def type_from_ad_name(ad_name: str) -> SminaType:
    """Return the smina type of an AutoDock type name before bonding is considered.

    Names smina does not know (for example ``Na`` or ``Se``) become
    :attr:`SminaType.GENERIC_METAL`, which is where gnina's typer files them.

    Parameters
    ----------
    ad_name
        AutoDock 4 type, as written in column 78-79 of a PDBQT file.

    Returns
    -------
    SminaType
        The first smina type with that AutoDock name.
    """
    return _AD_LOOKUP.get(ad_name, SminaType.GENERIC_METAL)


def adjust_type(t: int, bonded_to_polar_h: bool, bonded_to_heteroatom: bool) -> int:
    """Apply the X-Score refinement of a smina type from its bonded neighbours.

    Parameters
    ----------
    t
        Smina type before refinement.
    bonded_to_polar_h
        Whether the atom is bonded to a polar hydrogen (makes N and O donors).
    bonded_to_heteroatom
        Whether the atom is bonded to a heteroatom (makes carbons non-hydrophobic).

    Returns
    -------
    int
        The refined smina type.
    """
    s = SminaType
    if t in (s.ALIPHATIC_CARBON_XS_HYDROPHOBE, s.ALIPHATIC_CARBON_XS_NON_HYDROPHOBE):
        return int(
            s.ALIPHATIC_CARBON_XS_NON_HYDROPHOBE
            if bonded_to_heteroatom
            else s.ALIPHATIC_CARBON_XS_HYDROPHOBE
        )
    if t in (s.AROMATIC_CARBON_XS_HYDROPHOBE, s.AROMATIC_CARBON_XS_NON_HYDROPHOBE):
        return int(
            s.AROMATIC_CARBON_XS_NON_HYDROPHOBE
            if bonded_to_heteroatom
            else s.AROMATIC_CARBON_XS_HYDROPHOBE
        )
    if t in (s.NITROGEN, s.NITROGEN_XS_DONOR):
        return int(s.NITROGEN_XS_DONOR if bonded_to_polar_h else s.NITROGEN)
    if t in (s.NITROGEN_XS_DONOR_ACCEPTOR, s.NITROGEN_XS_ACCEPTOR):
        return int(s.NITROGEN_XS_DONOR_ACCEPTOR if bonded_to_polar_h else s.NITROGEN_XS_ACCEPTOR)
    if t in (s.OXYGEN, s.OXYGEN_XS_DONOR):
        return int(s.OXYGEN_XS_DONOR if bonded_to_polar_h else s.OXYGEN)
    if t in (s.OXYGEN_XS_DONOR_ACCEPTOR, s.OXYGEN_XS_ACCEPTOR):
        return int(s.OXYGEN_XS_DONOR_ACCEPTOR if bonded_to_polar_h else s.OXYGEN_XS_ACCEPTOR)
    return int(t)


@dataclass(frozen=True)
class ChannelMap:
    """Which smina types are drawn into which grid channel.

    Attributes
    ----------
    name
        Label of the map.
    channels
        One tuple of smina type names per channel.
    """

    name: str
    channels: tuple[tuple[str, ...], ...]

    @property
    def size(self) -> int:
        """Number of channels."""
        return len(self.channels)

    def lookup(self) -> np.ndarray:
        """Return an array mapping each smina type to its channel, or -1 when not drawn."""
        index = {info.name: i for i, info in enumerate(TYPE_INFO)}
        out = np.full(len(TYPE_INFO), -1, dtype=np.int64)
        for channel, names in enumerate(self.channels):
            for name in names:
                out[index[name]] = channel
        return out


def _parse_map(name: str, text: str) -> ChannelMap:
    rows = tuple(tuple(line.split()) for line in text.strip().splitlines() if line.strip())
    return ChannelMap(name, rows)


#: Receptor channels of the default2018 and dense models (gnina's ``completerec``).
RECEPTOR_MAP = _parse_map(
    "receptor",
    """
AliphaticCarbonXSHydrophobe
AliphaticCarbonXSNonHydrophobe
AromaticCarbonXSHydrophobe
AromaticCarbonXSNonHydrophobe
Bromine Iodine Chlorine Fluorine
Nitrogen NitrogenXSAcceptor
NitrogenXSDonor NitrogenXSDonorAcceptor
Oxygen OxygenXSAcceptor
OxygenXSDonorAcceptor OxygenXSDonor
Sulfur SulfurAcceptor
Phosphorus
Calcium
Zinc
GenericMetal Boron Manganese Magnesium Iron
""",
)

#: Ligand channels of the default2018 and dense models (gnina's ``completelig``).
LIGAND_MAP = _parse_map(
    "ligand",
    """
AliphaticCarbonXSHydrophobe
AliphaticCarbonXSNonHydrophobe
AromaticCarbonXSHydrophobe
AromaticCarbonXSNonHydrophobe
Bromine Iodine
Chlorine
Fluorine
Nitrogen NitrogenXSAcceptor
NitrogenXSDonor NitrogenXSDonorAcceptor
Oxygen OxygenXSAcceptor
OxygenXSDonorAcceptor OxygenXSDonor
Sulfur SulfurAcceptor
Phosphorus
GenericMetal Boron Manganese Magnesium Zinc Calcium Iron
""",
)

#: Receptor channels of the default2017 model (one smina type per channel).
RECEPTOR_MAP_2017 = _parse_map(
    "receptor2017",
    "\n".join(
        [
            "AliphaticCarbonXSHydrophobe",
            "AliphaticCarbonXSNonHydrophobe",
            "AromaticCarbonXSHydrophobe",
            "AromaticCarbonXSNonHydrophobe",
            "Calcium",
            "Iron",
            "Magnesium",
            "Nitrogen",
            "NitrogenXSAcceptor",
            "NitrogenXSDonor",
            "NitrogenXSDonorAcceptor",
            "OxygenXSAcceptor",
            "OxygenXSDonorAcceptor",
            "Phosphorus",
            "Sulfur",
            "Zinc",
        ]
    ),
)

#: Ligand channels of the default2017 model (one smina type per channel).
LIGAND_MAP_2017 = _parse_map(
    "ligand2017",
    "\n".join(
        [
            "AliphaticCarbonXSHydrophobe",
            "AliphaticCarbonXSNonHydrophobe",
            "AromaticCarbonXSHydrophobe",
            "AromaticCarbonXSNonHydrophobe",
            "Bromine",
            "Chlorine",
            "Fluorine",
            "Nitrogen",
            "NitrogenXSAcceptor",
            "NitrogenXSDonor",
            "NitrogenXSDonorAcceptor",
            "Oxygen",
            "OxygenXSAcceptor",
            "OxygenXSDonorAcceptor",
            "Phosphorus",
            "Sulfur",
            "SulfurAcceptor",
            "Iodine",
            "Boron",
        ]
    ),
)


@dataclass(frozen=True)
class TypedAtoms:
    """Atoms with coordinates and smina types.

    Attributes
    ----------
    coords
        Coordinates (N, 3) in Å.
    types
        Smina type of each atom (N,); hydrogens keep their hydrogen types.
    """

    coords: np.ndarray
    types: np.ndarray

    def __len__(self) -> int:
        return int(self.types.shape[0])


def xs_adjust(coords: np.ndarray, types: np.ndarray) -> np.ndarray:
    """Refine AutoDock-derived smina types by bonding, as smina's model does.

    Atoms are bonded when closer than 1.1 times the sum of their covalent radii,
    unless a heavy atom lies closer to both than they are to each other. A
    nitrogen or oxygen bonded to a polar hydrogen becomes a donor; a carbon
    bonded to a heteroatom becomes non-hydrophobic.

    Parameters
    ----------
    coords
        Coordinates (N, 3) of one rigid set of atoms (a receptor, or a ligand).
    types
        Smina types before refinement (N,).

    Returns
    -------
    numpy.ndarray
        Refined smina types (N,).
    """
    from scipy.spatial import cKDTree

    xyz = np.asarray(coords, dtype=np.float64).reshape(-1, 3)
    t = np.asarray(types, dtype=np.int64).reshape(-1)
    n = len(t)
    out = t.copy()
    if n == 0:
        return out
    rad = COVALENT_RADIUS[t]
    tree = cKDTree(xyz)
    pairs = tree.query_pairs(1.1 * 2 * float(COVALENT_RADIUS.max()), output_type="ndarray")
    polar_h = np.zeros(n, dtype=bool)
    hetero = np.zeros(n, dtype=bool)
    if len(pairs):
        i, j = pairs[:, 0], pairs[:, 1]
        r2 = np.sum((xyz[i] - xyz[j]) ** 2, axis=1)
        bonded = r2 < (1.1 * (rad[i] + rad[j])) ** 2
        heavy = t > SminaType.POLAR_HYDROGEN
        for a, b, d2 in zip(i[bonded], j[bonded], r2[bonded], strict=True):
            # Another heavy atom nearer to both ends means these two are not bonded.
            near = tree.query_ball_point(xyz[a], float(np.sqrt(d2)))
            if any(
                c not in (a, b)
                and heavy[c]
                and np.sum((xyz[c] - xyz[b]) ** 2) < d2
                and np.sum((xyz[c] - xyz[a]) ** 2) < d2
                for c in near
            ):
                continue
            for x, y in ((a, b), (b, a)):
                if t[y] == SminaType.POLAR_HYDROGEN:
                    polar_h[x] = True
                if IS_HETEROATOM[t[y]]:
                    hetero[x] = True
    for k in range(n):
        out[k] = adjust_type(int(t[k]), bool(polar_h[k]), bool(hetero[k]))
    return out
