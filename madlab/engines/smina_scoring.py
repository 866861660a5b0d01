"""Smina's custom scoring files, mapped onto the weights of the Vina core.

A smina custom scoring file has one term per line: its weight, then the term
in smina's notation, for example::

    -0.035579    gauss(o=0,_w=0.5,_c=8)
    -0.005156    gauss(o=3,_w=2,_c=8)
    0.840245     repulsion(o=0,_c=8)
    -0.035069    hydrophobic(g=0.5,_b=1.5,_c=8)
    -0.587439    non_dir_h_bond(g=-0.7,_b=0,_c=8)
    1.923        num_tors_div

The Vina core (the ``vina`` bindings) evaluates a fixed set of functional
forms and only lets their weights change (``Vina.set_weights``). A file can
therefore be used by the built-in backend when each of its terms is one of
those forms with exactly those parameters:

* Vina's: ``gauss(o=0,_w=0.5,_c=8)``, ``gauss(o=3,_w=2,_c=8)``,
  ``repulsion(o=0,_c=8)``, ``hydrophobic(g=0.5,_b=1.5,_c=8)``,
  ``non_dir_h_bond(g=-0.7,_b=0,_c=8)``;
* Vinardo's: ``gauss(o=0,_w=0.8,_c=8)``, ``repulsion(o=0,_c=8)``,
  ``hydrophobic(g=0,_b=2.5,_c=8)``, ``non_dir_h_bond(g=-0.6,_b=0,_c=8)``
  (the core then also uses Vinardo's atom radii, as ``--scoring vinardo``);
* ``num_tors_div`` with either family: smina divides by
  ``1 + 0.1 (w + 1) N / 5``, which is Vina's ``1 + w_rot N`` with
  ``w_rot = (w + 1) / 50``.

A term left out of the file has weight 0 (without ``num_tors_div`` the
energy is not divided). Any other term (``electrostatic``, ``ad4_solvation``,
``vdw``, ``atom_type_gaussian``...) or other parameters raise a
:class:`~madlab.errors.ValidationError` naming the file, the line and the term.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from madlab.errors import InputFileError, ValidationError

__all__ = ["CustomScoring", "parse_custom_scoring", "read_custom_scoring"]

#: Vina's default weights in smina's notation (``smina --print_terms``).
VINA_TERMS: dict[str, float] = {
    "gauss(o=0,_w=0.5,_c=8)": -0.035579,
    "gauss(o=3,_w=2,_c=8)": -0.005156,
    "repulsion(o=0,_c=8)": 0.840245,
    "hydrophobic(g=0.5,_b=1.5,_c=8)": -0.035069,
    "non_dir_h_bond(g=-0.7,_b=0,_c=8)": -0.587439,
    "num_tors_div": 1.923,
}

# (term name, parameters) of each functional form of the core, by family and slot.
_FORMS: dict[str, list[tuple[str, str, dict[str, float]]]] = {
    "vina": [
        ("gauss1", "gauss", {"o": 0.0, "_w": 0.5, "_c": 8.0}),
        ("gauss2", "gauss", {"o": 3.0, "_w": 2.0, "_c": 8.0}),
        ("repulsion", "repulsion", {"o": 0.0, "_c": 8.0}),
        ("hydrophobic", "hydrophobic", {"g": 0.5, "_b": 1.5, "_c": 8.0}),
        ("hydrogen", "non_dir_h_bond", {"g": -0.7, "_b": 0.0, "_c": 8.0}),
    ],
    "vinardo": [
        ("gauss1", "gauss", {"o": 0.0, "_w": 0.8, "_c": 8.0}),
        ("repulsion", "repulsion", {"o": 0.0, "_c": 8.0}),
        ("hydrophobic", "hydrophobic", {"g": 0.0, "_b": 2.5, "_c": 8.0}),
        ("hydrogen", "non_dir_h_bond", {"g": -0.6, "_b": 0.0, "_c": 8.0}),
    ],
}
_GLUE = 50.0  # weight of the macrocycle glue term (Vina's default; not a smina term)
_TERM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\((?P<args>[^()]*)\))?$")
_SUPPORTED = ", ".join([*VINA_TERMS, "and Vinardo's gauss(o=0,_w=0.8,_c=8) family"])


@dataclass(frozen=True)
class CustomScoring:
    """A custom scoring function the Vina core can evaluate.

    Attributes
    ----------
    scoring
        The core's functional forms: ``vina`` or ``vinardo``.
    weights
        The weights for ``Vina.set_weights`` (7 for ``vina``: gauss1, gauss2,
        repulsion, hydrophobic, hydrogen, glue, rot; 6 for ``vinardo``).
    terms
        The file's terms and weights, in file order (smina's notation).
    source
        Where the terms were read from.
    """

    scoring: str
    weights: tuple[float, ...]
    terms: tuple[tuple[str, float], ...]
    source: str = ""

    @property
    def digest(self) -> str:
        """A short fingerprint of the weights (keys receptor maps computed with them)."""
        text = self.scoring + ":" + ",".join(f"{w:.9g}" for w in self.weights)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (recorded with the results)."""
        return {
            "scoring": self.scoring,
            "terms": [[t, w] for t, w in self.terms],
            "source": self.source,
        }


