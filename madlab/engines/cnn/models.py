"""Gnina's built-in CNN models and ensembles, by name.

The trained weights come from the ``gninatorch`` package (gnina's 1.0 models:
``default2017``, the ``default2018`` family trained on the crossdocked,
general and redocked sets, and ``dense``, each with four more seeds). Names
follow gnina's ``--cnn`` option. ``default`` is gnina 1.0's default ensemble
(``default1.0``); gnina 1.3's newer default models are not among the shipped
weights.
"""

from __future__ import annotations

from dataclasses import dataclass

from madlab.engines.cnn.atomtypes import (
    LIGAND_MAP,
    LIGAND_MAP_2017,
    RECEPTOR_MAP,
    RECEPTOR_MAP_2017,
    ChannelMap,
)
from madlab.errors import ValidationError

_FAMILIES = ("crossdock_default2018", "general_default2018", "redock_default2018", "dense")

#: gnina 1.0's default ensemble, the members gnina picked for docking performance.
DEFAULT_ENSEMBLE = (
    "dense",
    "general_default2018_3",
    "dense_3",
    "crossdock_default2018",
    "redock_default2018_2",
)


@dataclass(frozen=True)
class ModelSpec:
    """One trained network.

    Attributes
    ----------
    name
        Gnina's name for the model (and the weight file's stem).
    architecture
        ``default2017``, ``default2018`` or ``dense``.
    receptor_map, ligand_map
        Channel maps of its input grid.
    """

    name: str
    architecture: str
    receptor_map: ChannelMap
    ligand_map: ChannelMap

    @property
    def channels(self) -> int:
        """Number of input channels."""
        return self.receptor_map.size + self.ligand_map.size


def single_models() -> tuple[str, ...]:
    """Names of all single models with shipped weights."""
    names = ["default2017"]
    for family in _FAMILIES:
        names.append(family)
        names.extend(f"{family}_{i}" for i in range(1, 5))
    return tuple(names)


def ensembles() -> dict[str, tuple[str, ...]]:
    """Named ensembles and their members."""
    out: dict[str, tuple[str, ...]] = {"default": DEFAULT_ENSEMBLE, "default1.0": DEFAULT_ENSEMBLE}
    for family in _FAMILIES:
        out[f"{family}_ensemble"] = (family, *(f"{family}_{i}" for i in range(1, 5)))
    return out


def model_spec(name: str) -> ModelSpec:
    """Return the specification of a single model.

    Raises
    ------
    ValidationError
        If ``name`` is not a single built-in model.
    """
    if name not in single_models():
        raise ValidationError(
            f"unknown CNN model {name!r}",
            field="model",
            hint="choose one of " + ", ".join(available_models()),
        )
    if name == "default2017":
        return ModelSpec(name, "default2017", RECEPTOR_MAP_2017, LIGAND_MAP_2017)
    arch = "dense" if name.startswith("dense") else "default2018"
    return ModelSpec(name, arch, RECEPTOR_MAP, LIGAND_MAP)


def resolve(name: str) -> tuple[ModelSpec, ...]:
    """Return the member models of a model or ensemble name.

    Parameters
    ----------
    name
        A single model (``dense``), an ensemble (``dense_ensemble``) or ``default``.

    Returns
    -------
    tuple[ModelSpec, ...]
        One spec for a single model, the members for an ensemble.

    Raises
    ------
    ValidationError
        If the name is unknown.
    """
    groups = ensembles()
    if name in groups:
        return tuple(model_spec(m) for m in groups[name])
    return (model_spec(name),)


def available_models() -> tuple[str, ...]:
    """All accepted names: ensembles first, then single models."""
    return (*ensembles(), *single_models())
