"""Checks of PDBQT text: AutoDock atom types and the ligand torsion tree.

A ligand PDBQT holds one ``ROOT``/``ENDROOT`` block, ``BRANCH a b`` /
``ENDBRANCH a b`` pairs that nest and match, and a ``TORSDOF n`` line with
``n`` at least the number of branches. A receptor PDBQT holds atoms only
(flexible side chains in ``BEGIN_RES``/``END_RES`` blocks may carry their own
tree). Every atom line ends with an AutoDock type that Vina knows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from madlab.errors import InputFileError

#: AutoDock atom types accepted by the Vina 1.2 core (case-sensitive).
AUTODOCK_TYPES = frozenset(
    [
        "C",
        "A",
        "N",
        "O",
        "P",
        "S",
        "H",
        "F",
        "I",
        "NA",
        "OA",
        "SA",
        "HD",
        "Mg",
        "Mn",
        "Zn",
        "Ca",
        "Fe",
        "Cl",
        "Br",
        "Si",
        "At",
        "Na",
        "K",
        "Cu",
        "Co",
        "Ni",
        "Cd",
        "Hg",
        "Se",
        "W",
        "G0",
        "G1",
        "G2",
        "G3",
        "CG0",
        "CG1",
        "CG2",
        "CG3",
    ]
)


@dataclass
class PdbqtInfo:
    """What :func:`check_pdbqt` found.

    ``kind`` is ``ligand`` (a torsion tree) or ``receptor`` (atoms only).
    """

    kind: str
    atoms: int
    models: int
    torsdof: int | None
    branches: int
    warnings: list[str] = field(default_factory=list)


def atom_type(line: str) -> str:
    """The AutoDock type of a PDBQT atom line (columns 78-79, or the last field)."""
    tail = line[77:79].strip() if len(line) >= 78 else ""
    if tail:
        return tail
    fields = line.split()
    return fields[-1] if fields else ""


def check_pdbqt(text: str, path: str = "") -> PdbqtInfo:
    """Check PDBQT text and say whether it is a ligand or a receptor.

    Parameters
    ----------
    text
        The PDBQT content.
    path
        The file name, for messages.

    Returns
    -------
    PdbqtInfo
        Kind, counts and the declared TORSDOF.

    Raises
    ------
    InputFileError
        Unknown AutoDock type, malformed atom line, unbalanced or mismatched
        ``ROOT``/``BRANCH`` records, missing or inconsistent ``TORSDOF``,
        or no atoms; the line is named.
    """

    def fail(msg: str, line: int | None, hint: str | None = None) -> InputFileError:
        return InputFileError(msg, path=path or None, format="pdbqt", line=line, hint=hint)

    atoms = models = branches = 0
    torsdof: int | None = None
    root_open = root_seen = False
    in_res = False
    stack: list[tuple[str, str, int]] = []
    kinds: set[str] = set()
    saved: tuple[bool, bool, list[tuple[str, str, int]]] = (False, False, [])
    last_torsdof: int | None = None
    max_branches = 0
    lines = text.split("\n")
    for no, ln in enumerate(lines, start=1):
        rec = ln.split()[0] if ln.strip() else ""
        if rec in ("ATOM", "HETATM"):
            atoms += 1
            if len(ln.rstrip()) < 54:
                raise fail(f"truncated atom line: '{ln.rstrip()}'", no)
            t = atom_type(ln)
            if t not in AUTODOCK_TYPES:
                raise fail(
                    f"unknown AutoDock atom type '{t}'",
                    no,
                    "types are case-sensitive: C, A, N, NA, OA, SA, HD, Zn, Cl...",
                )
        elif rec == "MODEL":
            models += 1
        elif rec == "ENDMDL":
            kind = _close_tree(fail, root_seen, root_open, stack, torsdof, branches)
            kinds.add(kind)
            root_seen = root_open = False
            torsdof = None
            branches = 0
        elif rec == "ROOT":
            if root_seen:
                raise fail("a second ROOT record", no)
            root_open = root_seen = True
        elif rec == "ENDROOT":
            if not root_open:
                raise fail("ENDROOT without ROOT", no)
            root_open = False
        elif rec in ("BRANCH", "ENDBRANCH"):
            parts = ln.split()
            if len(parts) < 3:
                raise fail(f"{rec} needs two atom numbers: '{ln.strip()}'", no)
            a, b = parts[1], parts[2]
            if rec == "BRANCH":
                if root_open or not root_seen:
                    raise fail("BRANCH outside the torsion tree (before ENDROOT)", no)
                stack.append((a, b, no))
                if not in_res:
                    branches += 1
                    max_branches = max(max_branches, branches)
            else:
                if not stack:
                    raise fail(f"ENDBRANCH {a} {b} without an open BRANCH", no)
                oa, ob, ono = stack.pop()
                if (oa, ob) != (a, b):
                    raise fail(
                        f"ENDBRANCH {a} {b} does not match BRANCH {oa} {ob} (line {ono})",
                        no,
                        "branches must close in reverse order",
                    )
        elif rec == "BEGIN_RES":
            # A flexible side chain: its own small tree, without TORSDOF.
            saved = (root_seen, root_open, stack)
            root_seen = root_open = False
            stack = []
            in_res = True
        elif rec == "END_RES":
            if not in_res:
                raise fail("END_RES without BEGIN_RES", no)
            if root_open or stack:
                raise fail("flexible residue whose ROOT or BRANCH is not closed", no)
            root_seen, root_open, stack = saved
            in_res = False
        elif rec == "TORSDOF":
            parts = ln.split()
            try:
                torsdof = int(parts[1])
                last_torsdof = torsdof
            except (IndexError, ValueError):
                raise fail(f"TORSDOF needs a whole number: '{ln.strip()}'", no) from None
    if atoms == 0:
        raise fail("no ATOM or HETATM records", None)
    if not kinds or root_seen or branches:
        kinds.add(_close_tree(fail, root_seen, root_open, stack, torsdof, branches))
    kind = "ligand" if "ligand" in kinds else "receptor"
    return PdbqtInfo(
        kind=kind, atoms=atoms, models=max(models, 1), torsdof=last_torsdof, branches=max_branches
    )


def _close_tree(
    fail: Callable[..., InputFileError],
    root_seen: bool,
    root_open: bool,
    stack: list[tuple[str, str, int]],
    torsdof: int | None,
    branches: int,
) -> str:
    if root_open:
        raise fail("ROOT is never closed by ENDROOT", None, "the file may be cut short")
    if stack:
        a, b, no = stack[-1]
        raise fail(f"BRANCH {a} {b} is never closed by ENDBRANCH", no, "the file may be cut short")
    if root_seen:
        if torsdof is None:
            raise fail(
                "ligand torsion tree without a TORSDOF record",
                None,
                "add 'TORSDOF n' with n the number of rotatable bonds",
            )
        if torsdof < branches:
            raise fail(f"TORSDOF {torsdof} is less than the {branches} branches of the tree", None)
        return "ligand"
    return "receptor"