def _parse_args(args: str) -> dict[str, float] | None:
    out: dict[str, float] = {}
    for part in filter(None, args.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            return None
        try:
            out[key.strip()] = float(value)
        except ValueError:
            return None
    return out


def _slot(family: str, name: str, args: dict[str, float]) -> str | None:
    for slot, form, params in _FORMS[family]:
        same = form == name and args.keys() == params.keys()
        if same and all(abs(args[k] - v) < 1e-9 for k, v in params.items()):
            return slot
    return None


def _error(source: str, line: int, message: str) -> ValidationError:
    return ValidationError(
        f"{source}, line {line}: {message}",
        field="custom_scoring",
        path=source,
        line=line,
        hint=f"the built-in backend supports {_SUPPORTED}; run the smina program for other terms",
    )


def parse_custom_scoring(text: str, source: str = "<custom scoring>") -> CustomScoring:
    """Map a smina custom scoring file's terms onto the Vina core's weights.

    Parameters
    ----------
    text
        The file's content: ``weight term`` per line; blank lines and lines
        starting with ``#`` are skipped.
    source
        The file name, used in error messages.

    Returns
    -------
    CustomScoring
        The core's scoring function and weights.

    Raises
    ------
    madlab.errors.ValidationError
        For a line that is not ``weight term``, a term the Vina core does not
        evaluate, a term given twice, terms of both the Vina and the Vinardo
        families, or a file without terms; the message names the file, line and
        term.
    """
    found: list[tuple[int, str, str, dict[str, float] | None, float]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) != 2:
            raise _error(source, lineno, f"expected 'weight term', found {line!r}")
        try:
            weight = float(fields[0])
        except ValueError:
            raise _error(source, lineno, f"the weight {fields[0]!r} is not a number") from None
        match = _TERM.match(fields[1])
        if match is None:
            raise _error(source, lineno, f"cannot read the term {fields[1]!r}")
        args = _parse_args(match.group("args") or "") if match.group("args") is not None else {}
        found.append((lineno, fields[1], match.group("name"), args, weight))
    if not found:
        raise ValidationError(
            f"{source}: no scoring term found",
            field="custom_scoring",
            path=source,
            hint="write one 'weight term' per line, e.g. '-0.035579 gauss(o=0,_w=0.5,_c=8)'",
        )
    families = ("vina", "vinardo")
    slots: dict[str, dict[int, str]] = {f: {} for f in families}
    for lineno, term, name, args, _ in found:
        if name == "num_tors_div" and args == {}:
            continue
        matched = False
        for family in families:
            slot = _slot(family, name, args) if args is not None else None
            if slot is not None:
                slots[family][lineno] = slot
                matched = True
        if not matched:
            raise _error(source, lineno, f"the term {term} is not supported by the Vina core")
    pairwise = [ln for ln, _, name, _, _ in found if name != "num_tors_div"]
    complete = [f for f in families if len(slots[f]) == len(pairwise)]
    if not complete:
        bad = next(ln for ln in pairwise if ln not in slots["vina"])
        term = next(t for ln, t, *_ in found if ln == bad)
        raise _error(
            source,
            bad,
            f"the term {term} is of the Vinardo family while other terms are of the Vina "
            "family; the Vina core evaluates one family at a time",
        )
    family = complete[0]
    values: dict[str, float] = {}
    seen: dict[str, int] = {}
    for lineno, term, name, _, weight in found:
        slot = "rot" if name == "num_tors_div" else slots[family][lineno]
        if slot in seen:
            first = seen[slot]
            raise _error(source, lineno, f"the term {term} is given twice (first on line {first})")
        seen[slot] = lineno
        values[slot] = (weight + 1.0) / 50.0 if slot == "rot" else weight
    order = [s for s, _, _ in _FORMS[family]]
    weights = (*(values.get(s, 0.0) for s in order), _GLUE, values.get("rot", 0.0))
    return CustomScoring(
        scoring=family,
        weights=tuple(float(w) for w in weights),
        terms=tuple((t, w) for _, t, _, _, w in found),
        source=source,
    )


def read_custom_scoring(path: str | Path) -> CustomScoring:
    """Read a smina custom scoring file (see :func:`parse_custom_scoring`).

    Raises
    ------
    madlab.errors.InputFileError
        When the file cannot be read.
    madlab.errors.ValidationError
        For a term the Vina core does not support (file, line and term named).
    """
    p = Path(path)
    try:
        text = p.read_text(errors="replace")
    except OSError as err:
        raise InputFileError(
            f"cannot read the custom scoring file: {err.strerror or err}",
            path=str(p),
            field="custom_scoring",
        ) from err
    return parse_custom_scoring(text, source=str(p))
