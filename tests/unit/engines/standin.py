"""A stand-in for the smina and gnina executables, for testing the program backends.

The programs cannot be installed on the test machines. The stand-in behaves
like their command line for what the backends rely on: it accepts their
options, answers ``--version``, and writes to ``-o`` a *real* output of the
program recorded in ``shared/data/peer-outputs`` (it replays it; it computes
nothing). Environment variables choose the case under test:

* ``STANDIN_REPLAY``: the recorded SDF to write to ``-o``;
* ``STANDIN_MODE``: ``ok`` (default), ``sleep`` (never finishes in time),
  ``fail`` (exits with status 2 and a message on standard error), ``empty``
  (exits 0 without output), ``garbage`` (writes text that is not SDF);
* ``STANDIN_LOG``: a file where each command line is appended as JSON.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

SCRIPT = """\
import json, os, shutil, sys, time
args = sys.argv[1:]
if args == ["--version"]:
    print("{name} stand-in (replays recorded program output)")
    sys.exit(0)
log = os.environ.get("STANDIN_LOG")
if log:
    with open(log, "a") as fh:
        fh.write(json.dumps(args) + "\\n")
mode = os.environ.get("STANDIN_MODE", "ok")
out = args[args.index("-o") + 1]
if mode == "sleep":
    time.sleep(60)
if mode == "fail":
    sys.stderr.write("Parse error on line 12 in file receptor.pdb\\n")
    sys.exit(2)
if mode == "empty":
    sys.stderr.write("WARNING: Could not find any conformations completely within the search")
    sys.stderr.write(" space.\\n")
    sys.exit(0)
if mode == "garbage":
    with open(out, "w") as fh:
        fh.write("not an SDF file\\n$$$$\\n")
    sys.exit(0)
shutil.copy(os.environ["STANDIN_REPLAY"], out)
"""


def write_standin(folder: Path, name: str) -> Path:
    """Write an executable stand-in named ``name`` into ``folder``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!{sys.executable}\n" + SCRIPT.replace("{name}", name))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    assert os.access(path, os.X_OK)
    return path
