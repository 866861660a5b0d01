"""Benchmark: what registering the notebook tasks adds to a start-up.

Each round is a fresh Python process that does what the server does when it
starts: import madlab and build the services on a new home folder (store
migrated, built-in tasks stored), then register the notebooks of
``templates/`` (the first start-up of an installation: papermill reads each
parameters cell), then register them again on the same store (every later
start-up: each notebook's hash matches, nothing is parsed). Results go to
``benchmarks/results/notebook_tasks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "notebook_tasks.md"


def child() -> None:
    """One start-up, timed in phases; prints JSON."""
    started = time.perf_counter()
    from madlab.bootstrap import build_services
    from madlab.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        services = build_services(Settings.from_env({"MADLAB_HOME": home}))
        services.tasks.list(organization_id="default")
        built = time.perf_counter()
        first = services.register_notebook_tasks()
        registered = time.perf_counter()
        again = services.register_notebook_tasks()
        unchanged = time.perf_counter()
        services.store.dispose()
    print(
        json.dumps(
            {
                "build_s": built - started,
                "first_s": registered - built,
                "unchanged_s": unchanged - registered,
                "notebooks": len(first.tasks),
                "registered_again": len(again.registered),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    rounds = []
    for _ in range(args.rounds):
        out = subprocess.run(
            [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
        )
        rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
    build = statistics.median(r["build_s"] for r in rounds)
    first = statistics.median(r["first_s"] for r in rounds)
    unchanged = statistics.median(r["unchanged_s"] for r in rounds)
    lines = [
        "# Notebook tasks at start-up",
        "",
        f"`python benchmarks/notebook_tasks.py --rounds {args.rounds}`, {dt.date.today()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{rounds[0]['notebooks']} notebook(s) in templates/; medians of {args.rounds} fresh "
        "processes, each timing its phases in one run.",
        "",
        "| phase | seconds | share of the start-up |",
        "| --- | --- | --- |",
        f"| import madlab, build the services, store built-in tasks | {build:.3f} | 100% |",
        f"| register the notebooks, first start-up (each parameters cell parsed) | {first:.3f} | "
        f"{first / build:.1%} |",
        f"| register them again, unchanged (a hash each) | {unchanged:.4f} | "
        f"{unchanged / build:.2%} |",
        "",
        f"Registered again when unchanged: {max(r['registered_again'] for r in rounds)}.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
