"""Run the Node browser scripts of this folder from pytest and read what they report.

A script imports ``driver.mjs`` (launch, login, screenshot, console errors),
prints one JSON line as its last output, and exits non-zero when a step fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CHROMIUM = os.environ.get("MADLAB_CHROMIUM", "/usr/bin/chromium")
#: Screenshots and logs of the browser tests (ignored by git).
ARTIFACTS = REPO / "tests" / "artifacts" / "browser"


def check_tools() -> str:
    """The ``node`` program; fails the test with what to install when a tool is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the browser tests need Node.js 18+ (make browser)")
    if not (REPO / "node_modules" / "playwright-core").is_dir():
        pytest.fail("playwright-core is not installed: run `make node-deps` (npm ci)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (Debian chromium)")
    return node


def run_script(script: str, env: Mapping[str, str], timeout: float) -> dict[str, Any]:
    """Run ``script`` (a file of this folder) with Node; its JSON report.

    Fails the test with the script's output when it exits non-zero or prints no report.
    """
    node = check_tools()
    proc = subprocess.run(
        [node, str(HERE / script)],
        env={**os.environ, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        pytest.fail(
            f"{script} exited with {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    report: dict[str, Any] = json.loads(lines[-1])
    return report


def pixel_spread(png: Path) -> tuple[float, float]:
    """(standard deviation of the grey levels, fraction of pixels not the background).

    The background is the most common colour; a blank canvas gives (0, 0).
    """
    from PIL import Image, ImageStat

    image = Image.open(png).convert("RGB")
    grey = image.convert("L")
    spread = float(ImageStat.Stat(grey).stddev[0])
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    background = max(colours)[0] if colours else 0
    total = image.width * image.height
    return spread, (total - background) / total if total else 0.0
