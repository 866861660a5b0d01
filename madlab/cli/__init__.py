"""The ``madlab`` command line.

Each command parses its options into the same request models the API uses and
makes one call into a service. Every madlab error is printed as one line
saying what is wrong and what to do, with a non-zero exit status; nothing ends
in a traceback unless ``--debug`` is given. Command modules register
themselves on :data:`main` when imported here.
"""

from madlab.cli import docking, engines, jobs, pipelines, runtime, tasks
from madlab.cli.app import main

__all__ = ["docking", "engines", "jobs", "main", "pipelines", "runtime", "tasks"]
